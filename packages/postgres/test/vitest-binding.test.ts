// Way 2 of running the suite: inside a vendor's own vitest run, through the generated binding
// (dist/vitest.js). This file *is* such a run, against the embedded PGlite with its expectations,
// on a handful of cases: a pass (PG-001), an expected failure that becomes a `fails` test (PG-010),
// a skip from the expectations file (PG-008) and an n/a (PG-020 needs TLS, PGlite has none).
import { fileURLToPath } from 'node:url';
import type { RegisterOptions } from '@helios-conformance/core/vitest';

const binding = new URL('../dist/vitest.js', import.meta.url).href;
const { registerPostgresSuite } = (await import(binding)) as { registerPostgresSuite(options?: RegisterOptions): void };

registerPostgresSuite({
  expectations: fileURLToPath(new URL('../expectations/pglite.json', import.meta.url)),
  only: ['PG-001', 'PG-008', 'PG-010', 'PG-020'],
  openTimeoutMs: 60_000,
});
