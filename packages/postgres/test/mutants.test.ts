import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite } from '@helios-conformance/core';
import { startPostgres, type Endpoint } from '@helios-conformance/testbed';
import { postgresSuite } from '../src/index.js';
import { startSqlstateRewriteProxy, type SqlstateRewriteProxy } from './mutants/sqlstate-rewrite-proxy.js';
import { leftoverSchemas } from './helpers.js';

// A case that no broken endpoint can fail proves nothing: each mutant must be caught by name.
describe('mutant endpoints', () => {
  let pg15: Endpoint;
  let proxy: SqlstateRewriteProxy;
  beforeAll(async () => {
    pg15 = await startPostgres({ tls: true });
    proxy = await startSqlstateRewriteProxy({ upstreamHost: pg15.host, upstreamPort: pg15.port, from: '23505', to: '23000' });
  });
  afterAll(async () => {
    await proxy?.stop();
    await pg15?.stop();
  });

  it('a proxy that reports unique violations as 23000 fails PG-005, and only PG-005', async () => {
    const url = new URL(pg15.dsn);
    url.port = String(proxy.port);
    const report = await runSuite(postgresSuite, { dsn: url.toString() });
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    expect(byId['PG-005']?.status).toBe('fail');
    expect(byId['PG-005']?.message).toContain('expected SQLSTATE 23505, got 23000');
    for (const id of ['PG-001', 'PG-002', 'PG-003', 'PG-004', 'PG-006', 'PG-007', 'PG-008']) {
      expect(byId[id]?.status, `${id}: ${byId[id]?.message ?? ''}`).toBe('pass');
    }
    expect(report.conformant).toBe(false);
    expect(proxy.rewrites()).toBeGreaterThan(0);
    expect(await leftoverSchemas(pg15.dsn)).toEqual([]);
  });
});
