// Way 2 of running the suite: inside a vendor's own vitest run, through the binding hc-kit
// generates (dist/vitest.js; run `npm run build` first). This file *is* such a run, against the
// shared PostgreSQL 15 with the shipped expectations: AC-004 is an expected failure there
// (REPEATABLE READ is snapshot isolation), so it becomes a `fails` test that passes only while
// the matrix still observes write skew.
import { fileURLToPath } from 'node:url';
import { testServer } from '@helios-conformance/suite-kit';
import { registerAcidSuite } from '../dist/vitest.js';

registerAcidSuite({
  dsn: testServer('postgres').dsn,
  expectations: fileURLToPath(new URL('../expectations/postgresql-15.json', import.meta.url)),
  only: ['AC-004', 'AC-008', 'AC-120'],
  openTimeoutMs: 60_000,
});
