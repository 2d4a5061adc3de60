// startPatroniCluster: real Patroni 3 + etcd 3.4 + PostgreSQL 15, driven through topology.json's action
// command lines (/bin/sh -c) as the ha-dr suite drives it. Nobody calls promote here: Patroni elects.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePatroni, shellQuote, startPatroniCluster, type PatroniCluster } from '../src/index.js';

const skip = resolvePatroni() === undefined;
if (skip) console.warn('[patroni-cluster] skipped: patroni, patronictl or etcd not installed (Debian: apt-get install patroni etcd-server etcd-client)');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function action(c: PatroniCluster, name: keyof PatroniCluster['topology']['actions'], arg?: string): Promise<Run> {
  const quoted = arg === undefined ? '' : shellQuote(arg);
  const cmd = c.topology.actions[name].replace('{node}', quoted).replace('{groups}', quoted);
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', cmd], { timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function query<T = Record<string, unknown>>(dsn: string, sql: string, ms = 2000): Promise<T[]> {
  const c = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: ms, query_timeout: ms, statement_timeout: ms });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function inRecovery(dsn: string): Promise<boolean | undefined> {
  try {
    return (await query<{ r: boolean }>(dsn, 'SELECT pg_is_in_recovery() AS r', 800))[0]?.r;
  } catch {
    return undefined;
  }
}

/** Polls `fn` until true; resolves with the elapsed ms, or -1 after `ms`. */
async function until(fn: () => Promise<boolean>, ms: number, stepMs = 100): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    try {
      if (await fn()) return Date.now() - t0;
    } catch {
      // not yet
    }
    if (Date.now() - t0 >= ms) return -1;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A write through the client DSN commits (the router found a primary that replicates). */
async function clientWrite(c: PatroniCluster, tag: string): Promise<boolean> {
  try {
    await query(c.clientDsn, `INSERT INTO t (tag) VALUES ('${tag}')`, 1500);
    return true;
  } catch {
    return false;
  }
}

function processesWith(arg: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(arg);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(skip)('startPatroniCluster: automatic failover and partitions', () => {
  let c: PatroniCluster;
  beforeAll(async () => {
    const t0 = Date.now();
    c = await startPatroniCluster();
    console.log(`[patroni-cluster] 3 members up in ${Date.now() - t0} ms (Patroni bootstrap to leader + 2 running replicas: ${c.bootstrapMs} ms)`);
    await query(c.clientDsn, 'CREATE TABLE t (id serial PRIMARY KEY, tag text)');
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  }, 60_000);

  it('bootstraps one leader and two synchronous replicas; topology.json says failover automatic', async () => {
    const topo = JSON.parse(readFileSync(c.topologyPath, 'utf8')) as PatroniCluster['topology'];
    expect(topo.failover).toBe('automatic');
    expect(topo.replication).toBe('sync');
    expect(Object.keys(topo.actions).sort()).toEqual(['heal', 'kill', 'partition', 'pause', 'promote', 'resume', 'start', 'stop', 'who-is-primary']);
    const who = await action(c, 'who-is-primary');
    expect(who.code).toBe(0);
    const leader = await c.leader();
    expect(who.stdout.trim()).toBe(leader);
    expect(c.routerTarget()).toBe(leader);
    // synchronous_mode with every replica in synchronous_standby_names: a commit waited for both.
    const repl = await query<{ application_name: string; sync_state: string }>(c.nodes.find((n) => n.name === leader)!.dsn, 'SELECT application_name, sync_state FROM pg_stat_replication ORDER BY 1');
    expect(repl.map((r) => r.sync_state)).toEqual(['sync', 'sync']);
    expect(await clientWrite(c, 'boot')).toBe(true);
    for (const n of c.nodes) expect((await query<{ n: string }>(n.dsn, "SELECT count(*) AS n FROM t WHERE tag = 'boot'"))[0]?.n).toBe('1');
  });

  it('kill of the leader (Patroni + postmaster): Patroni elects another member by itself; the old one rejoins with pg_rewind', async () => {
    const old = (await c.leader())!;
    const t0 = Date.now();
    const k = await action(c, 'kill', old);
    expect(k.code, k.stderr).toBe(0);
    // Nobody promotes: the failover is Patroni's own (leader key expiry after ttl, then an election).
    const ms = await until(async () => c.routerTarget() !== undefined && c.routerTarget() !== old && (await clientWrite(c, 'after-kill')), 40_000);
    console.log(`[patroni-cluster] kill ${old} -> new leader ${c.routerTarget()} writable through the client DSN after ${Date.now() - t0} ms`);
    expect(ms).toBeGreaterThanOrEqual(0);
    const t1 = Date.now();
    const s = await action(c, 'start', old);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/rejoined \(sync_standby/);
    console.log(`[patroni-cluster] ${s.stdout.trim()}`);
    // start returns once the node is a sync standby again (pg_rewind, recovery, streaming); its data is checked here.
    const oldDsn = c.nodes.find((n) => n.name === old)!.dsn;
    const rejoinMs = await until(async () => (await inRecovery(oldDsn)) === true && (await query<{ n: string }>(oldDsn, "SELECT count(*) AS n FROM t WHERE tag = 'after-kill'", 800))[0]?.n !== '0', 60_000);
    console.log(`[patroni-cluster] ${old} is a replica with the writes of the new leader ${Date.now() - t1} ms after start`);
    expect(rejoinMs).toBeGreaterThanOrEqual(0);
    expect(c.logs(old)).toMatch(/pg_rewind: Done|rewind/);
  }, 90_000);

  it('partition of the leader from etcd and the others: it demotes itself, the majority elects a leader; heal rejoins it as a replica', async () => {
    const old = (await c.leader())!;
    const rest = c.nodes.map((n) => n.name).filter((n) => n !== old);
    const oldDsn = c.nodes.find((n) => n.name === old)!.dsn;
    const t0 = Date.now();
    const p = await action(c, 'partition', `${old}|${rest.join(',')}`);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(new RegExp(`etcd with ${rest.join(', ')}`));
    let demoteMs = -1;
    let electMs = -1;
    await until(async () => {
      if (demoteMs < 0 && (await inRecovery(oldDsn)) === true) demoteMs = Date.now() - t0;
      const t = c.routerTarget();
      if (electMs < 0 && t && rest.includes(t)) electMs = Date.now() - t0;
      return demoteMs >= 0 && electMs >= 0;
    }, 40_000);
    console.log(`[patroni-cluster] partition ${old}|${rest.join(',')}: old leader read-only after ${demoteMs} ms, new primary ${c.routerTarget()} after ${electMs} ms`);
    expect(demoteMs).toBeGreaterThanOrEqual(0);
    expect(electMs).toBeGreaterThanOrEqual(0);
    expect(await clientWrite(c, 'partitioned')).toBe(true);
    // Exactly one primary while partitioned.
    const who = await action(c, 'who-is-primary');
    expect(who.stdout.trim().split('\n')).toEqual([c.routerTarget()]);
    const h = await action(c, 'heal');
    expect(h.code, h.stderr).toBe(0);
    const rejoinMs = await until(async () => {
      const n = (await query<{ n: string }>(oldDsn, "SELECT count(*) AS n FROM t WHERE tag = 'partitioned'", 800))[0]?.n;
      return n === '1' && (await inRecovery(oldDsn)) === true;
    }, 40_000);
    console.log(`[patroni-cluster] heal: ${old} streams as a replica again after ${rejoinMs} ms`);
    expect(rejoinMs).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('promote NODE is a planned switchover (waits for lag 0)', async () => {
    const leader = (await c.leader())!;
    const target = c.nodes.map((n) => n.name).find((n) => n !== leader)!;
    const r = await action(c, 'promote', target);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/switchover/);
    expect(await inRecovery(c.nodes.find((n) => n.name === target)!.dsn)).toBe(false);
    expect(await c.waitForRouterTarget(target, 5000)).toBe(true);
  }, 90_000);

  it('stop() leaves no Patroni, etcd or PostgreSQL process and no directory', async () => {
    const dir = c.stateDir;
    const before = processesWith(dir);
    expect(before.length).toBeGreaterThan(4);
    const t0 = Date.now();
    await c.stop();
    console.log(`[patroni-cluster] stop in ${Date.now() - t0} ms`);
    expect(processesWith(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);
});
