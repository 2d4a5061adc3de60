import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  adminQuery,
  findGaleraNode,
  galeraEnv,
  galeraPrimaries,
  killGaleraNode,
  nodeStatus,
  readGaleraLog,
  serverPid,
  spawnGaleraNode,
  stopGaleraNode,
  writeGaleraState,
  type GaleraNodeState,
  type GaleraState,
} from './_internal/galera-node.js';
import { GaleraRouter, type GaleraRouterEvent } from './_internal/galera-router.js';
import { formatGroups, GROUPS_SYNTAX, parseGroups } from './_internal/pg-links.js';
import { findExecutable, runCommand, signalProcess, tail } from './_internal/proc.js';
import { Registration } from './_internal/reaper-client.js';
import { errorMessage, isRoot, lookupUser, randomPassword } from './_internal/util.js';
import { Resource } from './endpoint.js';
import { findFreePort } from './ports.js';
import { resolveTestbedCli, shellQuote } from './pg-cluster.js';

export type { GaleraRouterEvent } from './_internal/galera-router.js';

/** Options of {@link startGaleraCluster}. */
export interface StartGaleraClusterOptions {
  /** Number of nodes n1, n2, … (default 3; 2 to 5). */
  nodes?: number;
  /** Deadline of the whole start (default 120 000 ms: two rsync SSTs on a loaded machine). */
  startTimeoutMs?: number;
  /**
   * Extra wsrep_provider_options for every node (`key=value;key=value`). Default:
   * {@link DEFAULT_GALERA_PROVIDER_OPTIONS}.
   */
  providerOptions?: string;
  /**
   * Extra wsrep_provider_options per node, e.g. `{ n3: 'pc.ignore_quorum=true' }`: a node that keeps
   * serving without quorum (the split-brain mutant).
   */
  nodeProviderOptions?: Record<string, string>;
  /** Router health-check period (default 200 ms) and per-check deadline (default 800 ms). */
  routerIntervalMs?: number;
  routerCheckTimeoutMs?: number;
}

/**
 * Galera's defaults (evs.suspect_timeout PT5S, inactive PT15S) are kept: on the shared 2-core CI
 * machine (load 20+ while other suites run) shorter timeouts made healthy nodes suspect each other
 * and the cluster split by itself during the rsync SST (measured: "Failed to establish quorum" with
 * PT2S/PT3S). A small gcache keeps each node's footprint down.
 */
export const DEFAULT_GALERA_PROVIDER_OPTIONS = 'gcache.size=32M';

export interface GaleraClusterNode {
  name: string;
  port: number;
  /** Direct connection URL with credentials (bypasses the router). */
  dsn: string;
  /** The node's group-communication address (127.0.0.1x:port). */
  gcomm: string;
  dataDir: string;
  logFile: string;
}

export type GaleraClusterAction = 'kill' | 'start' | 'stop' | 'pause' | 'resume' | 'who-is-primary' | 'partition' | 'heal' | 'status';

/** The topology file the ha-dr suite reads (DIR/topology.json). */
export interface GaleraClusterTopology {
  name: string;
  family: 'mysql';
  clientDsn: string;
  nodes: Array<{ name: string; dsn: string }>;
  replication: 'sync';
  failover: 'automatic';
  actions: Record<'kill' | 'start' | 'stop' | 'pause' | 'resume' | 'who-is-primary' | 'partition' | 'heal', string>;
  /** How long the suite lets an action run: a node's start is a state transfer (SST). */
  actionTimeoutMs: number;
}

export interface GaleraCluster {
  /** The router: new connections go to a node that is ready in the Primary component. */
  clientDsn: string;
  routerPort: number;
  nodes: GaleraClusterNode[];
  user: string;
  password: string;
  database: string;
  version: string;
  stateDir: string;
  statePath: string;
  topologyPath: string;
  topology: GaleraClusterTopology;
  /** How long the start took, per phase (ms): install-db, bootstrap of n1, the joiners' SST. */
  timings: { installMs: number; bootstrapMs: number; joinMs: number; totalMs: number };
  routerTarget(): string | undefined;
  routerEvents(): GaleraRouterEvent[];
  waitForRouterTarget(node: string | undefined, timeoutMs: number): Promise<boolean>;
  nodePid(node: string): number | undefined;
  logs(node: string): string;
  /** Runs an action (same code as the CLI). `node` is the node name, or for `partition` the groups. */
  run(action: GaleraClusterAction, node?: string, timeoutMs?: number): Promise<string>;
  /** Heals, resumes paused nodes, shuts every node down (SIGKILL after the grace), closes the router, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const USER = 'hc';
const DB = 'hc';
const SBIN_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
const PROVIDERS = ['/usr/lib/galera/libgalera_smm.so', '/usr/lib/galera-4/libgalera_smm.so', '/usr/lib64/galera-4/libgalera_smm.so', '/usr/lib64/galera/libgalera_smm.so'];

export const GALERA_ACTION_TIMEOUT_MS: Record<GaleraClusterAction, number> = {
  kill: 10_000,
  start: 120_000,
  stop: 60_000,
  pause: 5_000,
  resume: 5_000,
  'who-is-primary': 5_000,
  partition: 10_000,
  heal: 10_000,
  status: 5_000,
};

/** Where galera-4's provider library is, or undefined when the package is not installed. */
export function findGaleraProvider(): string | undefined {
  return PROVIDERS.find((p) => existsSync(p));
}

/** One line saying why a Galera cluster cannot start here, or undefined when it can. */
export function galeraUnavailable(): string | undefined {
  if (!findExecutable('mariadbd', SBIN_DIRS)) return 'mariadbd not found: apt-get install mariadb-server galera-4 rsync';
  if (!findGaleraProvider()) return 'galera-4 is not installed (no libgalera_smm.so): apt-get install galera-4 rsync';
  if (!findExecutable('rsync', SBIN_DIRS)) return 'rsync not found (needed for the SST): apt-get install rsync';
  if (isRoot() && !lookupUser('mysql')) return 'running as root, but there is no `mysql` user (Galera SST by rsync cannot run as root)';
  return undefined;
}

function dsnFor(password: string, port: number): string {
  return `mysql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB}`;
}

function readState(dir: string): GaleraState {
  return JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as GaleraState;
}

/**
 * partition GROUPS with Galera's own isolation switch (`gmcast.isolate=1`: the node closes every
 * group-communication connection and refuses new ones, the effect of a network cut, without root
 * network tooling): every group but the largest must be a single node, which is isolated. With 3
 * nodes this covers every partition (1|2, 1|1|1). heal sets it back to 0 on every running node.
 */
async function partitionAction(st: GaleraState, spec: string | undefined, ms: number): Promise<string> {
  if (spec === undefined) throw new Error(`partition needs GROUPS: ${GROUPS_SYNTAX}`);
  const groups = parseGroups(spec, st.nodes.map((n) => n.name));
  const largest = groups.reduce((a, b) => (b.length > a.length ? b : a));
  const others = groups.filter((g) => g !== largest);
  const multi = others.find((g) => g.length > 1);
  if (multi) throw new Error(`this Galera cluster isolates single nodes: only the largest group may have several nodes (got ${formatGroups(groups)})`);
  const isolate = others.map((g) => g[0]!);
  await Promise.all(
    st.nodes.map((n) =>
      serverPid(n) === undefined ? undefined : adminQuery(n, [`SET GLOBAL wsrep_provider_options = 'gmcast.isolate=${isolate.includes(n.name) ? 1 : 0}'`], ms),
    ),
  );
  return `partitioned: ${formatGroups(groups)} (isolated: ${isolate.join(', ') || 'none'})`;
}

async function healAction(st: GaleraState, ms: number): Promise<string> {
  const up = st.nodes.filter((n) => serverPid(n) !== undefined);
  await Promise.all(up.map((n) => adminQuery(n, ["SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'"], ms)));
  return `healed: gmcast.isolate=0 on ${up.map((n) => n.name).join(', ') || 'no running node'}`;
}

/** Runs one action on the cluster of `st` (the CLI and {@link GaleraCluster.run} come here). */
export async function runGaleraAction(st: GaleraState, action: GaleraClusterAction, arg: string | undefined, timeoutMs?: number): Promise<string> {
  const ms = timeoutMs ?? GALERA_ACTION_TIMEOUT_MS[action];
  if (!(action in GALERA_ACTION_TIMEOUT_MS)) throw new Error(`unknown action "${String(action)}" for a Galera cluster (one of ${Object.keys(GALERA_ACTION_TIMEOUT_MS).join(', ')})`);
  if (action === 'partition') return partitionAction(st, arg, ms);
  const noArg = action === 'who-is-primary' || action === 'heal' || action === 'status';
  if (noArg && arg) throw new Error(`${action} takes no argument`);
  if (action === 'heal') return healAction(st, ms);
  if (action === 'who-is-primary') return (await galeraPrimaries(st, Math.min(1500, ms))).join('\n');
  if (action === 'status') {
    const lines = await Promise.all(
      st.nodes.map(async (n) => {
        const s = await nodeStatus(n, Math.min(1500, ms));
        return s ? `${n.name}: ${s.clusterStatus}, ${s.localState}, size ${s.clusterSize}, ready ${s.ready ? 'ON' : 'OFF'}` : `${n.name}: down`;
      }),
    );
    return lines.join('\n');
  }
  if (!arg) throw new Error(`${action} needs a node name (${st.nodes.map((n) => n.name).join(', ')})`);
  const n = findGaleraNode(st, arg);
  switch (action) {
    case 'kill':
      return (await killGaleraNode(n, ms)) === 'killed' ? `${n.name} killed (SIGKILL)` : `${n.name} was not running`;
    case 'stop':
      return (await stopGaleraNode(n, ms)) === 'stopped' ? `${n.name} stopped (SIGTERM)` : `${n.name} was not running`;
    case 'pause': {
      const pid = serverPid(n);
      if (pid === undefined) throw new Error(`${n.name} is not running`);
      signalProcess(pid, 'SIGSTOP');
      return `${n.name} paused (SIGSTOP)`;
    }
    case 'resume': {
      const pid = serverPid(n);
      if (pid === undefined) return `${n.name} is not running`;
      signalProcess(pid, 'SIGCONT');
      return `${n.name} resumed (SIGCONT)`;
    }
    case 'start': {
      if (serverPid(n) !== undefined) return `${n.name} is already running`;
      const t0 = Date.now();
      // Rejoins through the running members (IST when their gcache still holds the gap, else rsync SST).
      await spawnGaleraNode(st, n, false, ms);
      const log = readGaleraLog(n);
      const how = /IST received|Receiving IST/.test(log.slice(-20000)) ? 'IST' : 'SST or IST';
      return `${n.name} started and Synced in ${Date.now() - t0} ms (${how})`;
    }
    default:
      throw new Error(`unknown action "${String(action)}"`);
  }
}

export async function runGaleraActionInDir(stateDir: string, action: GaleraClusterAction, node?: string, timeoutMs?: number): Promise<string> {
  return runGaleraAction(readState(stateDir), action, node, timeoutMs);
}

/**
 * Starts a MariaDB Galera cluster of `nodes` nodes (default 3) on loopback: mysql ports on 127.0.0.1,
 * group communication on each node's own address 127.0.0.1x (gcomm port, IST +1, SST +2), run as
 * the `mysql` user when we are root (rsync SST fails as root), n1 bootstrapped with
 * `--wsrep-new-cluster` and the others joining by rsync SST. User `hc` (random password) and
 * database `hc`; a router as {@link GaleraCluster.clientDsn}. Writes `<stateDir>/state.json` and
 * `<stateDir>/topology.json` (`"family": "mysql"`) for `helios-testbed cluster --state DIR`.
 */
export async function startGaleraCluster(opts: StartGaleraClusterOptions = {}): Promise<GaleraCluster> {
  const count = opts.nodes ?? 3;
  if (!Number.isInteger(count) || count < 2 || count > 5) throw new Error(`nodes must be an integer from 2 to 5, not ${String(opts.nodes)}`);
  const why = galeraUnavailable();
  if (why) throw new Error(`cannot start a Galera cluster: ${why}`);
  const mariadbd = findExecutable('mariadbd', SBIN_DIRS)!;
  const installDb = findExecutable('mariadb-install-db', SBIN_DIRS) ?? findExecutable('mysql_install_db', SBIN_DIRS);
  if (!installDb) throw new Error('mariadb-install-db not found: apt-get install mariadb-server');
  const provider = findGaleraProvider()!;
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const t0 = Date.now();
  const until = t0 + timeoutMs;
  const left = () => Math.max(1000, until - Date.now());
  const owner = isRoot() ? lookupUser('mysql') : undefined;

  const res = new Resource('galera-cluster');
  res.stopSignal = 'SIGTERM';
  const registrations = new Map<string, { reg: Registration; pid: number | undefined }>();
  let router: GaleraRouter | undefined;
  let monitor: NodeJS.Timeout | undefined;
  let st: GaleraState | undefined;

  /** Keeps each node's reaper entry on its current mariadbd (the CLI may have restarted it). */
  const track = () => {
    for (const n of st?.nodes ?? []) {
      const pid = serverPid(n);
      let r = registrations.get(n.name);
      if (!r) {
        r = { reg: new Registration('mariadb', 'SIGTERM'), pid: undefined };
        registrations.set(n.name, r);
      }
      if (pid !== undefined && pid !== r.pid) {
        r.pid = pid;
        r.reg.update({ pgid: pid, stopSignal: 'SIGTERM' });
      }
    }
  };
  res.stopExtra = async (graceMs: number) => {
    if (monitor) clearInterval(monitor);
    await router?.close();
    const s = st;
    if (s) {
      for (const n of s.nodes) {
        const pid = serverPid(n);
        if (pid !== undefined) signalProcess(pid, 'SIGCONT');
      }
      await Promise.all(
        s.nodes.map(async (n) => {
          try {
            await stopGaleraNode(n, graceMs);
          } catch {
            await killGaleraNode(n, 5000).catch(() => undefined);
          }
        }),
      );
    }
    for (const r of registrations.values()) r.reg.remove();
    registrations.clear();
  };
  res.killExtraSync = () => {
    if (monitor) clearInterval(monitor);
    for (const n of st?.nodes ?? []) {
      const pid = serverPid(n);
      if (pid !== undefined) signalProcess(pid, 'SIGKILL');
    }
    for (const r of registrations.values()) r.reg.remove();
  };

  let phase = 'mariadb-install-db';
  const timings = { installMs: 0, bootstrapMs: 0, joinMs: 0, totalMs: 0 };
  try {
    const dir = res.makeTempDir();
    // The servers run as mysql: they must traverse the (root-owned) state dir to their own dirs.
    chmodSync(dir, 0o711);
    const password = randomPassword();
    const nodes: GaleraNodeState[] = [];
    for (let i = 1; i <= count; i++) {
      const home = path.join(dir, `n${i}`);
      mkdirSync(home, { mode: 0o700 });
      mkdirSync(path.join(home, 'tmp'), { mode: 0o700 });
      if (owner) {
        chownSync(home, owner.uid, owner.gid);
        chownSync(path.join(home, 'tmp'), owner.uid, owner.gid);
      }
      nodes.push({
        name: `n${i}`,
        port: await findFreePort(),
        ip: `127.0.0.${10 + i}`,
        gcommPort: 0,
        dataDir: path.join(home, 'data'),
        tmpDir: path.join(home, 'tmp'),
        socket: path.join(home, 'mysqld.sock'),
        pidFile: path.join(home, 'mariadbd.pid'),
        logFile: path.join(home, 'error.log'),
      });
    }
    // One gcomm base port for all (each node has its own address); IST and SST use the next two.
    const base = await findFreePort();
    for (const n of nodes) n.gcommPort = base;
    st = {
      version: 1,
      kind: 'galera',
      dir,
      mariadbd,
      provider,
      user: USER,
      password,
      database: DB,
      owner,
      clusterName: `hc-${path.basename(dir).slice(-6)}`,
      providerOptions: opts.providerOptions ?? DEFAULT_GALERA_PROVIDER_OPTIONS,
      nodeProviderOptions: opts.nodeProviderOptions ?? {},
      routerPort: 0,
      nodes,
    };
    for (const k of Object.keys(st.nodeProviderOptions)) findGaleraNode(st, k);
    writeGaleraState(st);
    const s = st;
    const env = galeraEnv(s);
    const ids = owner ? { uid: owner.uid, gid: owner.gid } : {};
    // Every node gets system tables; joiners' are replaced by the SST.
    await Promise.all(
      nodes.map(async (n) => {
        const r = await runCommand(installDb, ['--no-defaults', `--datadir=${n.dataDir}`, `--tmpdir=${n.tmpDir}`, '--auth-root-authentication-method=normal', '--skip-test-db'], {
          cwd: path.dirname(n.dataDir),
          env,
          ...ids,
          timeoutMs: left(),
        });
        if (r.code !== 0) throw new Error(`mariadb-install-db for ${n.name} exited with code ${r.code}: ${tail(r.output, 800)}`);
      }),
    );
    timings.installMs = Date.now() - t0;

    phase = 'bootstrap n1';
    const t1 = Date.now();
    await spawnGaleraNode(s, nodes[0]!, true, left());
    track();
    monitor = setInterval(track, 200);
    monitor.unref();
    const pw = `'${password}'`; // randomPassword(): base64url, nothing to escape
    const verRows = await adminQuery(
      nodes[0]!,
      [
        `CREATE DATABASE ${DB}`,
        `CREATE USER '${USER}'@'127.0.0.1' IDENTIFIED BY ${pw}`,
        `CREATE USER '${USER}'@'localhost' IDENTIFIED BY ${pw}`,
        `GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'127.0.0.1' WITH GRANT OPTION`,
        `GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'localhost' WITH GRANT OPTION`,
        'SELECT VERSION() AS v',
      ],
      10_000,
    );
    const version = String(verRows[0]?.v ?? '');
    timings.bootstrapMs = Date.now() - t1;

    phase = 'joiners (rsync SST)';
    const t2 = Date.now();
    // In parallel (notes-servers.md §6: both joined by rsync SST in 9.6 s on an idle machine).
    await Promise.all(nodes.slice(1).map((n) => spawnGaleraNode(s, n, false, left())));
    track();
    timings.joinMs = Date.now() - t2;

    phase = 'router';
    router = new GaleraRouter(nodes, opts.routerIntervalMs, opts.routerCheckTimeoutMs);
    await router.listen(0);
    st.routerPort = router.port;
    writeGaleraState(st);
    if (!(await router.waitForTarget(undefined, left()))) throw new Error('the router found no node ready in a Primary component');

    const cli = resolveTestbedCli();
    const baseCmd = [process.execPath, cli, 'cluster', '--state', dir].map(shellQuote).join(' ');
    const topology: GaleraClusterTopology = {
      name: `testbed: MariaDB Galera, ${count} nodes (multi-primary, synchronous certification)`,
      family: 'mysql',
      clientDsn: dsnFor(password, router.port),
      nodes: nodes.map((n) => ({ name: n.name, dsn: dsnFor(password, n.port) })),
      replication: 'sync',
      failover: 'automatic',
      actions: {
        kill: `${baseCmd} kill {node}`,
        start: `${baseCmd} start {node}`,
        stop: `${baseCmd} stop {node}`,
        pause: `${baseCmd} pause {node}`,
        resume: `${baseCmd} resume {node}`,
        'who-is-primary': `${baseCmd} who-is-primary`,
        partition: `${baseCmd} partition {groups}`,
        heal: `${baseCmd} heal`,
      },
      // A start is a full state transfer (rsync SST): 12-16 s here, over the suite's default 30 s at
      // load 15. The CLI bounds each action itself (GALERA_ACTION_TIMEOUT_MS, start 120 s).
      actionTimeoutMs: GALERA_ACTION_TIMEOUT_MS.start,
    };
    const topologyPath = path.join(dir, 'topology.json');
    writeFileSync(topologyPath, JSON.stringify(topology, null, 2) + '\n', { mode: 0o600 });
    timings.totalMs = Date.now() - t0;

    const r = router;
    const finalState = st;
    return {
      clientDsn: topology.clientDsn,
      routerPort: r.port,
      nodes: nodes.map((n) => ({ name: n.name, port: n.port, dsn: dsnFor(password, n.port), gcomm: `${n.ip}:${n.gcommPort}`, dataDir: n.dataDir, logFile: n.logFile })),
      user: USER,
      password,
      database: DB,
      version,
      stateDir: dir,
      statePath: path.join(dir, 'state.json'),
      topologyPath,
      topology,
      timings,
      routerTarget: () => r.target,
      routerEvents: () => [...r.events],
      waitForRouterTarget: (node, ms) => r.waitForTarget(node, ms),
      nodePid: (name) => serverPid(findGaleraNode(finalState, name)),
      logs: (name) => readGaleraLog(findGaleraNode(finalState, name)),
      run: async (action, node, ms) => {
        const out = await runGaleraAction(finalState, action, node, ms);
        track();
        return out;
      },
      stop: () => res.release(),
    };
  } catch (err) {
    const logs = st ? st.nodes.map((n) => readGaleraLog(n)).filter((l) => l.trim()).map((l) => tail(l, 1500)).join('\n---\n') : '';
    await res.release(2000).catch(() => undefined);
    throw new Error(`could not start the Galera cluster (${phase}): ${errorMessage(err)}${logs ? `\n--- server logs (tail) ---\n${logs}` : ''}`, { cause: err });
  }
}
