// The scripted anomaly matrix against real PostgreSQL 15 and MariaDB 10.11 (testbed), through
// the matrix cases as the runner executes them, and against mutant proxies that quietly
// downgrade the isolation level a client asks for: the promised-level cases must then fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, startPostgres, type Endpoint } from '@helios-conformance/testbed';
import { fromDsn, type IsolationLevel, type SqlEndpoint } from '../src/session/index.js';
import { ANOMALY_IDS, matrixCases, renderMatrixConsole, renderMatrixHtml, runAnomaly, type IsolationSection } from '../src/matrix/index.js';
import { runCases, type CasesRun } from './_matrix-cases.js';
import { startRewriteProxy, type RewriteProxy } from './_matrix-proxy.js';

const BLOCK_MS = 1_000;
const byId = (ids: string[]) => matrixCases.filter((c) => ids.includes(c.id));
const viaProxy = (dsn: string, port: number, tls: string): string => dsn.replace(/:(\d+)\//, `:${port}/`) + `?${tls}`;

async function tablesIn(ep: SqlEndpoint): Promise<string[]> {
  const s = await ep.open();
  try {
    const r = await s.query('SELECT table_name AS n FROM information_schema.tables WHERE table_schema = ?', [ep.namespace]);
    return r.rows.map((x) => String(x.n));
  } finally {
    await s.close();
  }
}

function cell(run: CasesRun, level: IsolationLevel, a: string): { outcome: string; how: string } | undefined {
  return (run.sections.isolation as IsolationSection).matrix[level]?.[a as never];
}

function row(run: CasesRun, level: IsolationLevel): string {
  return ANOMALY_IDS.map((a) => `${a}=${cell(run, level, a)?.outcome}`).join(' ');
}

describe('PostgreSQL 15', () => {
  let server: Endpoint;
  let ep: SqlEndpoint;
  let run: CasesRun;
  let ms = 0;

  beforeAll(async () => {
    server = await startPostgres();
    ep = await fromDsn(server.dsn);
    const t0 = performance.now();
    run = await runCases(matrixCases, ep, BLOCK_MS);
    ms = Math.round(performance.now() - t0);
    console.log(`[matrix] PostgreSQL 15: ${ms} ms\n${renderMatrixConsole(run.sections)}`);
  }, 180_000);
  afterAll(async () => {
    await ep?.close();
    await server?.stop();
  });

  it('observes the matrix Hermitage publishes for PostgreSQL', () => {
    const all = (o: string) => ANOMALY_IDS.map((a) => `${a}=${o}`).join(' ');
    expect(row(run, 'serializable')).toBe(all('prevented'));
    expect(row(run, 'repeatable read')).toBe(
      'G0=prevented G1a=prevented G1b=prevented G1c=prevented OTV=prevented PMP=prevented P4=prevented G-single=prevented G2-item=allowed G2=allowed',
    );
    for (const l of ['read committed', 'read uncommitted'] as const) {
      expect(row(run, l)).toBe('G0=prevented G1a=prevented G1b=prevented G1c=prevented OTV=prevented PMP=allowed P4=allowed G-single=allowed G2-item=allowed G2=allowed');
    }
    // How it was prevented is observed too: row locks at read committed, first-updater-wins at RR, SSI at serializable.
    expect(cell(run, 'read committed', 'G0')?.how).toBe('blocked');
    expect(cell(run, 'repeatable read', 'P4')?.how).toBe('blocked, then aborted (40001)');
    expect(cell(run, 'serializable', 'G2-item')?.how).toBe('aborted (40001)');
    expect(cell(run, 'repeatable read', 'G2-item')?.how).toMatch(/both committed/);
  });

  it('judges each level against its name: RR is weaker than its name (write skew), serializable as promised', () => {
    const status = Object.fromEntries([...run.results].map(([id, r]) => [id, r.status]));
    expect(status).toEqual({ 'AC-001': 'pass', 'AC-002': 'pass', 'AC-003': 'pass', 'AC-004': 'fail', 'AC-005': 'n/a', 'AC-006': 'n/a', 'AC-007': 'pass', 'AC-008': 'pass' });
    expect(run.results.get('AC-004')?.message).toMatch(/weaker than its name \(behaves as snapshot isolation\): allowed G2-item/);
    const levels = (run.sections.isolation as IsolationSection).levels;
    expect(levels['repeatable read']).toMatchObject({ verdict: 'weaker than its name', behavesAs: 'snapshot isolation', p0: [], p1: ['G2-item'] });
    expect(levels.serializable).toMatchObject({ verdict: 'as promised', behavesAs: 'serializable' });
    expect(levels['read committed']).toMatchObject({ verdict: 'as promised', behavesAs: 'monotonic atomic view' });
  });

  it('renders the matrix for the console and HTML', () => {
    const text = renderMatrixConsole(run.sections);
    expect(text).toMatch(/^serializable\s+prevented \(blocked, 40001\)\s+prevented \(no effect\)/m);
    expect(text).toMatch(/^repeatable read .*prevented \(no effect\//m);
    expect(text).toMatch(/^repeatable read .*ALLOWED/m);
    expect(text).toContain('repeatable read  WEAKER THAN ITS NAME; behaves as snapshot isolation');
    const html = renderMatrixHtml(run.sections);
    expect(html).toContain('<th>G2-item</th>');
    expect(html.match(/<tr><th>/g)).toHaveLength(5);
    expect(html).toContain('T2&#8217;s committed insert'.replace('&#8217;', '’'));
    // Everything taken from observations is escaped.
    const evil = renderMatrixHtml({
      isolation: { matrix: { serializable: { G0: { outcome: 'allowed', how: '<script>x</script> & "q"' } } }, levels: {} },
    });
    expect(evil).toContain('&#60;script&#62;x&#60;/script&#62; &#38; &#34;q&#34;');
    expect(evil).not.toContain('<script>');
  });

  it('leaves no table behind (each script drops its own)', async () => {
    expect(await tablesIn(ep)).toEqual([]);
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
    let proxy: RewriteProxy;
    let bad: SqlEndpoint;
    beforeAll(async () => {
      proxy = await startRewriteProxy({
        family: 'postgres',
        upstreamHost: server.host,
        upstreamPort: server.port,
        rewrite: (sql) => sql.replaceAll('ISOLATION LEVEL SERIALIZABLE', 'ISOLATION LEVEL READ COMMITTED'),
      });
      bad = await fromDsn(viaProxy(server.dsn, proxy.port, 'sslmode=disable'));
    }, 60_000);
    afterAll(async () => {
      await bad?.close();
      await proxy?.close();
    });

    it('fails the serializable case naming the anomalies it let through', async () => {
      expect(bad.levels).toContain('serializable');
      const r = await runCases(byId(['AC-007', 'AC-002']), bad, BLOCK_MS);
      expect(proxy.rewrites()).toBeGreaterThan(10);
      expect(r.results.get('AC-002')?.status).toBe('pass');
      const m = r.results.get('AC-007');
      expect(m?.status).toBe('fail');
      for (const a of ['PMP', 'P4', 'G-single', 'G2-item', 'G2']) expect(m?.message).toContain(a);
      expect(m?.message).toMatch(/^"serializable" allowed PMP, P4, G-single, G2-item, G2, which it must prevent/);
      expect((r.sections.isolation as IsolationSection).levels.serializable?.verdict).toBe('broken');
    }, 120_000);
  });
});

describe('MariaDB 10.11', () => {
  let server: Endpoint;
  let ep: SqlEndpoint;
  let run: CasesRun;

  beforeAll(async () => {
    server = await startMariadb();
    ep = await fromDsn(server.dsn);
    const t0 = performance.now();
    run = await runCases(matrixCases, ep, BLOCK_MS);
    console.log(`[matrix] MariaDB 10.11: ${Math.round(performance.now() - t0)} ms\n${renderMatrixConsole(run.sections)}`);
  }, 180_000);
  afterAll(async () => {
    await ep?.close();
    await server?.stop();
  });

  it('observes the matrix Hermitage publishes for MySQL/InnoDB', () => {
    expect(row(run, 'serializable')).toBe(ANOMALY_IDS.map((a) => `${a}=prevented`).join(' '));
    expect(row(run, 'repeatable read')).toBe(
      'G0=prevented G1a=prevented G1b=prevented G1c=prevented OTV=prevented PMP=allowed P4=allowed G-single=allowed G2-item=allowed G2=allowed',
    );
    expect(row(run, 'read committed')).toBe(
      'G0=prevented G1a=prevented G1b=prevented G1c=prevented OTV=prevented PMP=allowed P4=allowed G-single=allowed G2-item=allowed G2=allowed',
    );
    expect(row(run, 'read uncommitted')).toBe(
      'G0=prevented G1a=allowed G1b=allowed G1c=allowed OTV=allowed PMP=allowed P4=allowed G-single=allowed G2-item=allowed G2=allowed',
    );
    // Hermitage's "R/O": InnoDB's RR prevents PMP and G-single for reads, not for write predicates.
    expect(cell(run, 'repeatable read', 'PMP')?.how).toMatch(/^write predicate: /);
    expect(cell(run, 'repeatable read', 'G-single')?.how).toMatch(/^write predicate: /);
    // Locking serializable: blocks, and a deadlock victim where two wait on each other.
    expect(cell(run, 'serializable', 'G1a')?.how).toBe('blocked');
    expect(cell(run, 'serializable', 'G2-item')?.how).toBe('blocked, then aborted (1213)');
  });

  it('judges: RR is weaker than its name (lost update), RU and serializable as promised', () => {
    const status = Object.fromEntries([...run.results].map(([id, r]) => [id, r.status]));
    expect(status).toEqual({ 'AC-001': 'pass', 'AC-002': 'pass', 'AC-003': 'pass', 'AC-004': 'fail', 'AC-005': 'n/a', 'AC-006': 'n/a', 'AC-007': 'pass', 'AC-008': 'pass' });
    expect(run.results.get('AC-004')?.message).toMatch(/behaves as monotonic atomic view\): allowed P4, G-single \(item, write predicate\), G2-item/);
    const levels = (run.sections.isolation as IsolationSection).levels;
    expect(levels['repeatable read']).toMatchObject({ verdict: 'weaker than its name', behavesAs: 'monotonic atomic view' });
    expect(levels['read uncommitted']).toMatchObject({ verdict: 'as promised', behavesAs: 'read uncommitted' });
  });

  it('leaves no table behind', async () => {
    expect(await tablesIn(ep)).toEqual([]);
  });

  describe('mutant: a proxy downgrades SET TRANSACTION (SERIALIZABLE → REPEATABLE READ, READ COMMITTED → READ UNCOMMITTED)', () => {
    let proxy: RewriteProxy;
    let bad: SqlEndpoint;
    beforeAll(async () => {
      proxy = await startRewriteProxy({
        family: 'mysql',
        upstreamHost: server.host,
        upstreamPort: server.port,
        rewrite: (sql) =>
          sql.startsWith('SET TRANSACTION ISOLATION LEVEL ')
            ? sql.replace('SERIALIZABLE', 'REPEATABLE READ').replace('READ COMMITTED', 'READ UNCOMMITTED')
            : sql,
      });
      bad = await fromDsn(viaProxy(server.dsn, proxy.port, 'ssl-mode=DISABLED'));
    }, 60_000);
    afterAll(async () => {
      await bad?.close();
      await proxy?.close();
    });

    it('fails the read-committed, seed and serializable cases', async () => {
      const r = await runCases(byId(['AC-002', 'AC-007', 'AC-008']), bad, BLOCK_MS);
      expect(proxy.rewrites()).toBeGreaterThan(10);
      expect(r.results.get('AC-002')).toMatchObject({ status: 'fail' });
      expect(r.results.get('AC-002')?.message).toMatch(/^"read committed" allowed G1a, G1b, G1c, which it must prevent/);
      expect(r.results.get('AC-007')?.status).toBe('fail');
      expect(r.results.get('AC-007')?.message).toMatch(/allowed PMP, P4, G-single, G2-item, G2/);
      expect(r.results.get('AC-008')?.status).toBe('fail');
      expect(r.results.get('AC-008')?.message).toMatch(/TX2 saw TX1’s uncommitted insert \(read 3=30\)/);
    }, 120_000);
  });
});
