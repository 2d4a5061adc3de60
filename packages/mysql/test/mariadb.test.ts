// The full suite against a real MariaDB from Debian's packages (the package's test server: TLS
// verified against the testbed CA, ed25519 loaded), with the shipped expectations: the run must
// be conformant and leave neither its database nor its users behind.
import { beforeAll, describe, expect, it } from 'vitest';
import { leftoverNamespaces, testServer } from '@helios-conformance/suite-kit';
import { loadMysql2 } from '@helios-conformance/sql/mysql';
import { fullRun, type FullRun } from './full-run.js';

let full: FullRun;

beforeAll(async () => {
  full = await fullRun();
  const { report, run } = full;
  console.log(`[mysql suite] ${report.results.length} cases against ${report.target.server} in ${Math.round(run.ms)} ms (CLI, process start included): ${JSON.stringify(report.summary)}`);
});

describe('MariaDB 10.11 (testbed, TLS verified, ed25519 plugin loaded)', () => {
  it('is conformant with the shipped expectations', () => {
    const { report, run } = full;
    const bad = report.results.filter((r) => !['pass', 'xfail', 'n/a'].includes(r.status)).map((r) => `${r.id} ${r.status}: ${r.message}`);
    expect(bad).toEqual([]);
    expect(report.conformant).toBe(true);
    expect(run.code, run.stderr).toBe(0);
    expect(report.expectations.unmatched).toEqual([]);
    // Every p0 (Gold) and p1 case passed or was n/a; the only expected failure is a p2 case.
    expect(report.results.filter((r) => r.priority !== 'p2').every((r) => r.status === 'pass' || r.status === 'n/a')).toBe(true);
    // The counts say it as the report states it: every P0 must-pass case passed.
    expect(report.priorities.p0.passed).toBe(report.priorities.p0.required);
    expect(report.priorities.p0.failed).toBe(0);
    expect(report.seedTier).toBe('gold');
  });

  it('observes TLS, verification and the auth plugins instead of assuming them', () => {
    const { report } = full;
    expect(report.capabilities).toEqual(expect.arrayContaining(['tls', 'tls-verified', 'auth:mysql_native_password', 'auth:ed25519', 'local-infile']));
    const byId = new Map(report.results.map((r) => [r.id, r]));
    expect(byId.get('MY-022')?.status).toBe('pass');
    expect(byId.get('MY-023')?.status).toBe('pass');
    expect(byId.get('MY-020')?.status).toBe('pass');
    // caching_sha2_password is MySQL 8's: MariaDB 10.11 does not list it, so the case is n/a, never a silent pass.
    expect(byId.get('MY-019')?.status).toBe('n/a');
    expect(byId.get('MY-036')?.status).toBe('xfail');
  });

  it('reports the autocommit default and never leaks the password', () => {
    const { report, reportText, run } = full;
    expect(report.results.find((r) => r.id === 'MY-003')?.metrics).toHaveProperty('defaultAutocommit');
    const password = testServer('mariadb').password;
    expect(reportText).not.toContain(password);
    expect(run.stdout + run.stderr).not.toContain(password);
  });

  it('drops its namespace and temporary users', async () => {
    const { namespace } = full;
    expect(namespace).toMatch(/^hc_[a-z0-9]+$/);
    const dsn = testServer('mariadb').dsn;
    expect(await leftoverNamespaces(dsn)).not.toContain(namespace);
    const mysql = await loadMysql2();
    const conn = await mysql.createConnection(dsn);
    try {
      const [users] = await conn.query('SELECT User AS n FROM mysql.user WHERE User LIKE ?', [`${namespace?.replaceAll('_', '\\_')}\\_%`]);
      expect(users).toEqual([]);
    } finally {
      await conn.end();
    }
  });

  it('runs within a reasonable wall time', () => {
    expect(full.run.ms).toBeLessThan(60_000);
  });
});
