// startPgCluster: real PostgreSQL 15 streaming replication on loopback, driven the way the ha-dr suite
// will drive it: through the action command lines of topology.json, run with /bin/sh -c.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { shellQuote, startPgCluster, type PgCluster } from '../src/index.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a topology action as the suite will: placeholders replaced by shell-quoted values, /bin/sh -c. */
function action(c: PgCluster, name: keyof PgCluster['topology']['actions'], arg?: string): Promise<Run> {
  const quoted = arg === undefined ? '' : shellQuote(arg);
  const cmd = (c.topology.actions[name] ?? '').replace('{node}', quoted).replace('{groups}', quoted);
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', cmd], { timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: performance.now() - t0 });
    });
  });
}

async function connect(dsn: string, ms = 3000): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: ms, query_timeout: ms });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function query<T = Record<string, unknown>>(dsn: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = await connect(dsn);
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Retries `fn` until it returns true or the deadline passes (replication is asynchronous). */
async function eventually(fn: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await fn()) return true;
    } catch {
      // not yet
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A live (non-zombie) process. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The postmaster and its children for every running node. */
/** A node's postmaster and its children. */
function nodePids(c: PgCluster, name: string): number[] {
  const pid = c.nodePid(name);
  if (pid === undefined) return [];
  const out = [pid];
  for (const e of readdirProc()) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

function clusterPids(c: PgCluster): number[] {
  return c.nodes.flatMap((n) => nodePids(c, n.name));
}

function readdirProc(): string[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e));
}

const started: PgCluster[] = [];
afterAll(async () => {
  await Promise.all(started.map((c) => c.stop()));
});

describe('startPgCluster async: failover through the CLI and the router', () => {
  it('replicates, fails over to n2 (kill n1, promote n2), routes new connections to n2, and rejoins n1 as a standby', async () => {
    const t0 = performance.now();
    const c = await startPgCluster({ archive: true });
    started.push(c);
    const startMs = performance.now() - t0;
    console.log(`[pg-cluster] async cluster (1 + 2) started in ${startMs.toFixed(0)} ms`);
    expect(startMs).toBeLessThan(20_000);

    // topology.json: exactly the agreed keys, actions naming this node binary and dist/cli.js.
    const topo = JSON.parse(readFileSync(c.topologyPath, 'utf8')) as PgCluster['topology'];
    expect(Object.keys(topo)).toEqual(['name', 'family', 'clientDsn', 'nodes', 'replication', 'actions']);
    expect(topo.name).toBe('testbed: PostgreSQL 15 streaming replication, 1 primary + 2 standbys (async)');
    expect(topo.family).toBe('postgres');
    expect(topo.replication).toBe('async');
    expect(topo.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
    expect(topo.clientDsn).toBe(c.clientDsn);
    // Plus the chaos actions where the machine allows them (libfaketime installed; root for fill-disk's tmpfs).
    const chaos = [
      ...(existsSync('/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1') || existsSync('/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1') ? ['skew-clock'] : []),
      ...(process.getuid?.() === 0 ? ['fill-disk', 'free-disk'] : []),
    ];
    expect(Object.keys(topo.actions).sort()).toEqual(['heal', 'kill', 'partition', 'pause', 'promote', 'resume', 'start', 'stop', 'who-is-primary', ...chaos].sort());
    expect(topo.actions.partition).toMatch(/ partition \{groups\}$/);
    expect(topo.actions.heal).toMatch(/ heal$/);
    expect(topo.actions.kill.startsWith(`${process.execPath} `)).toBe(true);
    expect(topo.actions.kill).toMatch(/dist\/cli\.js cluster --state \S+ kill \{node\}$/);
    expect(statSync(c.statePath).mode & 0o077).toBe(0);

    // A write through the router lands on n1 and reaches both standbys.
    const n = Object.fromEntries(c.nodes.map((x) => [x.name, x]));
    await query(c.clientDsn, 'CREATE TABLE t (id int PRIMARY KEY, port int)');
    await query(c.clientDsn, 'INSERT INTO t VALUES (1, inet_server_port())');
    expect((await query<{ port: number }>(c.clientDsn, 'SELECT port FROM t WHERE id = 1'))[0]?.port).toBe(n.n1!.port);
    for (const s of ['n2', 'n3']) {
      expect(await eventually(async () => (await query(n[s]!.dsn, 'SELECT 1 FROM t WHERE id = 1')).length === 1, 5000)).toBe(true);
      await expect(query(n[s]!.dsn, 'INSERT INTO t VALUES (99, 0)')).rejects.toThrow(/read-only/);
    }
    let who = await action(c, 'who-is-primary');
    expect([who.code, who.stdout]).toEqual([0, 'n1\n']);
    // archive: true: a finished WAL segment lands in <stateDir>/archive.
    const segment = (await query<{ f: string }>(c.clientDsn, 'SELECT pg_walfile_name(pg_switch_wal()) AS f'))[0]!.f;
    expect(await eventually(async () => existsSync(path.join(c.archiveDir!, segment)), 5000)).toBe(true);

    // A session open through the router when n1 dies is gone with it.
    const held = await connect(c.clientDsn);

    const tKill = performance.now();
    const killAt = Date.now();
    const killed = await action(c, 'kill', 'n1');
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stdout).toMatch(/n1 killed/);
    expect(c.nodePid('n1')).toBeUndefined();
    const promoted = await action(c, 'promote', 'n2');
    const tPromoted = performance.now();
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/n2 promoted; standbys re-pointed: n3/);
    who = await action(c, 'who-is-primary');
    expect([who.code, who.stdout]).toEqual([0, 'n2\n']);

    // First acknowledged write through the router after the fault.
    let firstWrite = -1;
    const wrote = await eventually(async () => {
      const rows = await query<{ port: number }>(c.clientDsn, 'INSERT INTO t VALUES (2, inet_server_port()) RETURNING port');
      firstWrite = performance.now();
      return rows[0]?.port === n.n2!.port;
    }, 10_000);
    expect(wrote).toBe(true);
    await expect(held.query('SELECT 1')).rejects.toThrow();
    console.log(
      `[pg-cluster] kill n1: ${killed.ms.toFixed(0)} ms; promote n2: ${promoted.ms.toFixed(0)} ms; kill→promote returned ${(tPromoted - tKill).toFixed(0)} ms; ` +
        `kill→first write through the router ${(firstWrite - tKill).toFixed(0)} ms (promote→write ${(firstWrite - tPromoted).toFixed(0)} ms)`,
    );
    // The router's own view: n1 marked down (detection), then n2 as the target.
    const events = c.routerEvents().filter((e) => e.at >= killAt);
    expect(events.map((e) => e.target)).toEqual([undefined, 'n2']);
    console.log(`[pg-cluster] router: kill→n1 down ${events[0]!.at - killAt} ms, kill→routing to n2 ${events[1]!.at - killAt} ms`);
    expect(c.routerTarget()).toBe('n2');
    // n3 follows n2 (new timeline) and sees the write made on n2.
    expect(await eventually(async () => (await query(n.n3!.dsn, 'SELECT 1 FROM t WHERE id = 2')).length === 1, 10_000)).toBe(true);

    // The old primary rejoins as a standby of n2.
    const rejoined = await action(c, 'start', 'n1');
    expect(rejoined.code, rejoined.stderr).toBe(0);
    expect(rejoined.stdout).toMatch(/^n1 (rewound with pg_rewind|re-created with pg_basebackup|started as a standby).* of n2/);
    console.log(`[pg-cluster] start n1 (rejoin): ${rejoined.ms.toFixed(0)} ms: ${rejoined.stdout.trim()}`);
    expect((await query<{ r: boolean }>(n.n1!.dsn, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
    await query(c.clientDsn, 'INSERT INTO t VALUES (3, inet_server_port())');
    expect(await eventually(async () => (await query(n.n1!.dsn, 'SELECT 1 FROM t WHERE id IN (2, 3)')).length === 2, 10_000)).toBe(true);
    who = await action(c, 'who-is-primary');
    expect([who.code, who.stdout]).toEqual([0, 'n2\n']);
    const lagRun = await execLag(c);
    expect(lagRun.code, lagRun.stderr).toBe(0);
    expect(lagRun.stdout).toMatch(/^n1 state=streaming sync_state=async replay_lag_bytes=\d+ replay_lag_ms=\d+ primary=n2\nn3 state=streaming/);

    // Idempotent heals: start of a running node, kill of a dead one.
    expect((await action(c, 'start', 'n2')).stdout).toMatch(/n2 is already running/);

    // Wrong use: one line on stderr, exit 2, no password.
    const bad = await action(c, 'promote', 'n9');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/unknown node "n9"/);
    const notStandby = await action(c, 'promote', 'n2');
    expect([notStandby.code, notStandby.stderr.trim()]).toEqual([2, 'helios-testbed cluster: promote n2: n2 is not a standby (pg_is_in_recovery() = false)']);
    expect(bad.stderr + notStandby.stderr + rejoined.stdout + promoted.stdout).not.toContain(c.password);

    // Two primaries (the ha-dr suite's split-brain mutant): who-is-primary names both, the router
    // keeps sending new connections to the one it had.
    const second = await action(c, 'promote', 'n3');
    expect(second.code, second.stderr).toBe(0);
    who = await action(c, 'who-is-primary');
    expect([who.code, who.stdout]).toEqual([0, 'n2\nn3\n']);
    await new Promise((r) => setTimeout(r, 500));
    expect(c.routerTarget()).toBe('n2');
    expect((await query<{ port: number }>(c.clientDsn, 'SELECT inet_server_port() AS port'))[0]?.port).toBe(n.n2!.port);

    // stop(): every process gone, directory removed.
    const pids = clusterPids(c);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    const tStop = performance.now();
    await c.stop();
    console.log(`[pg-cluster] stop(): ${(performance.now() - tStop).toFixed(0)} ms`);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(c.stateDir)).toBe(false);
    await held.end().catch(() => undefined);
  });
});

function execLag(c: PgCluster): Promise<Run> {
  const cmd = c.topology.actions['who-is-primary'].replace(/who-is-primary$/, 'lag');
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', cmd], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? -1) : 0, stdout: String(stdout), stderr: String(stderr), ms: performance.now() - t0 });
    });
  });
}

describe('startPgCluster sync: waits for a standby, pause/resume, stop() with stuck commits', () => {
  it('a commit waits while every sync standby is down; pause/resume; stop() still ends quickly', async () => {
    const c = await startPgCluster({ replication: 'sync' });
    started.push(c);
    expect(c.topology.name).toBe('testbed: PostgreSQL 15 streaming replication, 1 primary + 2 standbys (sync)');
    const n = Object.fromEntries(c.nodes.map((x) => [x.name, x]));
    const sync = await query<{ s: string }>(n.n1!.dsn, "SELECT current_setting('synchronous_standby_names') AS s");
    expect(sync[0]?.s).toBe('ANY 1 (n1, n2, n3)');
    await query(c.clientDsn, 'CREATE TABLE t (id int PRIMARY KEY)');
    const states = await query<{ application_name: string; sync_state: string }>(n.n1!.dsn, 'SELECT application_name, sync_state FROM pg_stat_replication ORDER BY 1');
    expect(states).toEqual([
      { application_name: 'n2', sync_state: 'quorum' },
      { application_name: 'n3', sync_state: 'quorum' },
    ]);

    // One late health check is not a dead node (the router's `fall`, 3 like HAProxy's): a pause of
    // 900 ms (checks give up after 500 ms) keeps the sessions it holds to the primary. With a fall of 1
    // the router cut them at the first late check, which a loaded machine (load 15) also produced.
    const kept = await connect(c.clientDsn);
    const n1Pids = nodePids(c, 'n1');
    for (const p of n1Pids) process.kill(p, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 900));
    for (const p of n1Pids) process.kill(p, 'SIGCONT');
    expect((await kept.query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }]);
    expect(c.routerTarget()).toBe('n1');
    await kept.end();

    // Pausing the primary for longer: after three late checks the router closes the sessions it holds to
    // it and refuses new connections at once, who-is-primary exits 1.
    const held = await connect(c.clientDsn);
    const paused = await action(c, 'pause', 'n1');
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(/^n1 paused \(SIGSTOP to \d+ processes\)/);
    expect(await eventually(async () => c.routerTarget() === undefined, 5000)).toBe(true);
    const tHeld = performance.now();
    await expect(held.query('SELECT 1')).rejects.toThrow();
    expect(performance.now() - tHeld).toBeLessThan(1000);
    const tRefused = performance.now();
    await expect(query(c.clientDsn, 'SELECT 1')).rejects.toThrow(/no node answers pg_is_in_recovery\(\) = false/);
    expect(performance.now() - tRefused).toBeLessThan(1000);
    const none = await action(c, 'who-is-primary');
    expect([none.code, none.stdout]).toEqual([1, '']);
    const resumed = await action(c, 'resume', 'n1');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await c.waitForRouterTarget('n1', 3000)).toBe(true);
    await query(c.clientDsn, 'INSERT INTO t VALUES (1)');

    // With every sync standby down, a commit waits (the client gives up; the backend keeps waiting).
    for (const s of ['n2', 'n3']) {
      const r = await action(c, 'stop', s);
      expect([r.code, r.stdout.trim()]).toEqual([0, `${s} stopped (fast shutdown)`]);
    }
    const stuck = await connect(c.clientDsn, 5000);
    const t0 = performance.now();
    const outcome = await Promise.race([
      stuck.query('INSERT INTO t VALUES (2)').then(() => 'committed', () => 'error'),
      new Promise<string>((r) => setTimeout(() => r('waiting'), 1500)),
    ]);
    expect(outcome).toBe('waiting');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1400);
    const waiters = await query<{ n: string }>(n.n1!.dsn, "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
    expect(Number(waiters[0]?.n)).toBe(1);

    const pids = clusterPids(c);
    const tStop = performance.now();
    await c.stop();
    const stopMs = performance.now() - tStop;
    console.log(`[pg-cluster] stop() with a commit stuck in SyncRep: ${stopMs.toFixed(0)} ms`);
    expect(stopMs).toBeLessThan(4000);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(c.stateDir)).toBe(false);
    await stuck.end().catch(() => undefined);
  });
});

describe('startPgCluster: nothing outlives a killed owner', () => {
  it('the reaper stops every node, including one restarted by the CLI, and removes the directory', async () => {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'cluster-owner.mjs');
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const info = await new Promise<{ owner: number; stateDir: string; pids: number[] }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`owner did not report within 90 s\n${err}`)), 90_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (!line) return;
          clearTimeout(timer);
          resolve(JSON.parse(line) as { owner: number; stateDir: string; pids: number[] });
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`owner exited (${code}) before reporting\n${err}`));
        });
      });
      expect(info.pids.length).toBeGreaterThanOrEqual(4);
      expect(info.pids.every(alive)).toBe(true);
      const t0 = Date.now();
      child.kill('SIGKILL');
      const gone = await eventually(async () => info.pids.every((p) => !alive(p)) && !existsSync(info.stateDir), 15_000);
      console.log(`[pg-cluster] owner SIGKILLed: all ${info.pids.length} node processes gone and the directory removed after ${Date.now() - t0} ms`);
      expect(info.pids.filter(alive)).toEqual([]);
      expect(gone).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

describe('helios-testbed up pg-cluster', () => {
  it('prints CLIENT_DSN, NODE_<name>_DSN, STATE_DIR, TOPOLOGY; the cluster command acts on it; Ctrl-C stops everything', async () => {
    const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
    const child = spawn(process.execPath, [cli, 'up', 'pg-cluster', '--sync', '--standbys', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const fields: Record<string, string> = {};
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no output within 60 s\n${err}`)), 60_000);
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          for (const line of out.split('\n')) {
            const eq = line.indexOf('=');
            if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
          }
          if (fields.VERSION) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((code) => reject(new Error(`exited ${code}\n${err}`)));
      });
      expect(Object.keys(fields)).toEqual(['CLIENT_DSN', 'NODE_n1_DSN', 'NODE_n2_DSN', 'STATE_DIR', 'TOPOLOGY', 'VERSION']);
      expect(fields.CLIENT_DSN).toMatch(/^postgres:\/\/hc:[A-Za-z0-9_-]{24}@127\.0\.0\.1:\d+\/hc$/);
      const topo = JSON.parse(readFileSync(fields.TOPOLOGY!, 'utf8')) as PgCluster['topology'];
      expect(topo.name).toBe('testbed: PostgreSQL 15 streaming replication, 1 primary + 1 standby (sync)');
      expect(topo.clientDsn).toBe(fields.CLIENT_DSN);
      expect((await query<{ r: boolean }>(fields.CLIENT_DSN!, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
      const who = await new Promise<string>((resolve) =>
        execFile(process.execPath, [cli, 'cluster', '--state', fields.STATE_DIR!, 'who-is-primary'], { timeout: 20_000 }, (_e, stdout) => resolve(String(stdout))),
      );
      expect(who).toBe('n1\n');
      const pids = readFileSync(path.join(fields.STATE_DIR!, 'n1', 'postmaster.pid'), 'utf8').split('\n')[0];
      child.kill('SIGINT');
      expect(await exited, err).toBe(0);
      expect(alive(Number(pids))).toBe(false);
      expect(existsSync(fields.STATE_DIR!)).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

/** count(*) of the rows of t with id in [from, to] on a node. */
async function countIds(dsn: string, from: number, to: number): Promise<number> {
  return Number((await query<{ n: string }>(dsn, 'SELECT count(*) AS n FROM t WHERE id BETWEEN $1 AND $2', [from, to]))[0]?.n);
}

describe('startPgCluster: network partitions of the replication links', () => {
  it('async: a cut primary keeps acknowledging writes the standbys never get; heal restores streaming; kill + heal + promote loses them', async () => {
    const c = await startPgCluster();
    started.push(c);
    const n = Object.fromEntries(c.nodes.map((x) => [x.name, x]));
    const nodePorts = c.nodes.map((x) => x.port);
    // Every standby streams through a link proxy, never from the peer's own port.
    for (const s of ['n2', 'n3']) {
      const conninfo = (await query<{ primary_conninfo: string }>(n[s]!.dsn, 'SHOW primary_conninfo'))[0]!.primary_conninfo;
      const port = Number(/port=(\d+)/.exec(conninfo)?.[1]);
      expect(port > 0 && !nodePorts.includes(port), conninfo).toBe(true);
    }
    await query(c.clientDsn, 'CREATE TABLE t (id int PRIMARY KEY)');
    await query(c.clientDsn, 'INSERT INTO t VALUES (0)');
    for (const s of ['n2', 'n3']) expect(await eventually(async () => (await countIds(n[s]!.dsn, 0, 0)) === 1, 5000)).toBe(true);
    expect(c.partition()).toBeUndefined();

    // Only n3 cut off: n2 still streams from n1.
    const one = await action(c, 'partition', 'n1,n2');
    expect([one.code, one.stdout, one.stderr]).toEqual([0, 'partitioned: n1, n2 | n3 (4 of 6 replication links cut, 2 sockets reset)\n', '']);
    expect(c.partition()).toEqual([['n1', 'n2'], ['n3']]);
    await query(c.clientDsn, 'INSERT INTO t VALUES (1)');
    expect(await eventually(async () => (await countIds(n.n2!.dsn, 1, 1)) === 1, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await countIds(n.n3!.dsn, 1, 1)).toBe(0);

    // n1 alone (replaces the partition above). The CLI process is gone; the cut stays (the owner holds it).
    const cut = await action(c, 'partition', 'n1|n2,n3');
    expect(cut.code, cut.stderr).toBe(0);
    expect(cut.stdout).toMatch(/^partitioned: n1 \| n2, n3 \(4 of 6 replication links cut, \d+ sockets reset\)\n$/);
    const received = async (s: string) => (await query<{ l: string }>(n[s]!.dsn, 'SELECT pg_last_wal_receive_lsn()::text AS l'))[0]!.l;
    const lsnAtCut = { n2: await received('n2'), n3: await received('n3') };
    // The router (client side) still reaches n1, which acknowledges (async).
    await query(c.clientDsn, 'INSERT INTO t SELECT generate_series(100, 299)');
    expect(await countIds(n.n1!.dsn, 100, 299)).toBe(200);
    // n1's WAL senders die with their connections; the standbys' reconnections are reset.
    expect(await eventually(async () => (await query(n.n1!.dsn, 'SELECT 1 FROM pg_stat_replication')).length === 0, 3000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    for (const s of ['n2', 'n3'] as const) {
      expect(await countIds(n[s]!.dsn, 100, 299)).toBe(0);
      expect(await received(s)).toBe(lsnAtCut[s]);
    }
    expect(c.logs('n2')).toMatch(/could not connect to the primary server|server closed the connection unexpectedly|Connection reset by peer/);

    // heal: both standbys catch up on what n1 wrote meanwhile, and a row written after heal arrives.
    const healed = await action(c, 'heal');
    const tHealed = performance.now();
    expect([healed.code, healed.stdout, healed.stderr]).toEqual([0, 'healed: 4 replication links restored\n', '']);
    expect(c.partition()).toBeUndefined();
    expect(await eventually(async () => (await countIds(n.n2!.dsn, 100, 299)) === 200 && (await countIds(n.n3!.dsn, 0, 299)) === 202, 10_000)).toBe(true);
    const catchUpMs = performance.now() - tHealed;
    await query(c.clientDsn, 'INSERT INTO t VALUES (300)');
    for (const s of ['n2', 'n3']) expect(await eventually(async () => (await countIds(n[s]!.dsn, 300, 300)) === 1, 5000)).toBe(true);
    const again = await action(c, 'heal');
    expect([again.code, again.stdout]).toEqual([0, 'no partition to heal\n']);
    console.log(`[pg-cluster] partition (CLI): ${one.ms.toFixed(0)} ms, ${cut.ms.toFixed(0)} ms; heal (CLI): ${healed.ms.toFixed(0)} ms; heal→200 rows on both standbys ${catchUpMs.toFixed(0)} ms`);

    // Wrong groups: one line, exit 2, nothing changes.
    for (const [groups, message] of [
      ['n1|n9', 'partition n1|n9: unknown node "n9" (nodes: n1, n2, n3)'],
      ['n1|n1,n2', 'node "n1" is named twice'],
      ['', 'no groups given'],
    ] as const) {
      const bad = await action(c, 'partition', groups);
      expect([bad.code, bad.stdout, bad.stderr.trim().split('\n').length], bad.stderr).toEqual([2, '', 1]);
      expect(bad.stderr).toContain(message);
    }
    expect(c.partition()).toBeUndefined();

    // HA-001: cut n1 off, write, kill it, heal, promote n2: every row acknowledged since the cut is lost.
    const cut2 = await action(c, 'partition', 'n1|n2,n3');
    expect(cut2.code, cut2.stderr).toBe(0);
    let acked = 0;
    const writer = await connect(c.clientDsn);
    try {
      // One autocommit INSERT per row: each acknowledged on its own, as the suite's write load does.
      for (let id = 1000; id < 1100; id++) {
        await writer.query('INSERT INTO t VALUES ($1)', [id]);
        acked++;
      }
    } finally {
      await writer.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(await countIds(n.n2!.dsn, 1000, 1099)).toBe(0);
    expect((await action(c, 'kill', 'n1')).code).toBe(0);
    const heal2 = await action(c, 'heal');
    expect(heal2.code, heal2.stderr).toBe(0);
    const promoted = await action(c, 'promote', 'n2');
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/n2 promoted; standbys re-pointed: n3/);
    const lost = acked - (await countIds(n.n2!.dsn, 1000, 1099));
    expect(lost).toBe(100);
    expect(await countIds(n.n2!.dsn, 0, 300)).toBe(203);
    // n3 streams from n2 through its link (restored by heal) and lost the same rows.
    await query(n.n2!.dsn, 'INSERT INTO t VALUES (2000)');
    expect(await eventually(async () => (await countIds(n.n3!.dsn, 2000, 2000)) === 1, 10_000)).toBe(true);
    expect(await countIds(n.n3!.dsn, 1000, 1099)).toBe(0);
    console.log(`[pg-cluster] async, n1 cut off, killed, healed, n2 promoted: ${lost} of ${acked} acknowledged writes lost`);
    await c.stop();
  });

  it('sync: a commit waits while the primary is cut off and completes after heal; stop() while partitioned ends everything', async () => {
    const c = await startPgCluster({ replication: 'sync' });
    started.push(c);
    const n = Object.fromEntries(c.nodes.map((x) => [x.name, x]));
    await query(c.clientDsn, 'CREATE TABLE t (id int PRIMARY KEY)');

    const tRun = performance.now();
    const cut = await c.run('partition', 'n1|n2,n3');
    console.log(`[pg-cluster] partition via run() (in-process, through the control port): ${(performance.now() - tRun).toFixed(1)} ms`);
    expect(cut).toMatch(/^partitioned: n1 \| n2, n3 \(4 of 6 replication links cut, \d+ sockets reset\)$/);
    const client = await connect(c.clientDsn, 15_000);
    const insert = client.query('INSERT INTO t VALUES (1)').then(
      () => 'committed',
      (e: Error) => `error: ${e.message}`,
    );
    const before = await Promise.race([insert, new Promise<string>((r) => setTimeout(() => r('waiting'), 1500))]);
    expect(before).toBe('waiting');
    const waiters = await query<{ n: string }>(n.n1!.dsn, "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
    expect(Number(waiters[0]?.n)).toBe(1);
    expect(await countIds(n.n2!.dsn, 1, 1)).toBe(0);

    const tHeal = performance.now();
    const healed = await action(c, 'heal');
    expect([healed.code, healed.stdout]).toEqual([0, 'healed: 4 replication links restored\n']);
    const after = await Promise.race([insert, new Promise<string>((r) => setTimeout(() => r('still waiting'), 10_000))]);
    const commitMs = performance.now() - tHeal;
    expect(after).toBe('committed');
    expect(await eventually(async () => (await countIds(n.n2!.dsn, 1, 1)) + (await countIds(n.n3!.dsn, 1, 1)) >= 1, 3000)).toBe(true);
    console.log(`[pg-cluster] sync: heal (CLI ${healed.ms.toFixed(0)} ms) → the waiting commit returned after ${commitMs.toFixed(0)} ms`);

    // Cut again with a commit waiting: stop() heals, releases it and ends every process quickly.
    await c.run('partition', 'n1|n2,n3');
    const stuck = client.query('INSERT INTO t VALUES (2)').then(
      () => 'committed',
      () => 'error',
    );
    expect(await Promise.race([stuck, new Promise<string>((r) => setTimeout(() => r('waiting'), 1000))])).toBe('waiting');
    const pids = clusterPids(c);
    const tStop = performance.now();
    await c.stop();
    const stopMs = performance.now() - tStop;
    console.log(`[pg-cluster] stop() while partitioned with a commit waiting: ${stopMs.toFixed(0)} ms`);
    expect(stopMs).toBeLessThan(4000);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(c.stateDir)).toBe(false);
    await client.end().catch(() => undefined);
    // The owner is gone: a partition request now fails with one line (state.json went with the directory).
    const late = await action(c, 'heal');
    expect([late.code, late.stderr.trim().split('\n').length]).toEqual([2, 1]);
  });
});
