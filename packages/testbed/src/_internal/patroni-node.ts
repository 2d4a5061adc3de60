/**
 * Node operations of a Patroni + etcd cluster (see ../patroni-cluster.ts), shared by the owner process
 * and `helios-testbed cluster --state DIR <action>`: everything is found from DIR/state.json; a
 * Patroni process is found by its command line (it names the node's config file), a postmaster by
 * its data directory, never by a remembered PID.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { childrenOf, inRecovery, nodeSession, postmasterPid, type ClusterState, type NodeState } from './pg-cluster-node.js';
import type { NodeProxies } from './patroni-links.js';
import { cleanEnv, readStat, runCommand, signalProcess, sleep, tail } from './proc.js';

/** One Patroni member as state.json records it (`port`: PostgreSQL, direct). */
export interface PatroniNodeState extends NodeState {
  restPort: number;
  /** The member's Patroni configuration (YAML; holds the password, mode 0600). */
  configFile: string;
}

/** DIR/state.json of a Patroni cluster: a pg-cluster state plus what Patroni needs. */
export interface PatroniState extends ClusterState {
  kind: 'patroni';
  nodes: PatroniNodeState[];
  patroni: string;
  patronictl: string;
  etcd: { clientPort: number; peerPort: number; dataDir: string; logFile: string };
  proxies: Record<string, NodeProxies>;
  scope: string;
}

export function isPatroniState(st: ClusterState): st is PatroniState {
  return (st as Partial<PatroniState>).kind === 'patroni';
}

function ids(st: ClusterState): { uid?: number; gid?: number } {
  return st.owner ? { uid: st.owner.uid, gid: st.owner.gid } : {};
}

export function patroniEnv(st: ClusterState): NodeJS.ProcessEnv {
  // Debian's /usr/bin/patroni runs /usr/bin/python3; a PYTHON* variable of the caller must not redirect it.
  const env = cleanEnv(st.owner ? { HOME: st.owner.home, USER: 'postgres', LOGNAME: 'postgres' } : {});
  for (const k of Object.keys(env)) if (k.startsWith('PYTHON') || k.startsWith('PATRONI')) delete env[k];
  return env;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/**
 * Live processes whose command line has `arg` as one of its words. Only Patroni's and etcd's
 * processes (by /proc comm) have their command line read: this runs often in the owner process,
 * whose event loop also carries the cluster's proxies, on a machine with many processes.
 */
export function processesWithArg(arg: string): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const s = readStat(pid);
    if (!s || s.state === 'Z' || s.state === 'X') continue;
    if (s.comm !== 'patroni' && s.comm !== 'etcd' && !s.comm.startsWith('python')) continue;
    if (cmdline(pid).includes(arg)) out.push(pid);
  }
  return out;
}

/** PIDs of the node's Patroni process(es). */
export function patroniPids(node: PatroniNodeState): number[] {
  return processesWithArg(node.configFile);
}

/** PIDs of the etcd server of the cluster (found by its data dir argument). */
export function etcdPids(st: PatroniState): number[] {
  return processesWithArg(st.etcd.dataDir);
}

function alive(pid: number): boolean {
  const s = readStat(pid);
  return !!s && s.state !== 'Z' && s.state !== 'X';
}

async function waitGone(pids: number[], deadline: number): Promise<boolean> {
  for (;;) {
    if (pids.every((p) => !alive(p))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
}

/** Spawns a detached process as the servers' user, output appended to `logFile`; returns its PID. */
export function spawnDetached(st: ClusterState, command: string, args: string[], logFile: string): number {
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(command, args, { cwd: st.dir, env: patroniEnv(st), ...ids(st), detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function findPatroniNode(st: PatroniState, name: string): PatroniNodeState {
  const n = st.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`unknown node "${name}" (nodes: ${st.nodes.map((x) => x.name).join(', ')})`);
  return n;
}

/** One member as Patroni's GET /cluster reports it. */
export interface PatroniMember {
  name: string;
  role: string;
  state: string;
  timeline?: number;
  lag?: number | string;
}

/** GET on a node's REST API (direct, not through its proxy), with a deadline; undefined when it does not answer. */
export async function rest(node: PatroniNodeState, urlPath: string, timeoutMs: number): Promise<{ status: number; body: unknown } | undefined> {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const r = await fetch(`http://127.0.0.1:${node.restPort}${urlPath}`, { signal: ctl.signal });
    const text = await r.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // plain text
    }
    return { status: r.status, body };
  } catch {
    return undefined;
  } finally {
    clearTimeout(t);
  }
}

/** The members as the first answering node's GET /cluster lists them (etcd's view), or undefined. */
export async function clusterMembers(st: PatroniState, timeoutMs = 1000, from?: PatroniNodeState): Promise<PatroniMember[] | undefined> {
  for (const n of from ? [from] : st.nodes) {
    const r = await rest(n, '/cluster', timeoutMs);
    const members = (r?.body as { members?: PatroniMember[] } | undefined)?.members;
    if (r?.status === 200 && Array.isArray(members)) return members;
  }
  return undefined;
}

/** `patroni.state` of a node's own GET /patroni (e.g. running, starting, stopped), or undefined. */
async function ownState(node: PatroniNodeState, timeoutMs: number): Promise<{ state?: string; role?: string } | undefined> {
  const r = await rest(node, '/patroni', timeoutMs);
  return r ? (r.body as { state?: string; role?: string }) : undefined;
}

/** The nodes answering pg_is_in_recovery() = false (what a client sees, not what Patroni says). */
export async function patroniWhoIsPrimary(st: PatroniState, timeoutMs = 1000): Promise<string[]> {
  const r = await Promise.all(st.nodes.map(async (n) => ((await inRecovery(st, n, timeoutMs)) === false ? n.name : undefined)));
  return r.filter((x): x is string => x !== undefined);
}

/**
 * Whether `node` has rejoined: Patroni runs it as a replica streaming from the leader (in
 * synchronous_mode: Patroni lists it as a sync standby, so it may be elected again), or it is the
 * leader itself (nobody else was); `how` is what Patroni's /cluster says of it.
 */
async function rejoined(st: PatroniState, node: PatroniNodeState): Promise<{ done: boolean; how: string }> {
  const members = await clusterMembers(st, 1000, node);
  const me = members?.find((m) => m.name === node.name);
  if (!me) return { done: false, how: members ? `not listed in /cluster` : 'its REST API does not answer /cluster' };
  const how = `${me.role} ${me.state}${me.lag !== undefined ? ` lag=${me.lag}` : ''}`;
  if (me.state !== 'running' && me.state !== 'streaming') return { done: false, how };
  if (me.role === 'leader' || me.role === 'master') return { done: (await inRecovery(st, node, 1000)) === false, how };
  if (st.replication === 'sync') return { done: me.role === 'sync_standby', how };
  // Asynchronous: its WAL receiver streams (Patroni's `running` is PostgreSQL up, not yet following).
  try {
    const s = await nodeSession(st, node, 1000);
    try {
      return { done: (await s.query('SELECT status FROM pg_stat_wal_receiver'))[0]?.[0] === 'streaming', how };
    } finally {
      s.close();
    }
  } catch {
    return { done: false, how };
  }
}

/**
 * Starts the node's Patroni; resolves once the node has rejoined (see rejoined(): a replica streaming
 * from the leader, a sync standby in synchronous_mode), as pg-cluster's `start` returns once the node
 * streams from the primary: the next fault of a suite then finds every member back. The rejoin of an
 * old leader (crash recovery, pg_rewind, start, streaming) is Patroni's own, only waited for here.
 * `wait: 'rest'` returns as soon as Patroni answers on its REST API instead.
 */
export async function startPatroniNode(st: PatroniState, node: PatroniNodeState, timeoutMs: number, wait: 'rest' | 'rejoined' = 'rejoined'): Promise<string> {
  const running = patroniPids(node);
  if (running.length) return `${node.name}: Patroni is already running (pid ${running.join(' ')})`;
  // A postmaster orphaned by a killed Patroni: Patroni adopts a running one, but one left paused would hang it.
  const pm = postmasterPid(node);
  if (pm !== undefined) for (const p of [pm, ...childrenOf(pm)]) signalProcess(p, 'SIGCONT');
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const logFrom = readLogFile(node.logFile).length;
  const pid = spawnDetached(st, st.patroni, [node.configFile], node.logFile);
  let answeredAt: number | undefined;
  let last = 'its REST API does not answer yet';
  for (;;) {
    if (!alive(pid)) throw new Error(`${node.name}: Patroni exited during startup; last log lines:\n${tail(readLogFile(node.logFile), 1500)}`);
    const own = await ownState(node, 1000);
    if (own?.state && answeredAt === undefined) answeredAt = Date.now() - t0;
    let done = false;
    if (wait === 'rest') done = own?.state !== undefined;
    else if (own?.state) ({ done, how: last } = await rejoined(st, node));
    if (done) {
      const rewound = /pg_rewind: Done/.test(readLogFile(node.logFile).slice(logFrom)) ? ' (pg_rewind ran)' : '';
      return `${node.name} started: Patroni pid ${pid} answers after ${answeredAt ?? Date.now() - t0} ms${wait === 'rejoined' ? `, rejoined (${last}) after ${Date.now() - t0} ms` : ` (${own?.role ?? '?'} ${own?.state ?? '?'})`}${rewound}`;
    }
    if (Date.now() >= deadline) throw new Error(`${node.name}: Patroni started (pid ${pid}) but the node did not ${wait === 'rest' ? 'answer on its REST API' : 'rejoin'} within ${timeoutMs} ms (last: ${last}); see ${node.logFile}`);
    await sleep(200);
  }
}

/** Node death: SIGKILL of Patroni, then of the postmaster and every child. */
export async function killPatroniNode(node: PatroniNodeState, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const pat = patroniPids(node);
  // Patroni first: it would otherwise restart the postmaster it sees die.
  for (const p of pat) signalProcess(p, 'SIGKILL');
  const pm = postmasterPid(node);
  const pg = pm === undefined ? [] : [pm, ...childrenOf(pm)];
  if (pm !== undefined) signalProcess(pm, 'SIGSTOP');
  for (const p of pg) signalProcess(p, 'SIGKILL');
  const all = [...pat, ...pg];
  if (!all.length) return `${node.name} was not running`;
  if (!(await waitGone(all, deadline))) throw new Error(`${node.name}: processes ${all.filter(alive).join(' ')} still alive after SIGKILL`);
  return `${node.name} killed (SIGKILL to Patroni and ${pg.length} PostgreSQL processes)`;
}

/** SIGTERM to Patroni (it fast-stops PostgreSQL and releases the leader key); SIGKILL on the deadline. */
export async function stopPatroniNode(node: PatroniNodeState, timeoutMs: number): Promise<string> {
  const pat = patroniPids(node);
  const pm = postmasterPid(node);
  if (!pat.length && pm === undefined) return `${node.name} was not running`;
  resumePatroniNode(node);
  for (const p of pat) signalProcess(p, 'SIGTERM');
  if (!pat.length && pm !== undefined) signalProcess(pm, 'SIGINT');
  const deadline = Date.now() + timeoutMs;
  const all = [...pat, ...(pm !== undefined ? [pm] : [])];
  if (!(await waitGone(all, deadline))) {
    await killPatroniNode(node, 5000);
    return `${node.name} killed: did not stop within ${timeoutMs} ms`;
  }
  return `${node.name} stopped (Patroni SIGTERM, PostgreSQL fast shutdown)`;
}

/** SIGSTOP of Patroni, the postmaster and every child (a frozen machine). */
export function pausePatroniNode(node: PatroniNodeState): number[] {
  const pat = patroniPids(node);
  const pm = postmasterPid(node);
  if (!pat.length && pm === undefined) throw new Error(`${node.name} is not running`);
  for (const p of pat) signalProcess(p, 'SIGSTOP');
  const pg = pm === undefined ? [] : [pm, ...childrenOf(pm)];
  if (pm !== undefined) signalProcess(pm, 'SIGSTOP');
  for (const p of pg) signalProcess(p, 'SIGSTOP');
  return [...pat, ...pg];
}

/** SIGCONT of the same (harmless on a node that is not paused). */
export function resumePatroniNode(node: PatroniNodeState): number[] {
  const pat = patroniPids(node);
  const pm = postmasterPid(node);
  const pg = pm === undefined ? [] : [pm, ...childrenOf(pm)];
  for (const p of [...pg, ...pat]) signalProcess(p, 'SIGCONT');
  return [...pat, ...pg];
}

function lagBytes(m: PatroniMember): number | undefined {
  return typeof m.lag === 'number' ? m.lag : undefined;
}

/**
 * Planned switchover to `node` (`patronictl switchover --candidate NODE --force`), after waiting for
 * the candidate to run with lag 0 (Patroni refuses a candidate over maximum_lag_on_failover); with no
 * leader at all, `patronictl failover --candidate NODE`. Resolves once `node` answers as primary.
 */
export async function switchoverTo(st: PatroniState, node: PatroniNodeState, timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  let members: PatroniMember[] | undefined;
  for (;;) {
    members = await clusterMembers(st, 1000, node);
    const me = members?.find((m) => m.name === node.name);
    const leader = members?.find((m) => m.role === 'leader');
    // In synchronous_mode Patroni switches over only to a sync standby (else: 412 "candidate name
    // does not match with sync_standby"): a replica that just rejoined is not one yet.
    const syncMode = members?.some((m) => m.role === 'sync_standby') ?? false;
    if (me && (me.role === 'leader' || me.role === 'master')) {
      if ((await inRecovery(st, node, 1000)) === false) return `${node.name} is already the leader`;
    } else if (me && (me.state === 'running' || me.state === 'streaming') && (!leader || (lagBytes(me) === 0 && (!syncMode || me.role === 'sync_standby')))) break;
    if (Date.now() >= deadline) throw new Error(`${node.name} is not a running replica with lag 0${syncMode ? ' and a sync standby' : ''} within ${timeoutMs} ms (/cluster: ${JSON.stringify(members ?? 'no answer')})`);
    await sleep(200);
  }
  const leader = members?.find((m) => m.role === 'leader');
  const args = leader
    ? ['-c', node.configFile, 'switchover', '--leader', leader.name, '--candidate', node.name, '--force']
    : ['-c', node.configFile, 'failover', '--candidate', node.name, '--force'];
  const r = await runCommand(st.patronictl, args, { cwd: st.dir, env: patroniEnv(st), ...ids(st), timeoutMs: Math.max(1000, deadline - Date.now()) });
  if (r.code !== 0 || /failed/i.test(r.output)) throw new Error(`patronictl ${args[2]} to ${node.name} failed: ${tail(r.output, 400).trim().split('\n').slice(-2).join(' / ')}`);
  for (;;) {
    if ((await inRecovery(st, node, 1000)) === false) return `${node.name} promoted by planned ${args[2]}${leader ? ` from ${leader.name}` : ''} in ${Date.now() - t0} ms`;
    if (Date.now() >= deadline) throw new Error(`${node.name} did not become primary within ${timeoutMs} ms after patronictl ${args[2]}`);
    await sleep(100);
  }
}

/** Per member, as GET /cluster reports it: role, state, timeline, lag in bytes. */
export async function patroniLag(st: PatroniState, timeoutMs: number): Promise<string[]> {
  const members = await clusterMembers(st, Math.min(1000, timeoutMs));
  if (!members) throw new Error('no Patroni REST API answers GET /cluster');
  return members.map((m) => `${m.name} ${m.role} ${m.state} timeline=${m.timeline ?? '?'}${m.lag !== undefined ? ` lag=${m.lag}` : ''}`);
}

export function readLogFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Kills every process of the cluster at once (synchronous last resort: the owner exits). */
export function killPatroniClusterSync(st: PatroniState): void {
  for (const n of st.nodes) {
    for (const p of patroniPids(n)) signalProcess(p, 'SIGKILL');
    const pm = postmasterPid(n);
    if (pm !== undefined) {
      signalProcess(pm, 'SIGSTOP');
      for (const p of [pm, ...childrenOf(pm)]) signalProcess(p, 'SIGKILL');
    }
  }
  for (const p of etcdPids(st)) signalProcess(p, 'SIGKILL');
}
