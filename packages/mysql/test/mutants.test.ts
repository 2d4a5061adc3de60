// Broken endpoints: a loopback proxy in front of MariaDB rewrites one thing in the packet
// stream. Each mutant must make its named cases fail while the others still pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExpectations, runSuite, type Expectations, type Report } from '@helios-conformance/core';
import { startMariadb, stopAll, type Endpoint } from '@helios-conformance/testbed';
import { mysqlSuite } from '../src/index.js';
import { MARIADB_EXPECTATIONS } from './helpers.js';
import { corruptDecimalType, dropAffectedRows, rewriteErrno, startMutantProxy, type Rewrite } from './mutants/proxy.js';

let ep: Endpoint;
let expectations: Expectations;

beforeAll(async () => {
  ep = await startMariadb({ tls: true });
  expectations = await loadExpectations(MARIADB_EXPECTATIONS);
});
afterAll(async () => {
  await stopAll();
});

async function runThrough(rewrite: Rewrite): Promise<{ report: Report; rewrites: number }> {
  const proxy = await startMutantProxy({ host: ep.host, port: ep.port }, rewrite);
  try {
    const dsn = `mysql://${ep.user}:${encodeURIComponent(ep.password)}@127.0.0.1:${proxy.port}/${ep.database}?ssl-mode=DISABLED`;
    const report = await runSuite(mysqlSuite, { dsn, expectations, seed: 7 });
    return { report, rewrites: proxy.rewrites() };
  } finally {
    await proxy.close();
  }
}

function check(report: Report, named: string[]): void {
  const failed = report.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.id);
  for (const id of named) {
    const r = report.results.find((x) => x.id === id);
    expect(r?.status, `${id} must fail under this mutant (${r?.message ?? ''})`).toBe('fail');
  }
  const others = report.results.filter((r) => !named.includes(r.id) && !['pass', 'xfail', 'n/a'].includes(r.status));
  expect(others.map((r) => `${r.id} ${r.status}: ${r.message}`), 'cases the mutant does not touch still pass').toEqual([]);
  expect(report.conformant).toBe(false);
  expect(failed.sort()).toEqual([...named].sort());
}

describe('mutant endpoints', () => {
  it('a proxy that only forwards is conformant (the harness itself is sound)', async () => {
    const { report } = await runThrough(() => undefined);
    const bad = report.results.filter((r) => !['pass', 'xfail', 'n/a'].includes(r.status)).map((r) => `${r.id} ${r.status}: ${r.message}`);
    expect(bad).toEqual([]);
    expect(report.conformant).toBe(true);
  });

  it('rewriting error 1062 to 1061 fails the duplicate-key cases', async () => {
    const { report, rewrites } = await runThrough(rewriteErrno);
    expect(rewrites).toBeGreaterThan(0);
    check(report, MUTANT_ERRNO);
  });

  it('describing DECIMAL columns as DOUBLE in the result set header fails the DECIMAL cases', async () => {
    const { report, rewrites } = await runThrough(corruptDecimalType);
    expect(rewrites).toBeGreaterThan(0);
    check(report, MUTANT_DECIMAL);
  });

  it("dropping the OK packet's affected-rows fails the affectedRows cases", async () => {
    const { report, rewrites } = await runThrough(dropAffectedRows);
    expect(rewrites).toBeGreaterThan(0);
    check(report, MUTANT_AFFECTED);
  });
});

const MUTANT_ERRNO = ['MY-005', 'MY-039'];
const MUTANT_DECIMAL = ['MY-026'];
const MUTANT_AFFECTED = ['MY-002', 'MY-004', 'MY-006', 'MY-041', 'MY-042', 'MY-043', 'MY-056'];

describe('a frozen endpoint', () => {
  it('turns into error results at the case deadlines and a finished report, not a stuck run', async () => {
    const proxy = await startMutantProxy({ host: ep.host, port: ep.port }, () => undefined);
    try {
      const dsn = `mysql://${ep.user}:${encodeURIComponent(ep.password)}@127.0.0.1:${proxy.port}/${ep.database}?ssl-mode=DISABLED`;
      const t0 = Date.now();
      const report = await runSuite(mysqlSuite, {
        dsn,
        only: ['MY-001', 'MY-007', 'MY-009'],
        cleanupTimeoutMs: 2_000,
        onEvent: (e) => {
          if (e.type === 'open') proxy.freeze();
        },
      });
      const elapsed = Date.now() - t0;
      const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
      expect(byId['MY-001']?.status).toBe('error');
      expect(byId['MY-001']?.message).toMatch(/timed out after 10000 ms/);
      expect(byId['MY-009']?.status).toBe('error');
      // MY-007 judges the handshake read at open: it needs no round trip and still passes.
      expect(byId['MY-007']?.status).toBe('pass');
      expect(report.conformant).toBe(false);
      expect(elapsed).toBeLessThan(45_000);
    } finally {
      await proxy.close();
    }
    // The run could not drop its database through the frozen proxy: drop it directly.
    const { listLeftoverNamespaces, dropNamespace, fromMysql2 } = await import('@helios-conformance/fixtures');
    const mysql = await import('mysql2/promise');
    const conn = await mysql.createConnection({ host: ep.host, port: ep.port, user: ep.user, password: ep.password });
    try {
      const exec = fromMysql2(conn);
      for (const name of await listLeftoverNamespaces(exec, 'mysql')) await dropNamespace(exec, 'mysql', name);
    } finally {
      await conn.end();
    }
  });
});
