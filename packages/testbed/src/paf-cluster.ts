/**
 * A pg_auto_failover 2.0 cluster: a monitor (the witness) and two PostgreSQL 15 data nodes run by
 * pg_autoctl, each in its own network namespace on a private bridge (see _internal/paf-net.ts), so
 * `partition` can cut any member from any other with nftables — the monitor included. Automatic
 * failover, decided by the monitor alone: a node never promotes itself (the ha-dr suite's
 * `failover: 'automatic'` and HA-040's witness quorum). Debian's `postgresql-15-auto-failover` and
 * `pg-auto-failover-cli`, `nftables` and `iproute2`; root only (namespaces), servers run as postgres.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type ClusterState, type NodeState, withDeadline, writeState } from './_internal/pg-cluster-node.js';
import { pgConnect, type PgClientSession } from './_internal/pg-client.js';
import { addMember, applyPartition, createBridge, currentPartition, destroyNet, healPartition, netLinks, nsPids, PAF_GROUPS_SYNTAX, parsePafGroups, type NetMember, type PafNet } from './_internal/paf-net.js';
import { PgRouter, type RouterEvent } from './_internal/pg-router.js';
import { cleanEnv, findExecutable, runCommand, signalProcess, sleep, tail } from './_internal/proc.js';
import { Registration } from './_internal/reaper-client.js';
import { chownRecursive, errorMessage, isRoot, lookupUser, randomPassword } from './_internal/util.js';
import { Resource } from './endpoint.js';
import { findFreePort } from './ports.js';
import { resolvePgBinDir } from './postgres.js';
import { resolveTestbedCli, shellQuote } from './pg-cluster.js';

/** Options of {@link startAutoFailoverCluster}. */
export interface StartAutoFailoverClusterOptions {
  /** Directory with the PostgreSQL 15 programs. */
  binDir?: string;
  /** Deadline of the whole start (default 120 000 ms: initdb and a base backup under pg_autoctl). */
  startTimeoutMs?: number;
  /**
   * The monitor's health checks, in ms (pgautofailover.* settings). Defaults: check every 1000 ms
   * with a 1000 ms timeout, 1 retry after 500 ms, unhealthy after 3000 ms, demote timeout 5000 ms —
   * a failover in about 8 s instead of the upstream defaults' 50 s.
   */
  healthCheckPeriodMs?: number;
  unhealthyTimeoutMs?: number;
  demoteTimeoutMs?: number;
}

/** The actions of a pg_auto_failover cluster (NODE may also be `monitor` for kill/start/stop/pause/resume). */
export type AutoFailoverAction = 'kill' | 'start' | 'stop' | 'pause' | 'resume' | 'promote' | 'who-is-primary' | 'lag' | 'partition' | 'heal';

export const PAF_ACTION_TIMEOUT_MS: Record<AutoFailoverAction, number> = {
  kill: 10_000,
  start: 60_000,
  stop: 30_000,
  pause: 5_000,
  resume: 5_000,
  promote: 60_000,
  'who-is-primary': 5_000,
  lag: 5_000,
  partition: 5_000,
  heal: 5_000,
};

/** A member (monitor or data node) as state.json records it. */
export interface PafMemberState extends NodeState {
  ns: string;
  ip: string;
}

/** DIR/state.json of a pg_auto_failover cluster. */
export interface PafState extends ClusterState {
  kind: 'paf';
  nodes: PafMemberState[];
  monitor: PafMemberState;
  net: PafNet;
  pgAutoctl: string;
}

export function isPafState(st: ClusterState): st is PafState {
  return (st as Partial<PafState>).kind === 'paf';
}

/** The topology file for the ha-dr suite (DIR/topology.json): the monitor is a witness node. */
export interface AutoFailoverTopology {
  name: string;
  family: 'postgres';
  clientDsn: string;
  nodes: Array<{ name: string; dsn: string; role?: 'witness' }>;
  replication: 'sync';
  failover: 'automatic';
  actions: Record<Exclude<AutoFailoverAction, 'lag'>, string>;
}

/** A running pg_auto_failover cluster. */
export interface AutoFailoverCluster {
  clientDsn: string;
  routerPort: number;
  nodes: Array<{ name: string; host: string; port: number; dsn: string; dataDir: string; logFile: string }>;
  monitor: { name: string; host: string; port: number; dsn: string; dataDir: string; logFile: string };
  user: string;
  password: string;
  database: string;
  version: string;
  stateDir: string;
  statePath: string;
  topologyPath: string;
  topology: AutoFailoverTopology;
  /** Milliseconds from the monitor's spawn to one primary + one secondary (the monitor's view). */
  bootstrapMs: number;
  /** ms from the monitor's spawn to: the monitor answering, n1 single, n2 secondary. */
  bootstrapSteps: Record<string, number>;
  routerTarget(): string | undefined;
  routerEvents(): RouterEvent[];
  waitForRouterTarget(node: string | undefined, timeoutMs: number): Promise<boolean>;
  /** The monitor's view: per node, reported and goal state. */
  states(): Promise<Array<{ name: string; reported: string; goal: string }>>;
  logs(member: string): string;
  run(action: AutoFailoverAction, node?: string, timeoutMs?: number): Promise<string>;
  partition(): string[][] | undefined;
  /** Heals, stops the monitor and the nodes, deletes the namespaces and the bridge, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const USER = 'hc';
const DB = 'hc';
const SOCKET_DIR = '/var/run/postgresql';

/** pg_autoctl, nft and ip, or undefined when one is missing. */
export function resolveAutoFailover(): { pgAutoctl: string; nft: string; ip: string } | undefined {
  const pgAutoctl = findExecutable('pg_autoctl', ['/usr/bin']);
  const nft = findExecutable('nft', ['/usr/sbin', '/sbin']);
  const ip = findExecutable('ip', ['/usr/sbin', '/sbin', '/usr/bin']);
  return pgAutoctl && nft && ip ? { pgAutoctl, nft, ip } : undefined;
}

/** Why the cluster cannot start here (missing programs, not root), or undefined. */
export function autoFailoverUnavailable(): string | undefined {
  if (!resolveAutoFailover()) return 'pg_autoctl, nft or ip not found: install Debian packages postgresql-15-auto-failover, pg-auto-failover-cli, nftables and iproute2';
  if (!isRoot()) return 'the pg_auto_failover cluster runs its members in network namespaces: run as root';
  return undefined;
}

function dsnFor(password: string, host: string, port: number): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@${host}:${port}/${DB}`;
}

function members(st: PafState): PafMemberState[] {
  return [st.monitor, ...st.nodes];
}

function findMember(st: PafState, name: string | undefined, dataOnly = false): PafMemberState {
  const all = dataOnly ? st.nodes : members(st);
  const m = all.find((x) => x.name === name);
  if (!m) throw new Error(`unknown ${dataOnly ? 'data node' : 'member'} "${name ?? ''}" (${all.map((x) => x.name).join(', ')})`);
  return m;
}

/** pg_autoctl's environment: its config, state and runtime files in the cluster dir, PG 15 first on PATH. */
function pafEnv(st: PafState): NodeJS.ProcessEnv {
  return cleanEnv({
    HOME: st.dir,
    XDG_CONFIG_HOME: path.join(st.dir, 'config'),
    XDG_DATA_HOME: path.join(st.dir, 'data'),
    XDG_RUNTIME_DIR: path.join(st.dir, 'run'),
    PG_CONFIG: path.join(st.binDir, 'pg_config'),
    PATH: `${st.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  });
}

/** argv prefix running a program in the member's namespace as postgres. */
function inNs(m: PafMemberState): string[] {
  return ['netns', 'exec', m.ns, 'setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--'];
}

/** Spawns pg_autoctl detached in the member's namespace, output appended to its log; returns the PID. */
function spawnAutoctl(st: PafState, m: PafMemberState, args: string[]): number {
  const fd = openSync(m.logFile, 'a', 0o600);
  try {
    const child = spawn('ip', [...inNs(m), st.pgAutoctl, ...args], { cwd: st.dir, env: pafEnv(st), detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error('could not spawn pg_autoctl');
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

function runAutoctl(st: PafState, m: PafMemberState, args: string[], timeoutMs: number): ReturnType<typeof runCommand> {
  return runCommand('ip', [...inNs(m), st.pgAutoctl, ...args], { cwd: st.dir, env: pafEnv(st), timeoutMs });
}

/** psql as postgres over the member's Unix socket (trust): the monitor's tables, bootstrap statements. */
async function psql(st: PafState, m: PafMemberState, db: string, sql: string, timeoutMs = 5000): Promise<string> {
  const r = await runCommand(path.join(st.binDir, 'psql'), ['-X', '-h', SOCKET_DIR, '-p', String(m.port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-Atc', sql], {
    env: cleanEnv({ HOME: st.dir }),
    uid: st.owner?.uid,
    gid: st.owner?.gid,
    timeoutMs,
  });
  if (r.code !== 0) throw new Error(`${m.name}: ${r.output.trim().split('\n')[0]}`);
  return r.output.trim();
}

/** The monitor's view of the data nodes. */
export async function monitorStates(st: PafState, timeoutMs = 3000): Promise<Array<{ name: string; reported: string; goal: string; lsn: string; health: string }>> {
  const out = await psql(st, st.monitor, 'pg_auto_failover', "SELECT nodename, reportedstate, goalstate, reportedlsn, health FROM pgautofailover.node ORDER BY nodeid", timeoutMs);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, reported, goal, lsn, health] = l.split('|');
      return { name: name ?? '', reported: reported ?? '', goal: goal ?? '', lsn: lsn ?? '', health: health === '1' ? 'good' : health === '0' ? 'bad' : 'unknown' };
    });
}

function session(st: PafState, m: PafMemberState, timeoutMs: number): Promise<PgClientSession> {
  return pgConnect({ host: m.ip, port: m.port, user: st.user, password: st.password, database: 'postgres', timeoutMs });
}

async function inRecovery(st: PafState, m: PafMemberState, timeoutMs = 1000): Promise<boolean | undefined> {
  let s: PgClientSession | undefined;
  try {
    s = await withDeadline(session(st, m, timeoutMs), timeoutMs, () => undefined);
    if (!s) return undefined;
    const r = await withDeadline(s.query('SELECT pg_is_in_recovery()'), timeoutMs, () => undefined);
    return r ? r[0]?.[0] === 't' || r[0]?.[0] === 'true' : undefined;
  } catch {
    return undefined;
  } finally {
    s?.close();
  }
}

/** Data nodes answering pg_is_in_recovery() = false (the monitor's own postgres never counts). */
export async function pafWhoIsPrimary(st: PafState, timeoutMs = 1000): Promise<string[]> {
  const r = await Promise.all(st.nodes.map(async (n) => ((await inRecovery(st, n, timeoutMs)) === false ? n.name : undefined)));
  return r.filter((x): x is string => x !== undefined);
}

async function autoctlRunning(m: PafMemberState): Promise<number[]> {
  const out: number[] = [];
  for (const p of await nsPids(m.ns)) {
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'pg_autoctl') out.push(p);
    } catch {
      // gone
    }
  }
  return out;
}

async function waitEmpty(m: PafMemberState, deadline: number): Promise<boolean> {
  for (;;) {
    if (!(await nsPids(m.ns)).length) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

async function killMember(m: PafMemberState, timeoutMs: number): Promise<string> {
  const pids = await nsPids(m.ns);
  if (!pids.length) return `${m.name} was not running`;
  // Freeze first: pg_autoctl's supervisor would restart the postmaster it sees die.
  for (const p of pids) signalProcess(p, 'SIGSTOP');
  for (const p of pids) signalProcess(p, 'SIGKILL');
  if (!(await waitEmpty(m, Date.now() + timeoutMs))) throw new Error(`${m.name}: processes still alive after SIGKILL`);
  return `${m.name} killed (SIGKILL to ${pids.length} processes: pg_autoctl and PostgreSQL)`;
}

async function startMember(st: PafState, m: PafMemberState, timeoutMs: number): Promise<string> {
  const running = await autoctlRunning(m);
  if (running.length) return `${m.name}: pg_autoctl is already running`;
  // Processes left paused or orphaned (a postmaster without its supervisor) would block the restart.
  for (const p of await nsPids(m.ns)) signalProcess(p, 'SIGKILL');
  await waitEmpty(m, Date.now() + 5000);
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const pid = spawnAutoctl(st, m, ['run', '--pgdata', m.dataDir]);
  const isMonitor = m === st.monitor || m.name === st.monitor.name;
  for (;;) {
    const up = isMonitor ? await psql(st, m, 'pg_auto_failover', 'SELECT 1', 2000).then(() => true, () => false) : (await inRecovery(st, m, 1000)) !== undefined;
    if (up) return `${m.name} started: pg_autoctl run (pid ${pid}), PostgreSQL answers after ${Date.now() - t0} ms; the monitor decides its role`;
    if (!(await autoctlRunning(m)).length && Date.now() - t0 > 2000) throw new Error(`${m.name}: pg_autoctl exited during startup; last log lines:\n${tail(readLogFile(m.logFile), 1200)}`);
    if (Date.now() >= deadline) throw new Error(`${m.name}: PostgreSQL did not answer within ${timeoutMs} ms of pg_autoctl run`);
    await sleep(200);
  }
}

async function stopMember(st: PafState, m: PafMemberState, timeoutMs: number): Promise<string> {
  const pids = await nsPids(m.ns);
  if (!pids.length) return `${m.name} was not running`;
  for (const p of pids) signalProcess(p, 'SIGCONT');
  await runAutoctl(st, m, ['stop', '--pgdata', m.dataDir, '--fast'], Math.min(timeoutMs, 10_000)).catch(() => undefined);
  if (!(await waitEmpty(m, Date.now() + timeoutMs))) {
    await killMember(m, 5000);
    return `${m.name} killed: did not stop within ${timeoutMs} ms`;
  }
  return `${m.name} stopped (pg_autoctl stop --fast)`;
}

async function promoteNode(st: PafState, n: PafMemberState, timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  if ((await inRecovery(st, n, 1000)) === false) return `${n.name} is already the primary`;
  const r = await runAutoctl(st, n, ['perform', 'promotion', '--pgdata', n.dataDir, '--name', n.name, '--wait', String(Math.max(5, Math.floor(timeoutMs / 1000) - 2))], timeoutMs);
  if (r.code !== 0) throw new Error(`pg_autoctl perform promotion of ${n.name} failed: ${tail(r.output, 400).trim().split('\n').slice(-2).join(' / ')}`);
  for (;;) {
    if ((await inRecovery(st, n, 1000)) === false) return `${n.name} promoted by the monitor (pg_autoctl perform promotion) in ${Date.now() - t0} ms`;
    if (Date.now() - t0 >= timeoutMs) throw new Error(`${n.name} did not become primary within ${timeoutMs} ms after pg_autoctl perform promotion`);
    await sleep(100);
  }
}

/** Runs one action (the CLI and {@link AutoFailoverCluster.run} both come here). */
export async function runAutoFailoverAction(st: PafState, action: AutoFailoverAction, arg: string | undefined, timeoutMs?: number): Promise<string> {
  if (!(action in PAF_ACTION_TIMEOUT_MS)) throw new Error(`${action} is not an action of a pg_auto_failover cluster (${Object.keys(PAF_ACTION_TIMEOUT_MS).join(', ')})`);
  const ms = timeoutMs ?? PAF_ACTION_TIMEOUT_MS[action];
  const needsNode = !['who-is-primary', 'lag', 'partition', 'heal'].includes(action);
  if (action === 'partition' && arg === undefined) throw new Error(`partition needs GROUPS: ${PAF_GROUPS_SYNTAX}`);
  if (needsNode && !arg) throw new Error(`${action} needs a member name (${members(st).map((x) => x.name).join(', ')})`);
  if (!needsNode && action !== 'partition' && arg) throw new Error(`${action} takes no argument`);
  const work = (async (): Promise<string> => {
    switch (action) {
      case 'kill':
        return killMember(findMember(st, arg), ms);
      case 'start':
        return startMember(st, findMember(st, arg), ms);
      case 'stop':
        return stopMember(st, findMember(st, arg), ms);
      case 'pause': {
        const m = findMember(st, arg);
        const pids = await nsPids(m.ns);
        if (!pids.length) throw new Error(`${m.name} is not running`);
        for (const p of pids) signalProcess(p, 'SIGSTOP');
        return `${m.name} paused (SIGSTOP to ${pids.length} processes)`;
      }
      case 'resume': {
        const m = findMember(st, arg);
        const pids = await nsPids(m.ns);
        for (const p of pids) signalProcess(p, 'SIGCONT');
        return pids.length ? `${m.name} resumed (SIGCONT to ${pids.length} processes)` : `${m.name} is not running`;
      }
      case 'promote':
        return promoteNode(st, findMember(st, arg, true), ms);
      case 'who-is-primary':
        return (await pafWhoIsPrimary(st, Math.min(1000, ms))).join('\n');
      case 'lag':
        return (await monitorStates(st, ms)).map((s) => `${s.name} ${s.reported}/${s.goal} health=${s.health} lsn=${s.lsn}`).join('\n');
      case 'partition': {
        const groups = parsePafGroups(arg!, members(st).map((m) => m.name));
        return applyPartition(st.dir, members(st) as NetMember[], groups);
      }
      case 'heal':
        return healPartition(st.dir, members(st) as NetMember[]);
      default:
        throw new Error(`unknown action "${String(action)}"`);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${action}${arg ? ' ' + arg : ''} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function readLogFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Last resort when the owner exits: kill everything in the namespaces, delete them and the bridge. */
function destroySync(net: PafNet, namespaces: string[]): void {
  for (const ns of namespaces) {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter(Boolean).map(Number);
      for (const p of pids) signalProcess(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const ns of namespaces) {
    try {
      execFileSync('ip', ['netns', 'delete', ns], { timeout: 5000, stdio: 'ignore' });
    } catch {
      // gone
    }
  }
  for (const link of netLinks(net, namespaces.length)) {
    try {
      execFileSync('ip', ['link', 'delete', link], { timeout: 5000, stdio: 'ignore' });
    } catch {
      // gone
    }
  }
}

/**
 * Starts the monitor and two data nodes (n1 first: it initialises the cluster; n2 then clones it)
 * with pg_autoctl, each in its own network namespace, as the `postgres` user, in a temp dir; tunes
 * the monitor's health checks; creates database `hc` and role `hc` (random password, reached
 * from the root namespace with scram-sha-256; not a superuser); starts the router (clientDsn). Writes DIR/state.json
 * and DIR/topology.json (`failover: automatic`, the monitor as a `witness` node). Processes,
 * namespaces and bridge are removed by stop() or, if the owner dies, by the reaper.
 */
export async function startAutoFailoverCluster(opts: StartAutoFailoverClusterOptions = {}): Promise<AutoFailoverCluster> {
  const why = autoFailoverUnavailable();
  if (why) throw new Error(why);
  const bins = resolveAutoFailover()!;
  const owner = lookupUser('postgres');
  if (!owner) throw new Error('running as root, but /etc/passwd has no `postgres` user; PostgreSQL refuses to run as root');
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const binDir = await resolvePgBinDir(opts.binDir);
  const health = { period: opts.healthCheckPeriodMs ?? 1000, unhealthy: opts.unhealthyTimeoutMs ?? 3000, demote: opts.demoteTimeoutMs ?? 5000 };

  const res = new Resource('pg-cluster');
  const netReg = new Registration('paf-net', 'SIGTERM');
  let net: PafNet | undefined;
  const namespaces: string[] = [];
  let router: PgRouter | undefined;
  let st: PafState | undefined;

  res.stopExtra = async (graceMs) => {
    const s = st;
    if (s) {
      await healPartition(s.dir, members(s) as NetMember[]).catch(() => undefined);
      // The monitor first: without it nobody fails over while the data nodes stop.
      await stopMember(s, s.monitor, Math.max(graceMs, 5000)).catch(() => undefined);
      await Promise.all(s.nodes.map((n) => stopMember(s, n, Math.max(graceMs, 10_000)).catch(() => killMember(n, 5000).catch(() => undefined))));
      for (const m of members(s)) await killMember(m, 5000).catch(() => undefined);
    }
    await router?.close();
    if (net) await destroyNet(net, namespaces);
    netReg.remove();
  };
  res.killExtraSync = () => {
    if (net) destroySync(net, namespaces);
    netReg.remove();
  };

  let phase = 'network';
  try {
    const dir = res.makeTempDir();
    chmodSync(dir, 0o700);
    net = await createBridge();
    netReg.update({ links: netLinks(net, 3), netns: namespaces });
    const password = randomPassword();
    const names = ['monitor', 'n1', 'n2'];
    const ms: PafMemberState[] = [];
    for (const [i, name] of names.entries()) {
      const { ns, ip } = await addMember(net, name, i + 1);
      namespaces.push(ns);
      netReg.update({ netns: namespaces });
      ms.push({ name, ns, ip, port: await findFreePort(), dataDir: path.join(dir, name), logFile: path.join(dir, `${name}.log`) });
    }
    for (const sub of ['config', 'data', 'run']) mkdirSync(path.join(dir, sub), { mode: 0o700 });
    const [monitor, n1, n2] = ms as [PafMemberState, PafMemberState, PafMemberState];
    st = {
      version: 1,
      kind: 'paf',
      dir,
      binDir,
      user: USER,
      password,
      database: DB,
      owner,
      replication: 'sync',
      passfile: path.join(dir, 'pgpass'),
      routerPort: 0,
      nodes: [n1, n2],
      links: {},
      monitor,
      net,
      pgAutoctl: bins.pgAutoctl,
    };
    chownRecursive(dir, owner.uid, owner.gid);
    writeState(st);
    const s = st;

    phase = 'monitor';
    const t0 = Date.now();
    spawnAutoctl(s, monitor, ['create', 'monitor', '--pgdata', monitor.dataDir, '--pgport', String(monitor.port), '--hostname', monitor.ip, '--listen', monitor.ip, '--auth', 'trust', '--no-ssl', '--run']);
    const waitFor = async (what: string, check: () => Promise<boolean>, member: PafMemberState): Promise<void> => {
      for (;;) {
        if (await check().catch(() => false)) return;
        if (Date.now() >= deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
        if (!(await autoctlRunning(member)).length && Date.now() - t0 > 3000) throw new Error(`${member.name}: pg_autoctl exited: ${tail(readLogFile(member.logFile), 1200)}`);
        await sleep(200);
      }
    };
    await waitFor('the monitor answering', async () => (await psql(s, monitor, 'pg_auto_failover', 'SELECT count(*) FROM pgautofailover.node', 2000)) !== '', monitor);
    // Failover in seconds, not the upstream 20 s unhealthy + 30 s demote timeouts (notes §7c: 8.4 s).
    const tune: Record<string, number> = {
      health_check_period: health.period,
      health_check_timeout: 1000,
      health_check_max_retries: 1,
      health_check_retry_delay: 500,
      node_considered_unhealthy_timeout: health.unhealthy,
      primary_demote_timeout: health.demote,
    };
    for (const [k, v] of Object.entries(tune)) await psql(s, monitor, 'pg_auto_failover', `ALTER SYSTEM SET pgautofailover.${k} = ${v}`);
    await psql(s, monitor, 'pg_auto_failover', 'SELECT pg_reload_conf()');
    const steps: Record<string, number> = { monitor: Date.now() - t0 };

    phase = 'n1';
    // initdb ourselves with --no-sync (pg_autoctl adopts an existing data directory): its own
    // synced initdb takes tens of seconds on a busy 2-core machine.
    const init = await runCommand(path.join(binDir, 'initdb'), ['-D', n1.dataDir, '--no-sync', '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C'], { cwd: dir, env: cleanEnv({ HOME: dir }), uid: owner.uid, gid: owner.gid, timeoutMs: Math.max(1000, deadline - Date.now()) });
    if (init.code !== 0) throw new Error(`initdb: ${tail(init.output, 600)}`);
    const monitorUri = `postgres://autoctl_node@${monitor.ip}:${monitor.port}/pg_auto_failover?sslmode=disable`;
    const create = (n: PafMemberState): void => {
      spawnAutoctl(s, n, ['create', 'postgres', '--pgdata', n.dataDir, '--pgport', String(n.port), '--hostname', n.ip, '--listen', n.ip, '--name', n.name, '--monitor', monitorUri, '--auth', 'trust', '--no-ssl', '--run']);
    };
    create(n1);
    await waitFor('n1 in state single', async () => (await monitorStates(s)).some((x) => x.name === 'n1' && x.reported === 'single'), n1);
    // Before n2 clones n1 (it copies all of this): the suite's role and database, its pg_hba line
    // (scram from the root namespace's address only), and walsender/walreceiver timeouts of seconds,
    // so a cut replication link is noticed (and sync rep dropped by the monitor) in seconds, not a minute.
    // Not a superuser: superuser_reserved_connections stay free for pg_autoctl. An isolated primary's
    // clients pile up backends waiting on synchronous replication until max_connections is reached;
    // with `hc` a superuser they took the reserved slots too, and the keeper's own connections failed
    // with "sorry, too many clients already" (seen in TC-AF-001 runs).
    await psql(s, n1, 'postgres', `CREATE ROLE ${USER} LOGIN PASSWORD '${password}'`);
    await psql(s, n1, 'postgres', `CREATE DATABASE ${DB} OWNER ${USER}`);
    // pg_stat_wal_receiver / pg_stat_replication show their status columns to pg_read_all_stats only:
    // the suite reads them to see a standby stream.
    await psql(s, n1, 'postgres', `GRANT pg_monitor TO ${USER}`);
    // wal_sender_timeout stays longer than the keeper's first failed call to the monitor (its 2 s
    // connect timeout + up to 1 s of loop): pg_autoctl 2.0 counts a primary as partitioned only after it
    // once saw its standby connected while the monitor was unreachable (last_secondary_contact). With
    // 2 s the walsender was gone first, and an isolated primary stayed writable until the heal (keeper:
    // "Network is healthy"); TC-AF-001 failed its RTO. With 10 s it steps down network_partition_timeout
    // (20 s) after losing both. The standby side keeps 2 s timeouts: it notices a cut link at once.
    await psql(s, n1, 'postgres', "ALTER SYSTEM SET wal_sender_timeout = '10s'");
    await psql(s, n1, 'postgres', "ALTER SYSTEM SET wal_receiver_timeout = '2s'");
    await psql(s, n1, 'postgres', "ALTER SYSTEM SET wal_receiver_status_interval = '1s'");
    appendFileSync(path.join(n1.dataDir, 'pg_hba.conf'), `host all ${USER} ${net.hostIp}/32 scram-sha-256 # helios-testbed: the owner, router and suite\n`);
    await psql(s, n1, 'postgres', 'SELECT pg_reload_conf()');
    const version = await psql(s, n1, 'postgres', 'SELECT version()');
    steps.n1Single = Date.now() - t0;

    phase = 'n2';
    create(n2);
    let nudged = 0;
    await waitFor(
      'n1 primary + n2 secondary',
      async () => {
        const x = await monitorStates(s);
        // pg_autoctl's pg_basebackup waits for a spread checkpoint (minutes on a loaded machine);
        // an immediate CHECKPOINT on n1 makes the one in progress finish at once.
        if (x.some((y) => y.name === 'n2' && (y.goal === 'catchingup' || y.reported === 'catchingup')) && Date.now() - nudged > 2000) {
          nudged = Date.now();
          await psql(s, n1, 'postgres', 'CHECKPOINT', 10_000).catch(() => undefined);
        }
        return x.some((y) => y.name === 'n1' && y.reported === 'primary' && y.goal === 'primary') && x.some((y) => y.name === 'n2' && y.reported === 'secondary' && y.goal === 'secondary');
      },
      n2,
    );
    const bootstrapMs = Date.now() - t0;
    steps.n2Secondary = bootstrapMs;

    phase = 'router';
    router = new PgRouter(
      s.nodes.map((n) => ({ name: n.name, port: n.port, host: n.ip })),
      { user: USER, password },
    );
    await router.listen(0);
    s.routerPort = router.port;
    writeState(s);
    if (!(await router.waitForTarget('n1', Math.max(1000, deadline - Date.now())))) throw new Error('the router did not find the primary n1');

    const cli = resolveTestbedCli();
    const base = [process.execPath, cli, 'cluster', '--state', dir].map(shellQuote).join(' ');
    const topology: AutoFailoverTopology = {
      name: 'testbed: pg_auto_failover 2.0, monitor (witness) + 2 PostgreSQL 15 nodes in network namespaces (synchronous, automatic failover)',
      family: 'postgres',
      clientDsn: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${router.port}/${DB}`,
      nodes: [...s.nodes.map((n) => ({ name: n.name, dsn: dsnFor(password, n.ip, n.port) })), { name: monitor.name, dsn: `postgres://autoctl_node@${monitor.ip}:${monitor.port}/pg_auto_failover?sslmode=disable`, role: 'witness' as const }],
      replication: 'sync',
      failover: 'automatic',
      actions: {
        kill: `${base} kill {node}`,
        start: `${base} start {node}`,
        stop: `${base} stop {node}`,
        pause: `${base} pause {node}`,
        resume: `${base} resume {node}`,
        promote: `${base} promote {node}`,
        'who-is-primary': `${base} who-is-primary`,
        partition: `${base} partition {groups}`,
        heal: `${base} heal`,
      },
    };
    const topologyPath = path.join(dir, 'topology.json');
    writeFileSync(topologyPath, JSON.stringify(topology, null, 2) + '\n', { mode: 0o600 });

    const r = router;
    const view = (m: PafMemberState) => ({ name: m.name, host: m.ip, port: m.port, dsn: dsnFor(password, m.ip, m.port), dataDir: m.dataDir, logFile: m.logFile });
    return {
      clientDsn: topology.clientDsn,
      routerPort: r.port,
      nodes: s.nodes.map(view),
      monitor: { ...view(monitor), dsn: topology.nodes.at(-1)!.dsn },
      user: USER,
      password,
      database: DB,
      version,
      stateDir: dir,
      statePath: path.join(dir, 'state.json'),
      topologyPath,
      topology,
      bootstrapMs,
      bootstrapSteps: steps,
      routerTarget: () => r.target,
      routerEvents: () => [...r.events],
      waitForRouterTarget: (node, t) => r.waitForTarget(node, t),
      states: async () => (await monitorStates(s)).map(({ name, reported, goal }) => ({ name, reported, goal })),
      logs: (name) => readLogFile(findMember(s, name).logFile),
      partition: () => currentPartition(dir),
      run: (action, node, t) => runAutoFailoverAction(s, action, node, t),
      stop: () => res.release(),
    };
  } catch (err) {
    const logs = st ? members(st).map((m) => readLogFile(m.logFile)).filter((x) => x.trim()).map((x) => tail(x, 1200)).join('\n---\n') : '';
    await res.release(2000).catch(() => undefined);
    throw new Error(`could not start the pg_auto_failover cluster (${phase}): ${errorMessage(err)}${logs ? `\n--- logs (tail) ---\n${logs}` : ''}`, { cause: err });
  }
}

// Shown in `helios-testbed cluster --help`.
export const PAF_CLUSTER_USAGE = `A pg_auto_failover cluster (startAutoFailoverCluster(), \`up auto-failover\`; root; members monitor,
n1, n2 each in a network namespace): kill/start/stop/pause/resume MEMBER (start = pg_autoctl run: the
monitor decides the node's role, an old primary rejoins as a secondary), promote NODE (pg_autoctl
perform promotion: the monitor fails over to it), who-is-primary, lag (the monitor's view: reported/goal
state, health, LSN), partition GROUPS (nftables in each member's namespace drop every packet between
two members that share no group; groups may overlap: 'n1,monitor|n2,monitor' cuts only n1-n2, while
both still reach the monitor; 'n1,monitor|n2' isolates n2), heal.`;

