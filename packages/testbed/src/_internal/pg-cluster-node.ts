/**
 * The node operations of a PostgreSQL streaming-replication cluster (see ../pg-cluster.ts), shared
 * by the process that owns the cluster and by `helios-testbed cluster --state DIR <action>`, which
 * runs as a separate process: everything an action needs is in DIR/state.json, and a node is
 * identified by its data directory (the postmaster's working directory), never by a remembered PID.
 */
import { spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isServerError, pgConnect, type PgClientSession } from './pg-client.js';
import { linkKey } from './pg-links.js';
import { skewEnv } from './pg-skew.js';
import { cleanEnv, readStat, runCommand, signalProcess, sleep, tail } from './proc.js';
import { errorMessage } from './util.js';

/** Replication mode of a cluster. */
export type ReplicationMode = 'async' | 'sync';

/** One node as state.json records it. */
export interface NodeState {
  name: string;
  port: number;
  dataDir: string;
  logFile: string;
}

/** DIR/state.json: what any process needs to act on the cluster (mode 0600, holds the password). */
export interface ClusterState {
  version: 1;
  dir: string;
  binDir: string;
  user: string;
  password: string;
  database: string;
  /** The OS user the servers run as when the owner is root. */
  owner?: { uid: number; gid: number; home: string };
  replication: ReplicationMode;
  /** libpq password file holding the cluster password, used by standbys, pg_basebackup and pg_rewind. */
  passfile: string;
  archiveDir?: string;
  routerPort: number;
  nodes: NodeState[];
  /** Port of the owner's link proxy per `standby>upstream` pair (see pg-links.ts): every replication connection goes through one. */
  links: Record<string, number>;
  /** The owner's control port for partition/heal, and the token a request must carry. */
  control?: { port: number; token: string };
  /** pgBackRest setup when started with `backup: 'pgbackrest'` (see ../pgbackrest.ts). */
  backup?: import('../pgbackrest.js').BackupState;
}

export const STATE_FILE = 'state.json';

/** Reads DIR/state.json; throws one clear line when it is missing or unreadable. */
export function readState(dir: string): ClusterState {
  const file = path.join(dir, STATE_FILE);
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`no cluster state at ${file} (is the cluster still running? startPgCluster writes it)`);
    throw new Error(`cannot read ${file}: ${errorMessage(err)}`);
  }
  let st: ClusterState;
  try {
    st = JSON.parse(raw) as ClusterState;
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  if (st.version !== 1 || !Array.isArray(st.nodes)) throw new Error(`${file} is not a helios-testbed cluster state (version 1)`);
  return st;
}

/** Writes state.json atomically, readable by its owner only. */
export function writeState(st: ClusterState): void {
  const file = path.join(st.dir, STATE_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(st, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function findNode(st: ClusterState, name: string): NodeState {
  const node = st.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`unknown node "${name}" (nodes: ${st.nodes.map((n) => n.name).join(', ')})`);
  return node;
}

function ids(st: ClusterState): { uid?: number; gid?: number } {
  return st.owner ? { uid: st.owner.uid, gid: st.owner.gid } : {};
}

function env(st: ClusterState, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ ...(st.owner ? { HOME: st.owner.home, USER: 'postgres', LOGNAME: 'postgres' } : {}), PGPASSFILE: st.passfile, ...extra });
}

/** libpq conninfo quoting. */
function connValue(v: string | number): string {
  return `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** postgresql.conf string quoting. */
export function quoteConf(value: string | number | boolean): string {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The port of the owner's proxy for the replication link from `standby` to `upstream` (never the peer itself: a partition cuts it). */
export function linkPort(st: ClusterState, standby: string, upstream: NodeState): number {
  const port = st.links?.[linkKey(standby, upstream.name)];
  if (!port) throw new Error(`state.json has no replication link ${linkKey(standby, upstream.name)}`);
  return port;
}

/**
 * The conninfo a standby named `standby` uses to stream from `primary`: through the link proxy of
 * the pair (so a partition cuts it), password from the passfile, never inline.
 */
export function primaryConninfo(st: ClusterState, primary: NodeState, standby: string): string {
  return [
    `host=127.0.0.1`,
    `port=${linkPort(st, standby, primary)}`,
    `user=${connValue(st.user)}`,
    `passfile=${connValue(st.passfile)}`,
    `application_name=${connValue(standby)}`,
    'connect_timeout=2',
  ].join(' ');
}

/**
 * Makes a stopped node's data directory a standby of `primary`: standby.signal plus primary_conninfo
 * in postgresql.auto.conf (replacing any earlier one; the file is what ALTER SYSTEM writes, read last).
 */
export function configureStandby(st: ClusterState, node: NodeState, primary: NodeState): void {
  const auto = path.join(node.dataDir, 'postgresql.auto.conf');
  const lines = existsSync(auto) ? readFileSync(auto, 'utf8').split('\n').filter((l) => l.trim() !== '' && !/^\s*primary_conninfo\s*=/.test(l)) : [];
  lines.push(`primary_conninfo = ${quoteConf(primaryConninfo(st, primary, node.name))}`);
  writeOwned(st, auto, lines.join('\n') + '\n', 0o600);
  writeOwned(st, path.join(node.dataDir, 'standby.signal'), '', 0o600);
}

function writeOwned(st: ClusterState, file: string, text: string, mode: number): void {
  writeFileSync(file, text, { mode });
  chownIfOwner(st, file);
}

/** As root, files the servers read or write belong to their OS user. */
export function chownIfOwner(st: ClusterState, file: string): void {
  if (st.owner) chownSync(file, st.owner.uid, st.owner.gid);
}

/** Live (non-zombie) process: its /proc stat, or undefined. */
function live(pid: number): ReturnType<typeof readStat> {
  const s = readStat(pid);
  return s && s.state !== 'Z' && s.state !== 'X' ? s : undefined;
}

/**
 * The PID of the postmaster serving `node`, or undefined when the node is down. Read from
 * postmaster.pid and confirmed by the process's working directory (the postmaster chdirs into
 * its data directory), so a stale file with a reused PID never names someone else's process.
 */
export function postmasterPid(node: NodeState): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(node.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!(pid > 0) || !live(pid)) return undefined;
  try {
    if (readlinkSync(`/proc/${pid}/cwd`) !== realpathSync(node.dataDir)) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

/** Live children of `pid` (the postmaster's backends and auxiliary processes each lead their own session). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = readStat(Number(e));
    if (s && s.ppid === pid && s.state !== 'Z' && s.state !== 'X') out.push(s.pid);
  }
  return out;
}

async function waitGone(pids: number[], deadline: number): Promise<boolean> {
  for (;;) {
    if (pids.every((p) => !live(p))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
}

/** Opens an admin session to a node (database `postgres`), with a deadline for connect and each query. */
export function nodeSession(st: ClusterState, node: NodeState, timeoutMs: number): Promise<PgClientSession> {
  return pgConnect({ host: '127.0.0.1', port: node.port, user: st.user, password: st.password, database: 'postgres', timeoutMs });
}

/** `SELECT pg_is_in_recovery()` on a node: true/false, or undefined when it does not answer in time. */
export async function inRecovery(st: ClusterState, node: NodeState, timeoutMs = 1000): Promise<boolean | undefined> {
  let s: PgClientSession | undefined;
  try {
    s = await withDeadline(nodeSession(st, node, timeoutMs), timeoutMs, () => undefined);
    if (!s) return undefined;
    const r = await withDeadline(s.query('SELECT pg_is_in_recovery()'), timeoutMs, () => undefined);
    return r ? r[0]?.[0] === 't' || r[0]?.[0] === 'true' : undefined;
  } catch {
    return undefined;
  } finally {
    s?.close();
  }
}

/** Resolves `p`, or `onTimeout()` after `ms` (the promise keeps running; callers close what it opens). */
export function withDeadline<T, U>(p: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** The nodes answering pg_is_in_recovery() = false right now (checked in parallel). */
export async function whoIsPrimary(st: ClusterState, timeoutMs = 1000): Promise<string[]> {
  const r = await Promise.all(st.nodes.map(async (n) => ((await inRecovery(st, n, timeoutMs)) === false ? n.name : undefined)));
  return r.filter((x): x is string => x !== undefined);
}

const RETRYABLE = new Set(['57P03', '08006', '08001', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** waitReady reached a server on the node's port that is not the node (its postmaster could not bind). */
class PortServedElsewhere extends Error {}

/**
 * Polls until the node accepts a login and runs a query (a hot standby does once consistent), on
 * a server whose data directory is the node's.
 */
export async function waitReady(st: ClusterState, node: NodeState, deadline: number, exited: () => boolean): Promise<void> {
  let last = 'no attempt yet';
  for (;;) {
    if (exited()) throw new Error(`${node.name} exited during startup; last log lines:\n${tail(readLog(node), 1500)}`);
    try {
      const s = await nodeSession(st, node, Math.max(300, Math.min(2000, deadline - Date.now())));
      let served: string | undefined;
      try {
        // The port may be served by another postmaster of this cluster (a sibling started on the
        // same port, same credentials): only this node's own data directory counts as ready.
        served = String((await s.query('SHOW data_directory'))[0]?.[0] ?? '');
      } finally {
        s.close();
      }
      if (path.resolve(served) === path.resolve(node.dataDir)) return;
      // This postmaster could not bind: let it exit (it holds the data directory's lock) before the caller retries.
      const until = Date.now() + 5_000;
      while (!exited() && Date.now() < until) await sleep(50);
      throw new PortServedElsewhere(`${node.name}: port ${node.port} is served by another server (data directory ${served}); could not bind`);
    } catch (err) {
      if (err instanceof PortServedElsewhere) throw err;
      const code = (err as NodeJS.ErrnoException).code ?? '';
      last = `${code ? code + ' ' : ''}${errorMessage(err)}`;
      if (isServerError(err) && !RETRYABLE.has(code)) throw new Error(`${node.name}: login failed: ${last}`);
    }
    if (Date.now() >= deadline) throw new Error(`${node.name} did not accept logins in time (last attempt: ${last})`);
    await sleep(50);
  }
}

export function readLog(node: NodeState): string {
  try {
    return readFileSync(node.logFile, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Starts the postmaster of a node, detached (its own process group, output appended to the node's
 * log file) so that it outlives the process that started it (the CLI); resolves with its PID once it
 * accepts logins.
 */
export async function spawnNode(st: ClusterState, node: NodeState, timeoutMs: number): Promise<number> {
  const fd = openSync(node.logFile, 'a', 0o600);
  chownIfOwner(st, node.logFile);
  let exited = false;
  let pid: number | undefined;
  try {
    const child = spawn(
      path.join(st.binDir, 'postgres'),
      ['-D', node.dataDir, '-p', String(node.port), '-k', st.dir, '-c', 'listen_addresses=127.0.0.1', '-c', `cluster_name=${node.name}`],
      // A node with a clock skew (skew-clock) runs under libfaketime, whoever starts it.
      { cwd: st.dir, env: env(st, skewEnv(st, node)), ...ids(st), detached: true, stdio: ['ignore', fd, fd] },
    );
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  if (pid === undefined) throw new Error(`${node.name}: could not spawn postgres`);
  await waitReady(st, node, Date.now() + timeoutMs, () => exited);
  return pid;
}

/** SIGKILL of the postmaster and every child, as a crash of the node; resolves once all are gone. */
export async function killNode(node: NodeState, timeoutMs: number): Promise<'killed' | 'not running'> {
  const pid = postmasterPid(node);
  if (pid === undefined) return 'not running';
  // Freeze the postmaster first: it cannot fork while its children are collected.
  signalProcess(pid, 'SIGSTOP');
  const pids = [pid, ...childrenOf(pid)];
  for (const p of pids) signalProcess(p, 'SIGKILL');
  if (!(await waitGone(pids, Date.now() + timeoutMs))) throw new Error(`${node.name}: processes ${pids.filter((p) => live(p)).join(' ')} still alive after SIGKILL`);
  return 'killed';
}

/** Fast shutdown (SIGINT; a paused node is resumed so it can act on it); resolves once the postmaster is gone. */
export async function stopNode(node: NodeState, timeoutMs: number): Promise<'stopped' | 'not running'> {
  const pid = postmasterPid(node);
  if (pid === undefined) return 'not running';
  signalProcess(pid, 'SIGINT');
  resumeNode(node);
  const deadline = Date.now() + timeoutMs;
  if (!(await waitGone([pid], deadline))) throw new Error(`${node.name}: still running ${timeoutMs} ms after a fast shutdown request`);
  // Backends leave right after the postmaster; wait for them too so the port and shared memory are free.
  await waitGone(childrenOf(pid), deadline);
  return 'stopped';
}

/** SIGSTOP of the postmaster, then of each of its children (a frozen, unresponsive node). */
export function pauseNode(node: NodeState): number[] {
  const pid = postmasterPid(node);
  if (pid === undefined) throw new Error(`${node.name} is not running`);
  signalProcess(pid, 'SIGSTOP');
  const pids = [pid, ...childrenOf(pid)];
  for (const p of pids.slice(1)) signalProcess(p, 'SIGSTOP');
  return pids;
}

/** SIGCONT of the postmaster and its children (harmless on a node that is not paused). */
export function resumeNode(node: NodeState): number[] {
  const pid = postmasterPid(node);
  if (pid === undefined) return [];
  const pids = [pid, ...childrenOf(pid)];
  for (const p of pids) signalProcess(p, 'SIGCONT');
  return pids;
}

/** Runs one of the cluster's PostgreSQL programs as the servers' OS user. */
export function runPg(st: ClusterState, program: string, args: string[], timeoutMs: number): ReturnType<typeof runCommand> {
  return runCommand(path.join(st.binDir, program), args, { cwd: st.dir, env: env(st), ...ids(st), timeoutMs });
}

/** Copies a fresh standby of `primary` into `node`'s (absent or emptied) data directory, through their link (fails across a partition). */
export async function baseBackup(st: ClusterState, node: NodeState, primary: NodeState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // On a starved machine the backup's WAL stream missed the primary's short wal_sender_timeout
  // ("terminating walsender process due to replication timeout", three attempts in a row at a load
  // of 8 on 2 cores). The setting is per connection (context user): the backup's own walsenders get
  // 60 s, streaming replication keeps the cluster's 2 s. A fresh attempt still covers other drops.
  for (let attempt = 1; ; attempt++) {
    rmSync(node.dataDir, { recursive: true, force: true });
    const r = await runPg(
      st,
      'pg_basebackup',
      ['-h', '127.0.0.1', '-p', String(linkPort(st, node.name, primary)), '-U', st.user, '-D', node.dataDir, '-X', 'stream', '-c', 'fast', '--no-sync', '-w', `--label=helios-testbed ${node.name}`, '-d', 'options=-cwal_sender_timeout=60s'],
      Math.max(1_000, deadline - Date.now()),
    );
    if (r.code === 0) break;
    if (attempt >= 3 || Date.now() > deadline - 2_000 || !/replication timeout|terminated unexpectedly|server closed the connection/.test(r.output)) {
      throw new Error(`${node.name}: pg_basebackup from ${primary.name} failed${attempt > 1 ? ` (attempt ${attempt})` : ''}: ${tail(r.output, 800).trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
  configureStandby(st, node, primary);
}

/**
 * Starts a node again. With another node primary, a node that is not already a standby (the old
 * primary) is first rewound onto the primary's timeline with pg_rewind (falling back to a fresh
 * pg_basebackup when pg_rewind cannot), then started as its standby; a standby is pointed at the
 * current primary. With no primary anywhere the node starts as it was (a crashed primary recovers
 * and stays primary). Returns what was done, for the CLI's output.
 */
export async function startNode(st: ClusterState, node: NodeState, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const running = postmasterPid(node);
  if (running !== undefined) return `${node.name} is already running (pid ${running})`;
  const others = st.nodes.filter((n) => n !== node);
  const primaries = (await Promise.all(others.map(async (n) => ((await inRecovery(st, n, 1000)) === false ? n : undefined)))).filter(
    (n): n is NodeState => n !== undefined,
  );
  const primary = primaries[0];
  let how = 'started';
  if (primary) {
    const isStandby = existsSync(path.join(node.dataDir, 'standby.signal'));
    if (!isStandby) {
      // pg_rewind reads the source's timeline from its pg_control, which a recent promotion has not
      // updated until the next checkpoint (PostgreSQL documents this for pg_rewind before 16).
      const p = await nodeSession(st, primary, 5000);
      try {
        await p.query('CHECKPOINT');
      } finally {
        p.close();
      }
      const r = await runPg(
        st,
        'pg_rewind',
        // Through the link: a node cut off from the primary cannot rejoin it.
        ['-D', node.dataDir, `--source-server=host=127.0.0.1 port=${linkPort(st, node.name, primary)} user=${connValue(st.user)} passfile=${connValue(st.passfile)} dbname=postgres`, '--no-sync'],
        Math.max(1000, deadline - Date.now() - 5000),
      );
      if (r.code === 0) {
        how = /no rewind required/i.test(r.output) ? `started as a standby of ${primary.name} (no rewind required)` : `rewound with pg_rewind and started as a standby of ${primary.name}`;
      } else {
        await baseBackup(st, node, primary, Math.max(1000, deadline - Date.now() - 3000));
        how = `re-created with pg_basebackup from ${primary.name} (pg_rewind failed: ${tail(r.output, 200).trim().split('\n').pop()}) and started as its standby`;
      }
    } else {
      how = `started as a standby of ${primary.name}`;
    }
    configureStandby(st, node, primary);
  }
  // A crash leaves postmaster.pid behind; postgres removes a stale one itself, unless its PID still
  // exists: a killed postmaster another process started (the CLI) is a zombie until init reaps it.
  await waitZombieReaped(node, Math.min(3000, Math.max(0, deadline - Date.now())));
  const logFrom = readLog(node).length;
  let pid = await spawnNode(st, node, Math.max(1000, deadline - Date.now()));
  if (primary && !(await followsPrimary(st, node, primary, Math.min(5000, Math.max(1000, deadline - Date.now())), logFrom))) {
    // pg_rewind can answer "no rewind required" for a crashed primary whose crash recovery wrote a
    // checkpoint past the fork point (seen with PG 15.18); the standby then loops on "new timeline
    // forked off ... before current recovery point". A fresh copy always works.
    await stopNode(node, 10_000).catch(() => killNode(node, 5000));
    await baseBackup(st, node, primary, Math.max(1000, deadline - Date.now() - 3000));
    pid = await spawnNode(st, node, Math.max(1000, deadline - Date.now()));
    if (!(await followsPrimary(st, node, primary, Math.max(1000, deadline - Date.now()), readLog(node).length))) {
      throw new Error(`${node.name} does not stream from ${primary.name} even after a fresh pg_basebackup; see ${node.logFile}`);
    }
    how = `re-created with pg_basebackup from ${primary.name} (it did not follow ${primary.name}'s timeline after: ${how}) and started as its standby`;
  }
  return `${node.name} ${how} (pid ${pid})`;
}

/** Waits (up to `ms`) while the PID in the node's postmaster.pid is a zombie. */
async function waitZombieReaped(node: NodeState, ms: number): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(node.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  const deadline = Date.now() + ms;
  while (pid > 0 && readStat(pid)?.state === 'Z' && Date.now() < deadline) await sleep(20);
}

/** True once `node`'s WAL receiver streams on the timeline `primary` writes (polled until `timeoutMs`). */
async function followsPrimary(st: ClusterState, node: NodeState, primary: NodeState, timeoutMs: number, logFrom: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The node says it cannot follow: no need to wait for the deadline.
    if (/forked off current database system timeline \d+ before current recovery point/.test(readLog(node).slice(logFrom))) return false;
    try {
      const p = await nodeSession(st, primary, 1000);
      let tli: number;
      try {
        tli = parseInt((await p.query('SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)'))[0]?.[0] ?? '0', 16);
      } finally {
        p.close();
      }
      const s = await nodeSession(st, node, 1000);
      try {
        const r = (await s.query('SELECT status, received_tli FROM pg_stat_wal_receiver'))[0];
        if (r && r[0] === 'streaming' && Number(r[1]) === tli) return true;
      } finally {
        s.close();
      }
    } catch {
      // not yet
    }
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

/**
 * Promotes a standby (pg_promote, waiting for the end of recovery) and re-points every other running
 * standby at it (primary_conninfo via ALTER SYSTEM + reload; PostgreSQL 15 restarts the WAL receiver).
 */
export async function promoteNode(st: ClusterState, node: NodeState, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const s = await nodeSession(st, node, Math.min(2000, timeoutMs)).catch((err: unknown) => {
    throw new Error(`${node.name} does not accept connections: ${errorMessage(err)}`);
  });
  try {
    const rec = (await s.query('SELECT pg_is_in_recovery()'))[0]?.[0];
    if (rec !== 't' && rec !== 'true') throw new Error(`${node.name} is not a standby (pg_is_in_recovery() = false)`);
    const secs = Math.max(1, Math.floor((deadline - Date.now()) / 1000) - 1);
    const ok = await withDeadline(s.query(`SELECT pg_promote(true, ${secs})`), deadline - Date.now(), () => undefined);
    if (!ok || (ok[0]?.[0] !== 't' && ok[0]?.[0] !== 'true')) throw new Error(`${node.name}: promotion did not finish within ${timeoutMs} ms`);
  } finally {
    s.close();
  }
  const repointed: string[] = [];
  const failed: string[] = [];
  await Promise.all(
    st.nodes
      .filter((n) => n !== node && postmasterPid(n) !== undefined)
      .map(async (n) => {
        let other: PgClientSession | undefined;
        try {
          other = await nodeSession(st, n, 1500);
          const rec = (await other.query('SELECT pg_is_in_recovery()'))[0]?.[0];
          if (rec !== 't' && rec !== 'true') return;
          await other.query(`ALTER SYSTEM SET primary_conninfo = ${quoteConf(primaryConninfo(st, node, n.name))}`);
          await other.query('SELECT pg_reload_conf()');
          repointed.push(n.name);
        } catch {
          failed.push(n.name);
        } finally {
          other?.close();
        }
      }),
  );
  return (
    `${node.name} promoted` +
    (repointed.length ? `; standbys re-pointed: ${repointed.sort().join(', ')}` : '') +
    (failed.length ? `; not reachable (re-pointed when started): ${failed.sort().join(', ')}` : '')
  );
}

/** Per-standby replication state and replay lag as the (first) primary sees it. */
export async function replicationLag(st: ClusterState, timeoutMs: number): Promise<string[]> {
  const primaries = await whoIsPrimary(st, Math.min(1000, timeoutMs));
  const name = primaries[0];
  if (!name) throw new Error('no node answers pg_is_in_recovery() = false');
  const s = await nodeSession(st, findNode(st, name), timeoutMs);
  try {
    const rows = await s.query(
      `SELECT application_name, state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,
              COALESCE((extract(epoch FROM replay_lag) * 1000)::bigint, 0)
         FROM pg_stat_replication ORDER BY application_name`,
    );
    return rows.map((r) => `${r[0]} state=${r[1]} sync_state=${r[2]} replay_lag_bytes=${r[3] ?? 'unknown'} replay_lag_ms=${r[4]} primary=${name}`);
  } finally {
    s.close();
  }
}
