// Broken endpoints: the suite kit's framing proxy in front of the test MariaDB, with a server
// hook that corrupts one thing. Each mutant runs only the cases it must fail plus a control that
// must still pass through it; the same cases all pass through a proxy that only forwards, so a
// failure comes from the mutation, not from the proxy or the plain-TCP session.
import { afterEach, describe, expect, it } from 'vitest';
import { defineSuite, runSuite, type Report } from '@helios-conformance/core';
import { leftoverNamespaces, startProxy, testServer, withParams, type FrameHook, type MyFrame, type Proxy } from '@helios-conformance/suite-kit';
import { loadMysql2 } from '@helios-conformance/sql/mysql';
import { mysqlSuite } from '../src/index.js';
import { corruptDecimalType, dropAffectedRows, rewriteErrno } from './mutants/proxy.js';

interface Mutant {
  name: string;
  hook: FrameHook<MyFrame>;
  /** The cases this mutant must fail. */
  fails: string[];
  /** A case it does not touch: it must pass through the mutant. */
  control: string;
}

const MUTANTS: Mutant[] = [
  { name: 'rewriting error 1062 to 1061', hook: rewriteErrno, fails: ['MY-005', 'MY-039'], control: 'MY-061' },
  { name: 'describing DECIMAL columns as DOUBLE', hook: corruptDecimalType, fails: ['MY-026'], control: 'MY-027' },
  {
    name: "zeroing the OK packet's affected rows",
    hook: dropAffectedRows,
    fails: ['MY-002', 'MY-004', 'MY-006', 'MY-041', 'MY-042', 'MY-043', 'MY-056'],
    control: 'MY-044',
  },
];

let proxy: Proxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

/** The test MariaDB over plain TCP (the proxy reads the packets). */
function plainDsn(): string {
  return withParams(testServer('mariadb').dsn, { 'ssl-mode': 'DISABLED' });
}

async function runThrough(server: FrameHook<MyFrame>, only: string[]): Promise<Report> {
  const { host, port } = testServer('mariadb');
  proxy = await startProxy({ family: 'mysql', upstream: { host, port }, server });
  return runSuite(mysqlSuite, { dsn: proxy.dsnVia(plainDsn()), only, seed: 7 });
}

const statusOf = (report: Report, id: string): string => {
  const r = report.results.find((x) => x.id === id);
  return `${r?.status ?? 'not run'}${r?.message ? `: ${r.message}` : ''}`;
};

describe('mutant endpoints', () => {
  it('a proxy that only forwards passes every case the mutants fail, and their controls (the harness is sound)', async () => {
    const only = [...new Set(MUTANTS.flatMap((m) => [...m.fails, m.control]))];
    const report = await runThrough((frame) => frame, only);
    expect(report.results.map((r) => r.id).sort()).toEqual([...only].sort());
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id} ${r.status}: ${r.message}`)).toEqual([]);
    expect(report.conformant).toBe(true);
  });

  it.each(MUTANTS)('$name fails $fails; $control still passes', async (m) => {
    const report = await runThrough(m.hook, [...m.fails, m.control]);
    expect(proxy?.mutations(), 'the mutant changed nothing').toBeGreaterThan(0);
    for (const id of m.fails) expect(statusOf(report, id), `${id} must fail under this mutant`).toMatch(/^fail: /);
    expect(statusOf(report, m.control), `the control ${m.control}`).toBe('pass');
    expect(report.conformant).toBe(false);
  });
});

describe('a frozen endpoint', () => {
  it('turns into error results at the case deadlines and a finished report, not a stuck run', async () => {
    const dsn = testServer('mariadb').dsn;
    const before = new Set(await leftoverNamespaces(dsn));
    // The cases with short deadlines, so the run waits seconds, not the 10 s each case allows.
    const only = ['MY-001', 'MY-007', 'MY-009'];
    const suite = defineSuite({ ...mysqlSuite, cases: mysqlSuite.cases.filter((c) => only.includes(c.id)).map((c) => ({ ...c, timeoutMs: 2_000 })) });
    const { host, port } = testServer('mariadb');
    proxy = await startProxy({ family: 'mysql', upstream: { host, port } });
    const frozen = proxy;
    const t0 = Date.now();
    const report = await runSuite(suite, {
      dsn: frozen.dsnVia(plainDsn()),
      cleanupTimeoutMs: 1_000,
      onEvent: (e) => {
        if (e.type === 'open') frozen.freeze();
      },
    });
    const elapsed = Date.now() - t0;
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    expect(byId['MY-001']?.status).toBe('error');
    expect(byId['MY-001']?.message).toMatch(/timed out after 2000 ms/);
    // The liveness probe after MY-001's timeout gets no answer either: the endpoint is down since
    // MY-001, and the runner reports the next cases not run instead of waiting out their deadlines.
    expect(byId['MY-001']?.message).toMatch(/the endpoint stopped answering during this case \(probe: no answer within \d+ ms\)$/);
    expect(byId['MY-007']?.status).toBe('error');
    expect(byId['MY-007']?.message).toMatch(/^not run: endpoint down since MY-001/);
    expect(byId['MY-009']?.status).toBe('error');
    expect(byId['MY-009']?.message).toMatch(/^not run: endpoint down since MY-001/);
    expect(report.conformant).toBe(false);
    expect(elapsed).toBeLessThan(30_000);
    await frozen.stop();

    // The run could not drop its database through the frozen proxy: drop it directly.
    const left = (await leftoverNamespaces(dsn)).filter((n) => !before.has(n));
    expect(left).toHaveLength(1);
    const mysql = await loadMysql2();
    const conn = await mysql.createConnection(dsn);
    try {
      for (const name of left) await conn.query(`DROP DATABASE \`${name}\``);
    } finally {
      await conn.end();
    }
  });
});
