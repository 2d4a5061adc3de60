// Way 2 of running the suite: inside a vendor's own vitest run. This file *is* such a run, against
// the embedded PGlite + pgvector (no dsn), on a handful of recall and storage cases.
import { registerVectorSuite } from '../src/vitest.js';

registerVectorSuite({
  only: ['VEC-005', 'VEC-100', 'VEC-103', 'VEC-104', 'VEC-105', 'VEC-109'],
  openTimeoutMs: 60_000,
});
