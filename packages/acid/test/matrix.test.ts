// The scripted anomaly matrix against PostgreSQL 15, MariaDB 10.11 and MariaDB with
// innodb_snapshot_isolation=ON (the shared test servers). The matrix itself is observed once per
// run by the CLI (helpers' reported()); here it is held to what Hermitage publishes, and mutant
// proxies that quietly downgrade the isolation level a client asks for must fail the promised-level cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlEndpoint, type IsolationLevel, type SqlEndpoint } from '@helios-conformance/sql';
import { startProxy, testServer, type Proxy } from '@helios-conformance/suite-kit';
import { ANOMALY_IDS, renderMatrixConsole, renderMatrixHtml, runAnomaly, type IsolationSection } from '../src/matrix/index.js';
import { downgradeSetTransaction, serializableAsReadCommitted } from './_mutants.js';
import { BLOCK_MS, reported, runOnEndpoint, statuses, type ReportedRun } from './helpers.js';

const MATRIX_IDS = ['AC-001', 'AC-002', 'AC-003', 'AC-004', 'AC-005', 'AC-006', 'AC-007', 'AC-008'];
const AS_HERMITAGE = 'G0=prevented G1a=prevented G1b=prevented G1c=prevented OTV=prevented';
const ALL_ALLOWED_FROM_PMP = 'PMP=allowed P4=allowed G-single=allowed G2-item=allowed G2=allowed';

const isolation = (r: ReportedRun): IsolationSection => r.report.sections.isolation as IsolationSection;
const cell = (r: ReportedRun, level: IsolationLevel, a: string): { outcome: string; how: string } | undefined => isolation(r).matrix[level]?.[a as never];
const row = (r: ReportedRun, level: IsolationLevel): string => ANOMALY_IDS.map((a) => `${a}=${cell(r, level, a)?.outcome}`).join(' ');
const matrixStatuses = (r: ReportedRun): Record<string, string> => Object.fromEntries(Object.entries(statuses(r)).filter(([id]) => MATRIX_IDS.includes(id)));

async function tablesIn(ep: SqlEndpoint): Promise<string[]> {
  const s = await ep.open();
  try {
    const r = await s.query('SELECT table_name AS n FROM information_schema.tables WHERE table_schema = ?', [ep.namespace]);
    return r.rows.map((x) => String(x.n));
  } finally {
    await s.close();
  }
}

describe('PostgreSQL 15', () => {
  let run: ReportedRun;
  let ep: SqlEndpoint;
  beforeAll(async () => {
    run = await reported('postgres');
    console.log(`[matrix] PostgreSQL 15\n${renderMatrixConsole(run.report.sections)}`);
    ep = await openSqlEndpoint(testServer('postgres').dsn);
  }, 400_000);
  afterAll(async () => {
    await ep?.close();
  });

  it('observes the matrix Hermitage publishes for PostgreSQL', () => {
    expect(row(run, 'serializable')).toBe(ANOMALY_IDS.map((a) => `${a}=prevented`).join(' '));
    expect(row(run, 'repeatable read')).toBe(`${AS_HERMITAGE} PMP=prevented P4=prevented G-single=prevented G2-item=allowed G2=allowed`);
    for (const l of ['read committed', 'read uncommitted'] as const) expect(row(run, l)).toBe(`${AS_HERMITAGE} ${ALL_ALLOWED_FROM_PMP}`);
    // How it was prevented is observed too: row locks at read committed, first-updater-wins at RR, SSI at serializable.
    expect(cell(run, 'read committed', 'G0')?.how).toBe('blocked');
    expect(cell(run, 'repeatable read', 'P4')?.how).toBe('blocked, then aborted (40001)');
    expect(cell(run, 'serializable', 'G2-item')?.how).toBe('aborted (40001)');
    expect(cell(run, 'repeatable read', 'G2-item')?.how).toMatch(/both committed/);
  });

  it('judges each level against its name: RR is weaker than its name (write skew), serializable as promised', () => {
    expect(matrixStatuses(run)).toEqual({ 'AC-001': 'pass', 'AC-002': 'pass', 'AC-003': 'pass', 'AC-004': 'xfail', 'AC-005': 'n/a', 'AC-006': 'n/a', 'AC-007': 'pass', 'AC-008': 'pass' });
    expect(run.report.results.find((x) => x.id === 'AC-004')?.message).toMatch(/weaker than its name \(behaves as snapshot isolation\): allowed G2-item/);
    const { levels } = isolation(run);
    expect(levels['repeatable read']).toMatchObject({ verdict: 'weaker than its name', behavesAs: 'snapshot isolation', p0: [], p1: ['G2-item'] });
    expect(levels.serializable).toMatchObject({ verdict: 'as promised', behavesAs: 'serializable' });
    expect(levels['read committed']).toMatchObject({ verdict: 'as promised', behavesAs: 'monotonic atomic view' });
  });

  it('renders the matrix for the console and HTML', () => {
    const text = renderMatrixConsole(run.report.sections);
    expect(text).toMatch(/^serializable {5}prev \d+ +prev \d+/m);
    expect(text).toMatch(/^repeatable read .*WEAKER \d+/m);
    expect(text).toMatch(/^ +\d+\. no effect$/m);
    expect(text.split('\n').filter((l) => l.length > 120)).toEqual([]);
    expect(text).toContain('repeatable read  WEAKER THAN ITS NAME; behaves as snapshot isolation');
    const html = renderMatrixHtml(run.report.sections);
    expect(html).toContain('<th>G2-item<small>');
    expect(html.match(/<tr><th>/g)).toHaveLength(11);
    expect(html).toMatch(/data-kind="weaker"[^>]*>ALLOWED, weaker than its name/);
    expect(html).toContain('T2’s committed insert');
    // Everything taken from observations is escaped.
    const evil = renderMatrixHtml({ isolation: { matrix: { serializable: { G0: { outcome: 'allowed', how: '<script>x</script> & "q"' } } }, levels: {} } });
    expect(evil).toContain('&#60;script&#62;x&#60;/script&#62; &#38; &#34;q&#34;');
    expect(evil).not.toContain('<script>');
  });

  it('an abort while a statement is blocked ends the script at once, closing its sessions and table', async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    const p = runAnomaly(ep, 'read committed', 'P4', { blockAfterMs: 5_000, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('case deadline')), 400);
    await expect(p).rejects.toThrow(/deadline|aborted/);
    expect(performance.now() - t0).toBeLessThan(4_000);
    expect(await tablesIn(ep)).toEqual([]);
    const s = await ep.open();
    try {
      const r = await s.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'helios-conformance' AND pid <> pg_backend_pid()");
      expect(Number(r.rows[0]?.n)).toBe(0);
    } finally {
      await s.close();
    }
  });

  describe('mutant: a proxy rewrites ISOLATION LEVEL SERIALIZABLE to READ COMMITTED', () => {
    let proxy: Proxy;
    let bad: SqlEndpoint;
    beforeAll(async () => {
      const server = testServer('postgres');
      proxy = await startProxy({ family: 'postgres', upstream: server, client: serializableAsReadCommitted });
      bad = await openSqlEndpoint(proxy.dsnVia(server.dsn));
    }, 60_000);
    afterAll(async () => {
      await bad?.close();
      await proxy?.stop();
    });

    it('fails the serializable case naming the anomalies it let through; read committed (the control) still passes', async () => {
      expect(bad.levels).toContain('serializable');
      const r = await runOnEndpoint(['AC-002', 'AC-007'], bad, BLOCK_MS);
      expect(proxy.mutations()).toBeGreaterThan(10);
      expect(r.results.get('AC-002')?.status).toBe('pass');
      const m = r.results.get('AC-007');
      expect(m?.status).toBe('fail');
      expect(m?.message).toMatch(/^"serializable" allowed PMP, P4, G-single, G2-item, G2, which it must prevent/);
      expect((r.sections.isolation as IsolationSection).levels.serializable?.verdict).toBe('broken');
      // Each script drops its own table.
      expect(await tablesIn(bad)).toEqual([]);
    }, 120_000);
  });
});

describe('MariaDB 10.11', () => {
  let run: ReportedRun;
  beforeAll(async () => {
    run = await reported('mariadb');
    console.log(`[matrix] MariaDB 10.11\n${renderMatrixConsole(run.report.sections)}`);
  }, 400_000);

  it('observes the matrix Hermitage publishes for MySQL/InnoDB', () => {
    expect(row(run, 'serializable')).toBe(ANOMALY_IDS.map((a) => `${a}=prevented`).join(' '));
    expect(row(run, 'repeatable read')).toBe(`${AS_HERMITAGE} ${ALL_ALLOWED_FROM_PMP}`);
    expect(row(run, 'read committed')).toBe(`${AS_HERMITAGE} ${ALL_ALLOWED_FROM_PMP}`);
    expect(row(run, 'read uncommitted')).toBe(`G0=prevented ${ANOMALY_IDS.slice(1).map((a) => `${a}=allowed`).join(' ')}`);
    // Hermitage's "R/O": InnoDB's RR prevents PMP and G-single for reads, not for write predicates.
    expect(cell(run, 'repeatable read', 'PMP')?.how).toMatch(/^write predicate: /);
    expect(cell(run, 'repeatable read', 'G-single')?.how).toMatch(/^write predicate: /);
    // Locking serializable: blocks, and a deadlock victim where two wait on each other.
    expect(cell(run, 'serializable', 'G1a')?.how).toBe('blocked');
    expect(cell(run, 'serializable', 'G2-item')?.how).toBe('blocked, then aborted (1213)');
  });

  it('judges: RR is weaker than its name (lost update), RU and serializable as promised', () => {
    expect(matrixStatuses(run)).toEqual({ 'AC-001': 'pass', 'AC-002': 'pass', 'AC-003': 'pass', 'AC-004': 'xfail', 'AC-005': 'n/a', 'AC-006': 'n/a', 'AC-007': 'pass', 'AC-008': 'pass' });
    expect(run.report.results.find((x) => x.id === 'AC-004')?.message).toMatch(/behaves as monotonic atomic view\): allowed P4, G-single \(item, write predicate\), G2-item/);
    const { levels } = isolation(run);
    expect(levels['repeatable read']).toMatchObject({ verdict: 'weaker than its name', behavesAs: 'monotonic atomic view' });
    expect(levels['read uncommitted']).toMatchObject({ verdict: 'as promised', behavesAs: 'read uncommitted' });
  });

  describe('mutant: a proxy downgrades SET TRANSACTION (SERIALIZABLE → REPEATABLE READ, READ COMMITTED → READ UNCOMMITTED)', () => {
    let proxy: Proxy;
    let bad: SqlEndpoint;
    beforeAll(async () => {
      const server = testServer('mariadb');
      proxy = await startProxy({ family: 'mysql', upstream: server, client: downgradeSetTransaction });
      bad = await openSqlEndpoint(proxy.dsnVia(server.dsn));
    }, 60_000);
    afterAll(async () => {
      await bad?.close();
      await proxy?.stop();
    });

    it('fails the read-committed, seed and serializable cases', async () => {
      const r = await runOnEndpoint(['AC-002', 'AC-007', 'AC-008'], bad, BLOCK_MS);
      expect(proxy.mutations()).toBeGreaterThan(10);
      expect(r.results.get('AC-002')).toMatchObject({ status: 'fail' });
      expect(r.results.get('AC-002')?.message).toMatch(/^"read committed" allowed G1a, G1b, G1c, which it must prevent/);
      expect(r.results.get('AC-007')?.status).toBe('fail');
      expect(r.results.get('AC-007')?.message).toMatch(/allowed PMP, P4, G-single, G2-item, G2/);
      expect(r.results.get('AC-008')?.status).toBe('fail');
      expect(r.results.get('AC-008')?.message).toMatch(/TX2 saw TX1’s uncommitted insert \(read 3=30\)/);
      expect(await tablesIn(bad)).toEqual([]);
    }, 120_000);
  });
});

describe('MariaDB 10.11 with innodb_snapshot_isolation=ON', () => {
  let run: ReportedRun;
  beforeAll(async () => {
    run = await reported('mariadbSnapshot');
    console.log(`[matrix] MariaDB 10.11, innodb_snapshot_isolation=ON\n${renderMatrixConsole(run.report.sections)}`);
  }, 400_000);

  it('carries out every script: a write conflict (1020) is a concurrency abort, so no cell is inconclusive', () => {
    const { matrix } = isolation(run);
    const inconclusive = Object.entries(matrix).flatMap(([l, r]) => Object.entries(r ?? {}).filter(([, c]) => c?.outcome === 'inconclusive').map(([a, c]) => `${l} × ${a}: ${c?.how}`));
    expect(inconclusive).toEqual([]);
    expect(Object.keys(matrix)).toEqual(['read uncommitted', 'read committed', 'repeatable read', 'serializable']);
    for (const r of Object.values(matrix)) expect(Object.keys(r ?? {})).toEqual(ANOMALY_IDS);
  });

  it('observes snapshot isolation at repeatable read: lost update and read skew aborted with 1020, write skew allowed', () => {
    expect(row(run, 'repeatable read')).toBe(`${AS_HERMITAGE} PMP=prevented P4=prevented G-single=prevented G2-item=allowed G2=allowed`);
    expect(cell(run, 'repeatable read', 'P4')?.how).toMatch(/aborted \(1020\)/);
    expect(row(run, 'serializable')).toBe(ANOMALY_IDS.map((a) => `${a}=prevented`).join(' '));
    // Locking reads at serializable meet the snapshot check too: aborted with 1020 instead of an error.
    expect(cell(run, 'serializable', 'G0')?.how).toMatch(/1020/);
    // The levels below repeatable read do not take a snapshot: the same as without the option.
    expect(row(run, 'read committed')).toBe(`${AS_HERMITAGE} ${ALL_ALLOWED_FROM_PMP}`);
    expect(row(run, 'read uncommitted')).toBe(`G0=prevented ${ANOMALY_IDS.slice(1).map((a) => `${a}=allowed`).join(' ')}`);
  });

  it('judges: RR is weaker than its name only by write skew (behaves as snapshot isolation), serializable as promised', () => {
    expect(matrixStatuses(run)).toEqual({ 'AC-001': 'pass', 'AC-002': 'pass', 'AC-003': 'pass', 'AC-004': 'fail', 'AC-005': 'n/a', 'AC-006': 'n/a', 'AC-007': 'pass', 'AC-008': 'pass' });
    const { levels } = isolation(run);
    expect(levels['repeatable read']).toMatchObject({ verdict: 'weaker than its name', behavesAs: 'snapshot isolation', p1: ['G2-item'], inconclusive: [] });
    expect(levels.serializable).toMatchObject({ verdict: 'as promised', behavesAs: 'serializable', inconclusive: [] });
  });
});
