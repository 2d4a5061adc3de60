// Shipped expectations follow the endpoint, not the flag: a --dsn that reaches PGlite gets
// expectations/pglite.json (PG-003 is an expected failure there), the test PostgreSQL 15 gets none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, testServer } from '@helios-conformance/suite-kit';
import { startPglite } from '@helios-conformance/testbed';

describe('shipped expectations chosen by the endpoint (--dsn)', () => {
  let pglite: Awaited<ReturnType<typeof startPglite>>;
  beforeAll(async () => {
    pglite = await startPglite({ maxConnections: 8, startTimeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await pglite?.stop();
  }, 30_000);

  it('--dsn at a PGlite socket server: pglite.json, named before any case; PG-003 xfail; exit 0', async () => {
    const r = await runCli(['--dsn', pglite.dsn, '--only', 'PG-001,PG-003'], { timeoutMs: 90_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('expectations: shipped pglite.json (endpoint is PGlite: it reported "PostgreSQL 18.6 (PGlite'));
    expect(at, r.stdout).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(lines.findIndex((l) => /PG-001/.test(l)));
    expect(r.stdout).toMatch(/XFAIL\s+2\/2 PG-003/);
  }, 120_000);

  it('--dsn at PostgreSQL 15: none, and the line says why', async () => {
    const r = await runCli(['--dsn', testServer('postgres').dsn, '--only', 'PG-001,PG-003'], { timeoutMs: 90_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/expectations: none \(no shipped file describes the endpoint "PostgreSQL 15\.\d+[^"]*" \(shipped: pglite\.json for PGlite, pgbouncer-transaction\.json for PgBouncer in transaction pooling, pgbouncer-session\.json for PgBouncer in session pooling\)\)/);
    expect(r.stdout).toMatch(/PASS\s+2\/2 PG-003/);
  }, 120_000);
});
