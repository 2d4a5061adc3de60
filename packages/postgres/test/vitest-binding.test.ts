// Way 2 of running the suite: inside a vendor's own vitest run. This file *is* such a run,
// against the embedded PGlite, with its expectations (expected failures become `fails` tests).
import { registerPostgresSuite } from '../src/vitest.js';
import { pgliteExpectations } from './helpers.js';

registerPostgresSuite({ expectations: pgliteExpectations, openTimeoutMs: 60_000 });
