/**
 * The node operations of a MariaDB Galera cluster (see ../galera-cluster.ts), shared by the process
 * that owns the cluster and by `helios-testbed cluster --state DIR <action>` (another process):
 * everything an action needs is in DIR/state.json, and a node's server is found by its pid file,
 * confirmed by the process's working directory (mariadbd chdirs into its datadir), never by a
 * remembered PID.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as Mysql2Module from 'mysql2/promise';
import { cleanEnv, readStat, signalProcess, sleep, tail } from './proc.js';
import { errorMessage } from './util.js';

type Mysql2 = typeof Mysql2Module;
let mysql2: Promise<Mysql2> | undefined;

/** `mysql2/promise`, an optional peer dependency of the testbed (only the Galera cluster needs it). */
export function loadMysql2(): Promise<Mysql2> {
  mysql2 ??= import('mysql2/promise')
    .then((m) => (m as unknown as { default?: Mysql2 }).default ?? (m as unknown as Mysql2))
    .catch((err: unknown) => {
      mysql2 = undefined;
      throw new Error(`the Galera cluster needs the optional peer dependency mysql2 (npm install mysql2): ${errorMessage(err)}`);
    });
  return mysql2;
}

export interface GaleraNodeState {
  name: string;
  /** MySQL port on 127.0.0.1. */
  port: number;
  /**
   * The node's own loopback address for group communication (127.0.0.1x): gcomm, IST and SST
   * listen there, so that each node's traffic is told apart by address.
   */
  ip: string;
  /** gcomm port on {@link ip}; IST uses +1, SST +2. */
  gcommPort: number;
  dataDir: string;
  tmpDir: string;
  socket: string;
  pidFile: string;
  logFile: string;
}

/** DIR/state.json of a Galera cluster (mode 0600: holds the password). */
export interface GaleraState {
  version: 1;
  kind: 'galera';
  dir: string;
  mariadbd: string;
  provider: string;
  user: string;
  password: string;
  database: string;
  /** The OS user the servers run as when the owner is root (mysql). */
  owner?: { uid: number; gid: number; home: string };
  clusterName: string;
  /** wsrep_provider_options every node gets besides its addresses. */
  providerOptions: string;
  /** Extra provider options per node (e.g. pc.ignore_quorum for a mutant). */
  nodeProviderOptions: Record<string, string>;
  routerPort: number;
  nodes: GaleraNodeState[];
}

export function isGaleraState(x: unknown): x is GaleraState {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'galera';
}

export function writeGaleraState(st: GaleraState): void {
  const file = path.join(st.dir, 'state.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(st, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function findGaleraNode(st: GaleraState, name: string): GaleraNodeState {
  const node = st.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`unknown node "${name}" (nodes: ${st.nodes.map((n) => n.name).join(', ')})`);
  return node;
}

/** The gcomm:// address every node is given: all members' gcomm endpoints. */
export function clusterAddress(st: GaleraState): string {
  return `gcomm://${st.nodes.map((n) => `${n.ip}:${n.gcommPort}`).join(',')}`;
}

/** The mariadbd command line of a node (`bootstrap`: it starts a new cluster on its own). */
export function nodeArgs(st: GaleraState, n: GaleraNodeState, bootstrap: boolean): string[] {
  const g = n.gcommPort;
  const provider = [`gmcast.listen_addr=tcp://${n.ip}:${g}`, `ist.recv_addr=${n.ip}:${g + 1}`, `base_port=${g}`, st.providerOptions, st.nodeProviderOptions[n.name]].filter(Boolean).join(';');
  return [
    '--no-defaults',
    `--datadir=${n.dataDir}`,
    `--tmpdir=${n.tmpDir}`,
    `--port=${n.port}`,
    '--bind-address=127.0.0.1',
    `--socket=${n.socket}`,
    `--pid-file=${n.pidFile}`,
    `--log-error=${n.logFile}`,
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=16M',
    '--binlog-format=ROW',
    '--default-storage-engine=InnoDB',
    '--innodb-autoinc-lock-mode=2',
    '--wsrep-on=ON',
    `--wsrep-provider=${st.provider}`,
    `--wsrep-cluster-name=${st.clusterName}`,
    `--wsrep-node-name=${n.name}`,
    `--wsrep-cluster-address=${clusterAddress(st)}`,
    `--wsrep-node-address=${n.ip}:${g}`,
    `--wsrep-provider-options=${provider}`,
    `--wsrep-sst-receive-address=${n.ip}:${g + 2}`,
    '--wsrep-sst-method=rsync',
    ...(bootstrap ? ['--wsrep-new-cluster'] : []),
  ];
}

function live(pid: number): boolean {
  const s = readStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** The PID of the mariadbd serving `n`, or undefined when it is down. */
export function serverPid(n: GaleraNodeState): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(n.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!(pid > 0) || !live(pid)) return undefined;
  try {
    if (readlinkSync(`/proc/${pid}/cwd`) !== realpathSync(n.dataDir)) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

export function readGaleraLog(n: GaleraNodeState): string {
  try {
    return readFileSync(n.logFile, 'utf8');
  } catch {
    return '';
  }
}

/** wsrep status of a node as {@link nodeStatus} reads it. */
export interface WsrepStatus {
  ready: boolean;
  /** Primary / non-Primary / Disconnected. */
  clusterStatus: string;
  clusterSize: number;
  /** Synced, Donor/Desynced, Joining, … */
  localState: string;
}

type Conn = Mysql2Module.Connection;

/** An admin connection to a node: root over its Unix socket (root has no TCP login). */
export async function adminConnect(n: GaleraNodeState, timeoutMs: number): Promise<Conn> {
  const m = await loadMysql2();
  return m.createConnection({ socketPath: n.socket, user: 'root', connectTimeout: timeoutMs });
}

/** `p` within `ms`, else rejects (the operation keeps running; the caller destroys what it opened). */
export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
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

/** Runs statements on a node as root, within `timeoutMs` in all; resolves with the last result's rows. */
export async function adminQuery(n: GaleraNodeState, statements: string[], timeoutMs: number): Promise<Array<Record<string, unknown>>> {
  const opening = adminConnect(n, timeoutMs);
  let conn: Conn | undefined;
  try {
    conn = await deadline(opening, timeoutMs, n.name);
    conn.on('error', () => undefined);
    const c = conn;
    const work = (async () => {
      let rows: unknown = [];
      for (const s of statements) [rows] = await c.query(s);
      return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
    })();
    return await deadline(work, timeoutMs, n.name);
  } finally {
    if (conn) conn.destroy();
    else opening.then((c) => c.destroy(), () => undefined);
  }
}

export const WSREP_STATUS_SQL =
  "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_cluster_size', 'wsrep_local_state_comment')";

export function parseWsrep(rows: Array<Record<string, unknown>>): WsrepStatus {
  const m = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
  return {
    ready: m.get('wsrep_ready') === 'ON',
    clusterStatus: m.get('wsrep_cluster_status') ?? 'unknown',
    clusterSize: Number(m.get('wsrep_cluster_size') ?? 0),
    localState: m.get('wsrep_local_state_comment') ?? 'unknown',
  };
}

/** The wsrep status of a node, or undefined when it does not answer within `timeoutMs`. */
export async function nodeStatus(n: GaleraNodeState, timeoutMs = 1000): Promise<WsrepStatus | undefined> {
  if (serverPid(n) === undefined) return undefined;
  try {
    return parseWsrep(await adminQuery(n, [WSREP_STATUS_SQL], timeoutMs));
  } catch {
    return undefined;
  }
}

/** Nodes in the Primary component and ready for clients (checked in parallel). */
export async function galeraPrimaries(st: GaleraState, timeoutMs = 1000): Promise<string[]> {
  const r = await Promise.all(st.nodes.map(async (n) => ((s) => (s?.ready && s.clusterStatus === 'Primary' ? n.name : undefined))(await nodeStatus(n, timeoutMs))));
  return r.filter((x): x is string => x !== undefined);
}

function ids(st: GaleraState): { uid?: number; gid?: number } {
  return st.owner ? { uid: st.owner.uid, gid: st.owner.gid } : {};
}

export function galeraEnv(st: GaleraState): NodeJS.ProcessEnv {
  // The SST script (wsrep_sst_rsync) needs the system PATH (rsync, sbin tools).
  return cleanEnv({ ...(st.owner ? { HOME: st.owner.home, USER: 'mysql', LOGNAME: 'mysql' } : {}), PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' });
}

/**
 * Starts a node's mariadbd detached (own process group, output appended to its log) so it outlives
 * the process that started it; resolves once it is Synced in a Primary component (a joiner first
 * receives the state by IST or rsync SST).
 */
export async function spawnGaleraNode(st: GaleraState, n: GaleraNodeState, bootstrap: boolean, timeoutMs: number): Promise<number> {
  const fd = openSync(n.logFile, 'a', 0o600);
  let exited = false;
  let pid: number | undefined;
  try {
    const child = spawn(st.mariadbd, nodeArgs(st, n, bootstrap), { cwd: st.dir, env: galeraEnv(st), ...ids(st), detached: true, stdio: ['ignore', fd, fd] });
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  if (pid === undefined) throw new Error(`${n.name}: could not spawn mariadbd`);
  await waitSynced(n, Date.now() + timeoutMs, () => exited);
  return pid;
}

/** Polls until the node is Synced, ready, in a Primary component. */
export async function waitSynced(n: GaleraNodeState, until: number, exited: () => boolean = () => false): Promise<WsrepStatus> {
  let last = 'no answer yet';
  for (;;) {
    if (exited()) throw new Error(`${n.name}: mariadbd exited during startup; last log lines:\n${tail(readGaleraLog(n), 1500)}`);
    try {
      const s = parseWsrep(await adminQuery(n, [WSREP_STATUS_SQL], 2000));
      last = `${s.clusterStatus}, ${s.localState}, size ${s.clusterSize}, ready ${s.ready ? 'ON' : 'OFF'}`;
      if (s.ready && s.clusterStatus === 'Primary' && s.localState === 'Synced') return s;
    } catch (err) {
      last = errorMessage(err).split('\n')[0]!;
    }
    if (Date.now() >= until) throw new Error(`${n.name} not Synced in a Primary component in time (last: ${last})`);
    await sleep(100);
  }
}

async function waitGone(pid: number, until: number): Promise<boolean> {
  for (;;) {
    if (!live(pid)) return true;
    if (Date.now() >= until) return false;
    await sleep(20);
  }
}

/** Child processes of `pid` (SST scripts and their rsync). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  const byParent = new Map<number, number[]>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = readStat(Number(e));
    if (!s || s.state === 'Z') continue;
    const l = byParent.get(s.ppid) ?? [];
    l.push(s.pid);
    byParent.set(s.ppid, l);
  }
  const todo = [pid];
  while (todo.length) {
    for (const c of byParent.get(todo.pop()!) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/** SIGKILL of the node's mariadbd (and any SST helper it runs): a crash. */
export async function killGaleraNode(n: GaleraNodeState, timeoutMs: number): Promise<'killed' | 'not running'> {
  const pid = serverPid(n);
  if (pid === undefined) return 'not running';
  signalProcess(pid, 'SIGSTOP');
  const all = [pid, ...descendants(pid)];
  for (const p of all) signalProcess(p, 'SIGKILL');
  if (!(await waitGone(pid, Date.now() + timeoutMs))) throw new Error(`${n.name}: mariadbd ${pid} still alive after SIGKILL`);
  return 'killed';
}

/** Clean shutdown (SIGTERM; a paused node is resumed first). */
export async function stopGaleraNode(n: GaleraNodeState, timeoutMs: number): Promise<'stopped' | 'not running'> {
  const pid = serverPid(n);
  if (pid === undefined) return 'not running';
  signalProcess(pid, 'SIGCONT');
  signalProcess(pid, 'SIGTERM');
  if (!(await waitGone(pid, Date.now() + timeoutMs))) throw new Error(`${n.name}: still running ${timeoutMs} ms after SIGTERM`);
  return 'stopped';
}
