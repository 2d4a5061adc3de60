import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runSuite, type Report, type RunEvent } from '@helios-conformance/core';
import { leftoverNamespaces, startProxy, testServer, type FrameHook, type PgFrame, type Proxy } from '@helios-conformance/suite-kit';
import { postgresSuite } from '../src/index.js';

// Runner liveness against a real PostgreSQL 15 behind the kit's framing proxy: the endpoint "dies"
// (the proxy resets every connection and refuses new ones) at the first query of a chosen case,
// and comes back after a while, or only during the final cleanup, or not at all. The run must name
// the case during which it died, report the following ones "endpoint down since <ID>", run the
// ones after it came back normally, and still drop its schema when it is back. The run works in a
// database of its own, so the leftover check sees only this file's runs.

/** Fast, plain cases that pass on PostgreSQL 15 (catalog order: 049 050 051 052 053 054 056 057 059 062 063 064). */
const CASES = ['PG-049', 'PG-050', 'PG-051', 'PG-052', 'PG-053', 'PG-054', 'PG-056', 'PG-057', 'PG-059', 'PG-062', 'PG-063', 'PG-064'];

describe('runner liveness: the endpoint stops answering during a case', () => {
  const server = testServer('postgres');
  const database = `liveness_${Date.now().toString(36)}`;
  const dsnOf = (db: string): string => {
    const u = new URL(server.dsn);
    u.pathname = `/${db}`;
    u.searchParams.set('sslmode', 'disable');
    return u.toString();
  };
  const query = async (db: string, sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: dsnOf(db) });
    c.on('error', () => undefined);
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };

  let proxy: Proxy;
  /** The case whose first query kills the endpoint, and when (ms after the kill) it comes back; null: never. */
  let plan: { during: string; backAfterMs: number | null } | undefined;
  let armed = false;
  const timers: NodeJS.Timeout[] = [];
  const dieAtFirstQuery: FrameHook<PgFrame> = (frame) => {
    if (!armed || (frame.type !== 'Q' && frame.type !== 'P')) return frame;
    armed = false;
    proxy.kill();
    if (plan?.backAfterMs != null) timers.push(setTimeout(() => proxy.resume(), plan.backAfterMs));
    return null;
  };

  beforeAll(async () => {
    await query(server.database, `CREATE DATABASE ${database}`);
    proxy = await startProxy({ family: 'postgres', upstream: { host: server.host, port: server.port }, client: dieAtFirstQuery });
  });
  afterAll(async () => {
    for (const t of timers) clearTimeout(t);
    await proxy?.stop();
    await query(server.database, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  async function run(during: string, backAfterMs: number | null, o: { cleanupTimeoutMs?: number } = {}): Promise<{ report: Report; notes: string[]; ms: number; namespace: string }> {
    plan = { during, backAfterMs };
    proxy.resume();
    const notes: string[] = [];
    const onEvent = (e: RunEvent): void => {
      if (e.type === 'note') notes.push(e.message);
      if (e.type === 'case-start' && e.id === during) armed = true;
    };
    const t0 = Date.now();
    const report = await runSuite(postgresSuite, { dsn: proxy.dsnVia(dsnOf(database)), only: CASES, seed: 42, onEvent, ...o });
    const namespace = /run namespace: schema (hc_[a-z0-9]{8})/.exec(notes.join('\n'))?.[1] ?? '';
    return { report, notes, ms: Date.now() - t0, namespace };
  }

  it('names the case, reports the next ones down, runs the rest once it answers again, and drops the schema', async () => {
    const { report, notes, ms, namespace } = await run('PG-051', 2_500);
    const statuses = Object.fromEntries(report.results.map((r) => [r.id, r]));
    expect(statuses['PG-049']?.status).toBe('pass');
    expect(statuses['PG-050']?.status).toBe('pass');
    const died = statuses['PG-051'];
    expect(died?.status).toBe('error');
    expect(died?.message).toMatch(/the endpoint stopped answering during this case \(probe: .+\)$/);
    expect(died?.liveness).toMatchObject({ state: 'stopped-answering', since: 'PG-051' });

    const down = report.results.filter((r) => r.liveness?.state === 'down');
    // ~1 s of waiting per case: a 2.5 s outage costs two or three cases, not the rest of the run.
    expect(down.length).toBeGreaterThanOrEqual(1);
    expect(down.length).toBeLessThanOrEqual(4);
    expect(down.map((r) => r.id)).toEqual(CASES.slice(3, 3 + down.length));
    for (const r of down) {
      expect(r.status).toBe('error');
      expect(r.message).toMatch(/^not run: endpoint down since PG-051 \(probe: .+\)$/);
    }
    const after = report.results.slice(3 + down.length);
    expect(after.length).toBeGreaterThanOrEqual(5);
    for (const r of after) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');

    expect(notes.some((m) => m.startsWith('endpoint down since PG-051 (probe: '))).toBe(true);
    expect(notes).toContain(`endpoint answering again after ${down.length} case${down.length === 1 ? '' : 's'} not run (down since PG-051)`);
    expect(notes.filter((m) => m.startsWith('cleanup warning'))).toEqual([]);
    expect(namespace).not.toBe('');
    expect(await leftoverNamespaces(dsnOf(database))).toEqual([]);
    expect(ms).toBeLessThan(30_000);
  });

  it('waits for the endpoint before the final cleanup when it died during the last case', async () => {
    const { report, notes, namespace } = await run('PG-064', 2_500);
    const last = report.results.at(-1);
    expect(last?.id).toBe('PG-064');
    expect(last?.status).toBe('error');
    expect(last?.liveness?.state).toBe('stopped-answering');
    expect(report.results.slice(0, -1).every((r) => r.status === 'pass')).toBe(true);
    expect(notes).toContain('endpoint down since PG-064: waiting up to 10000 ms for it to answer so the run can clean up');
    expect(notes).toContain('endpoint answering again; cleaning up');
    expect(namespace).not.toBe('');
    expect(await leftoverNamespaces(dsnOf(database))).toEqual([]);
  });

  it('an endpoint that stays down: the run ends within its bounds and names the schema it left behind', async () => {
    const { report, notes, ms, namespace } = await run('PG-062', null, { cleanupTimeoutMs: 1_000 });
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    expect(byId['PG-062']?.liveness?.state).toBe('stopped-answering');
    expect(byId['PG-063']?.message).toMatch(/^not run: endpoint down since PG-062/);
    expect(byId['PG-064']?.message).toMatch(/^not run: endpoint down since PG-062/);
    const warning = notes.find((m) => m.startsWith('cleanup warning'));
    expect(warning).toContain(`did not answer within 1000 ms`);
    expect(warning).toMatch(new RegExp(`schema ${namespace} was left behind on the endpoint$`));
    expect(ms).toBeLessThan(20_000);
    // The warning tells the truth: the schema is there, and this test removes it.
    expect(await leftoverNamespaces(dsnOf(database))).toEqual([namespace]);
    await query(database, `DROP SCHEMA ${namespace} CASCADE`);
    expect(await leftoverNamespaces(dsnOf(database))).toEqual([]);
  });
});
