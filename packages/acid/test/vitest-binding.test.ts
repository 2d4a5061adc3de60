// Way 2 of running the suite: inside a vendor's own vitest run. This file *is* such a run, against
// the testbed's throwaway PostgreSQL 15 (no dsn), with the shipped expectations: AC-004 is an
// expected failure there (REPEATABLE READ is snapshot isolation), so it becomes a `fails` test that
// passes only while the matrix still observes write skew.
import { fileURLToPath } from 'node:url';
import { registerAcidSuite } from '../src/vitest.js';

registerAcidSuite({
  expectations: fileURLToPath(new URL('../expectations/postgresql-15.json', import.meta.url)),
  only: ['AC-002', 'AC-004', 'AC-007', 'AC-008', 'AC-110', 'AC-120'],
  openTimeoutMs: 60_000,
});
