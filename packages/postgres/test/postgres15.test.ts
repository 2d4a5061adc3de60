import { describe, expect, it } from 'vitest';
import { runSuite, type Report } from '@helios-conformance/core';
import { leftoverNamespaces, testServer, withParams } from '@helios-conformance/suite-kit';
import { postgresSuite } from '../src/index.js';

// The suite against the real thing: the test server's PostgreSQL 15, with TLS verified.
describe('against PostgreSQL 15 (TLS, verify-full)', () => {
  const pg15 = testServer('postgres');
  const dsn = withParams(pg15.dsn, { sslmode: 'verify-full', sslrootcert: pg15.caCertPath ?? '' });

  it('passes every case, is conformant and leaves no hc_ schema behind', async () => {
    const notes: string[] = [];
    const report: Report = await runSuite(postgresSuite, {
      dsn,
      seed: 42,
      onEvent: (e) => {
        if (e.type === 'note') notes.push(e.message);
      },
    });
    const notPassed = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id} ${r.status}: ${r.message ?? ''}`);
    expect(notPassed).toEqual([]);
    expect(report.results.map((r) => r.id)).toEqual(postgresSuite.cases.map((c) => c.id));
    expect(report.conformant).toBe(true);
    expect(report.capabilities).toContain('ssl');
    expect(report.target.server).toMatch(/^PostgreSQL 15\./);
    expect(notes.some((n) => /^run namespace: schema hc_[a-z0-9]{8}$/.test(n))).toBe(true);
    expect(JSON.stringify(report)).not.toContain(pg15.password);
    expect(await leftoverNamespaces(pg15.dsn)).toEqual([]);
  });

  it('drops the namespace also when the run is interrupted (Ctrl-C) mid-way', async () => {
    const ac = new AbortController();
    const report = await runSuite(postgresSuite, {
      dsn,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'case-end' && e.result.id === 'PG-002') ac.abort(new Error('test interrupt'));
      },
    });
    expect(report.interrupted).toBe(true);
    expect(report.results.length).toBeLessThan(postgresSuite.cases.length);
    expect(await leftoverNamespaces(pg15.dsn)).toEqual([]);
  });
});
