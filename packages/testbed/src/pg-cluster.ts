import { appendFileSync, chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  baseBackup,
  childrenOf,
  chownIfOwner,
  findNode,
  killNode,
  nodeSession,
  pauseNode,
  postmasterPid,
  promoteNode,
  quoteConf,
  readState,
  readLog,
  replicationLag,
  resumeNode,
  runPg,
  spawnNode,
  startNode,
  stopNode,
  whoIsPrimary,
  writeState,
  type ClusterState,
  type NodeState,
  type ReplicationMode,
} from './_internal/pg-cluster-node.js';
import { fillDisk, freeDisk, skewClock, unmountAllSync } from './_internal/pg-chaos.js';
import { findLibfaketime } from './_internal/pg-skew.js';
import { controlRequest, GROUPS_SYNTAX, LinkSet, parseGroups } from './_internal/pg-links.js';
import { PgRouter, type RouterEvent } from './_internal/pg-router.js';
import { sleep, signalProcess, tail } from './_internal/proc.js';
import { Registration } from './_internal/reaper-client.js';
import { chownRecursive, errorMessage, isRoot, lookupUser, randomPassword } from './_internal/util.js';
import { Resource } from './endpoint.js';
import { findFreePort } from './ports.js';
import { resolvePgBinDir } from './postgres.js';
import { corruptData } from './_internal/pg-corrupt.js';
import { BACKUP_ACTION_TIMEOUT_MS, BACKUP_ACTIONS_WITH_ARG, createStanza, isBackupAction, killRestoresSync, preparePgbackrest, restoreNodes, runBackupAction, stopRestores, type BackupAction } from './pgbackrest.js';

export type { ReplicationMode } from './_internal/pg-cluster-node.js';

/** Options of {@link startPgCluster}. */
export interface StartPgClusterOptions {
  /** Number of standbys streaming from the primary n1 (default 2: nodes n2, n3). */
  standbys?: number;
  /** `async` (default) or `sync`: `synchronous_standby_names = 'ANY 1 (n1, n2, …)'` (every node, so it holds after a failover). */
  replication?: ReplicationMode;
  /** Overrides synchronous_standby_names in `sync` mode, e.g. `FIRST 1 (n2, n3)`. */
  synchronousStandbyNames?: string;
  /** archive_mode = on, archive_command copying each WAL segment into `<stateDir>/archive` (for PITR). */
  archive?: boolean;
  /**
   * `pgbackrest`: data checksums (initdb -k), a pgBackRest stanza with its repository in the state dir,
   * archive_command = pgbackrest archive-push, and the backup actions (see ./pgbackrest.ts). Needs
   * Debian's pgbackrest; replaces `archive`.
   */
  backup?: 'pgbackrest';
  /**
   * With `backup`: how many pgBackRest repositories (default 1). Each further one (repo2, …) is a
   * directory of its own in the state dir standing for another region: archive-push sends every WAL
   * segment to each, `backup KIND REPO` / `restore TARGET REPO` pick one, `wal-archived REPO SEGMENT`
   * waits for a segment to reach one, and the topology lists them in `repos`.
   */
  backupRepos?: number;
  /** Directory with `initdb` and `postgres` (see {@link StartPostgresOptions.binDir}). */
  binDir?: string;
  /** Deadline of the whole start (default 60 000 ms). */
  startTimeoutMs?: number;
  /** Extra postgresql.conf settings for every node. */
  extraConf?: Record<string, string | number | boolean>;
  /** Router health-check period (default 200 ms) and per-check deadline (default 500 ms). */
  routerIntervalMs?: number;
  routerCheckTimeoutMs?: number;
}

/** One node of a {@link PgCluster}. */
export interface PgClusterNode {
  /** `n1` (the initial primary), `n2`, `n3`, … */
  name: string;
  port: number;
  /** Direct connection URL with credentials (bypasses the router). */
  dsn: string;
  dataDir: string;
  /** The server's log file (appended across restarts). */
  logFile: string;
}

/** The actions of a cluster, as `helios-testbed cluster --state DIR <action>` also runs them. */
export type PgClusterAction = 'kill' | 'start' | 'stop' | 'pause' | 'resume' | 'promote' | 'who-is-primary' | 'lag' | 'partition' | 'heal' | 'corrupt-data' | ChaosAction | Exclude<BackupAction, 'wal-archived'>;
/** `wal-archived REPO SEGMENT` (backupRepos > 1): kept out of PgClusterAction, which other clusters' action sets are derived from. */
export type PgClusterRepoAction = 'wal-archived';

/** Chaos actions (./_internal/pg-chaos.ts): `skew-clock NODE SECONDS` (libfaketime), `fill-disk NODE` / `free-disk NODE` (root: a tmpfs). */
export type ChaosAction = 'skew-clock' | 'fill-disk' | 'free-disk';

/** The topology file the ha-dr suite reads (DIR/topology.json). */
export interface PgClusterTopology {
  name: string;
  family: 'postgres';
  clientDsn: string;
  nodes: Array<{ name: string; dsn: string }>;
  replication: ReplicationMode;
  /** With several pgBackRest repositories: their names as the {repo} placeholder takes them ('1', '2', …). */
  repos?: string[];
  actions: Record<'kill' | 'start' | 'stop' | 'pause' | 'resume' | 'promote' | 'who-is-primary' | 'partition' | 'heal', string> & Partial<Record<BackupAction | ChaosAction | 'corrupt-data', string>>;
}

/** A running PostgreSQL 15 streaming-replication cluster with its router. */
export interface PgCluster {
  /** The router's URL: new connections go to whichever node answers pg_is_in_recovery() = false. */
  clientDsn: string;
  routerPort: number;
  nodes: PgClusterNode[];
  replication: ReplicationMode;
  user: string;
  password: string;
  database: string;
  /** `SELECT version()` of the primary. */
  version: string;
  /** The `hc-testbed-pg-cluster-*` directory: node data dirs, logs, state.json, topology.json; removed by stop(). */
  stateDir: string;
  statePath: string;
  topologyPath: string;
  topology: PgClusterTopology;
  /** `<stateDir>/archive` when started with `archive: true`. */
  archiveDir?: string;
  /** The node the router currently sends new connections to (undefined: none is primary). */
  routerTarget(): string | undefined;
  /** Every change of the router's target, with its time (ms since epoch). */
  routerEvents(): RouterEvent[];
  /** Resolves true once the router sends new connections to `node` (any node when undefined). */
  waitForRouterTarget(node: string | undefined, timeoutMs: number): Promise<boolean>;
  /** Open client connections the router holds per node. */
  routerConnections(): Record<string, number>;
  /** The PID of a node's postmaster, or undefined when it is down. */
  nodePid(node: string): number | undefined;
  /** A node's server log so far. */
  logs(node: string): string;
  /**
   * Runs an action (same code as the CLI); resolves with its output line(s). `node` is the node name,
   * or for `partition` the groups: `'n1|n2,n3'`; `arg` is the SECONDS of `skew-clock`.
   */
  run(action: PgClusterAction, node?: string, timeoutMs?: number, arg?: string): Promise<string>;
  /** The current partition as groups of node names (undefined: every replication link is up). */
  partition(): string[][] | undefined;
  /** Heals any partition, releases sync-rep waiters, resumes paused nodes, fast-shuts every node down (SIGKILL after ~5 s), closes the router, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const USER = 'hc';
const DB = 'hc';

/** Default deadline of each action, in ms. */
export const ACTION_TIMEOUT_MS: Record<PgClusterAction | PgClusterRepoAction, number> = {
  kill: 10_000,
  start: 60_000,
  stop: 30_000,
  pause: 5_000,
  resume: 5_000,
  promote: 30_000,
  'who-is-primary': 5_000,
  lag: 5_000,
  partition: 5_000,
  heal: 5_000,
  'corrupt-data': 60_000,
  'skew-clock': 60_000,
  'fill-disk': 60_000,
  'free-disk': 60_000,
  ...BACKUP_ACTION_TIMEOUT_MS,
};

/** POSIX shell quoting of one word. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Path of the built `dist/cli.js` (also when this module runs from `src/` under vitest). */
export function resolveTestbedCli(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'cli.js'), path.join(here, '..', 'dist', 'cli.js')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('dist/cli.js not found: build the package first (npm run build -w @helios-conformance/testbed)');
  return found;
}

/**
 * Runs one action against the cluster described by `st` (the CLI and {@link PgCluster.run} both
 * come here). Resolves with the lines to print; rejects with one line on failure.
 */
export async function runClusterAction(st: ClusterState, action: PgClusterAction | PgClusterRepoAction, nodeName: string | undefined, timeoutMs?: number, arg?: string): Promise<string> {
  const ms = timeoutMs ?? ACTION_TIMEOUT_MS[action];
  // Only skew-clock (SECONDS), corrupt-data (TABLE), backup/restore (REPO) and wal-archived (SEGMENT) take a second argument.
  if (arg !== undefined && action !== 'skew-clock' && action !== 'corrupt-data' && !BACKUP_ACTIONS_WITH_ARG.includes(action)) throw new Error(`${action} takes one argument at most`);
  if (action === 'partition' || action === 'heal') return linkAction(st, action, nodeName, ms);
  // The argument is a kind, a target or a DSN, not a node; pgbackrest locks the stanza itself.
  if (isBackupAction(action)) return runBackupAction(st, action, nodeName, ms, arg);
  const needsNode = action !== 'who-is-primary' && action !== 'lag';
  if (needsNode && !nodeName) throw new Error(`${action} needs a node name (${st.nodes.map((n) => n.name).join(', ')})`);
  if (!needsNode && nodeName) throw new Error(`${action} takes no node name`);
  const node = needsNode ? findNode(st, nodeName!) : undefined;
  const deadline = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${action}${node ? ' ' + node.name : ''} did not finish within ${ms} ms`)), ms);
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
  if (!node) return runUnlocked(st, action, undefined, ms, deadline);
  // Two actions on one node at once (a heal in a finally racing a fault) would interleave their steps.
  const unlock = await lockNode(st, node.name, Date.now() + ms);
  try {
    if (action === 'corrupt-data') return await deadline(corruptData(st, node, arg, ms));
    return await runUnlocked(st, action, node, ms, deadline, arg);
  } finally {
    unlock();
  }
}

/** partition/heal: the owner process holds the link proxies; ask it through its control port. */
async function linkAction(st: ClusterState, action: 'partition' | 'heal', groups: string | undefined, ms: number): Promise<string> {
  if (action === 'heal' && groups !== undefined) throw new Error('heal takes no argument');
  if (action === 'partition') {
    if (groups === undefined) throw new Error(`partition needs GROUPS: ${GROUPS_SYNTAX}`);
    // Checked here too, so that a typo fails the same way whether or not the owner still runs.
    parseGroups(groups, st.nodes.map((n) => n.name));
  }
  if (!st.control) throw new Error('state.json names no control port of the owner process');
  return controlRequest(st.control, action, groups, ms);
}

/**
 * An exclusive lock file per node (`<dir>/lock-<node>`, holding the holder's PID), so that actions on
 * one node run one after the other, across processes. A lock whose holder died is taken over.
 */
async function lockNode(st: ClusterState, name: string, deadline: number): Promise<() => void> {
  const file = path.join(st.dir, `lock-${name}`);
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(file, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    let holderAlive = holder > 0;
    if (holderAlive) {
      try {
        process.kill(holder, 0);
      } catch (e) {
        holderAlive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!holderAlive) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new Error(`another action on ${name} is still running (pid ${holder})`);
    await sleep(50);
  }
}

async function runUnlocked(
  st: ClusterState,
  action: PgClusterAction,
  node: NodeState | undefined,
  ms: number,
  deadline: <T>(p: Promise<T>) => Promise<T>,
  arg?: string,
): Promise<string> {
  switch (action) {
    case 'skew-clock':
      return deadline(skewClock(st, node!, arg, ms));
    case 'fill-disk':
      return deadline(fillDisk(st, node!, ms));
    case 'free-disk':
      return deadline(freeDisk(st, node!, ms));
    case 'kill':
      return deadline(killNode(node!, ms).then((r) => (r === 'killed' ? `${node!.name} killed (SIGKILL)` : `${node!.name} was not running`)));
    case 'stop':
      return deadline(stopNode(node!, ms).then((r) => (r === 'stopped' ? `${node!.name} stopped (fast shutdown)` : `${node!.name} was not running`)));
    case 'start':
      return deadline(startNode(st, node!, ms));
    case 'pause':
      return `${node!.name} paused (SIGSTOP to ${pauseNode(node!).length} processes)`;
    case 'resume': {
      const pids = resumeNode(node!);
      return pids.length ? `${node!.name} resumed (SIGCONT to ${pids.length} processes)` : `${node!.name} is not running`;
    }
    case 'promote':
      return deadline(promoteNode(st, node!, ms));
    case 'who-is-primary': {
      const names = await deadline(whoIsPrimary(st, Math.min(1000, ms)));
      return names.join('\n');
    }
    case 'lag':
      return (await deadline(replicationLag(st, ms))).join('\n');
    default:
      throw new Error(`unknown action "${String(action)}"`);
  }
}

/** {@link runClusterAction} on the cluster whose state.json is in `stateDir` (any process). */
export async function runClusterActionInDir(stateDir: string, action: PgClusterAction, node?: string, timeoutMs?: number, arg?: string): Promise<string> {
  return runClusterAction(readState(stateDir), action, node, timeoutMs, arg);
}

function dsnFor(password: string, port: number): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB}`;
}

/**
 * Starts a PostgreSQL 15 streaming-replication cluster on loopback: primary `n1` (initdb, SCRAM user
 * `hc` with a random password, database `hc`, no TLS) and `standbys` standbys `n2`, `n3`, … made with
 * pg_basebackup and streaming from it (each one's application_name is its node name), plus a router
 * (see {@link PgCluster.clientDsn}). Writes `<stateDir>/state.json` (what the CLI actions need, mode
 * 0600) and `<stateDir>/topology.json` (for the ha-dr suite). As root, the servers run as the
 * `postgres` user. Every process is registered with the reaper; `stop()` ends them all.
 */
export async function startPgCluster(opts: StartPgClusterOptions = {}): Promise<PgCluster> {
  const standbys = opts.standbys ?? 2;
  if (!Number.isInteger(standbys) || standbys < 0 || standbys > 8) throw new Error(`standbys must be an integer from 0 to 8, not ${String(opts.standbys)}`);
  const replication = opts.replication ?? 'async';
  if (replication !== 'async' && replication !== 'sync') throw new Error(`replication must be async or sync, not ${String(replication)}`);
  if (replication === 'sync' && standbys === 0 && !opts.synchronousStandbyNames) throw new Error('sync replication needs at least one standby');
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1000, deadline - Date.now());
  const binDir = await resolvePgBinDir(opts.binDir);
  let owner: { uid: number; gid: number; home: string } | undefined;
  if (isRoot()) {
    owner = lookupUser('postgres');
    if (!owner) throw new Error('running as root, but /etc/passwd has no `postgres` user; PostgreSQL refuses to run as root: create one or run as a non-root user');
  }

  const res = new Resource('pg-cluster');
  res.stopSignal = 'SIGINT';
  const registrations = new Map<string, { reg: Registration; pid: number | undefined }>();
  let router: PgRouter | undefined;
  let links: LinkSet | undefined;
  let monitor: NodeJS.Timeout | undefined;
  let st: ClusterState | undefined;

  /** Keeps each node's reaper entry on its current postmaster (the CLI may have restarted it). */
  const track = () => {
    if (!st) return;
    // Restored servers (started by the CLI's restore action) die with the owner too.
    for (const n of st.backup ? [...st.nodes, ...restoreNodes(st)] : st.nodes) {
      const pid = postmasterPid(n);
      let r = registrations.get(n.name);
      if (!r) {
        r = { reg: new Registration('postgres', 'SIGINT'), pid: undefined };
        registrations.set(n.name, r);
      }
      if (pid !== undefined && pid !== r.pid) {
        r.pid = pid;
        r.reg.update({ pgid: pid, stopSignal: 'SIGINT' });
      }
    }
  };

  const stopAllNodes = async (graceMs: number) => {
    if (monitor) clearInterval(monitor);
    // Healed first: a standby can then catch up while the nodes shut down, nothing waits on a cut link.
    links?.heal();
    const s = st;
    if (s) {
      for (const n of s.nodes) resumeNode(n);
      // Sync-rep waiters ignore statement_timeout and hang forever without a standby: release them first.
      await Promise.all(
        s.nodes
          .filter((n) => postmasterPid(n) !== undefined)
          .map(async (n) => {
            const session = await nodeSession(s, n, 1000).catch(() => undefined);
            if (!session) return;
            try {
              const rec = (await session.query('SELECT pg_is_in_recovery()'))[0]?.[0];
              if (rec === 'f' || rec === 'false') {
                await session.query("ALTER SYSTEM SET synchronous_standby_names = ''");
                await session.query('SELECT pg_reload_conf()');
                await session.query("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
              }
            } catch {
              // the fast shutdown below terminates them anyway
            } finally {
              session.close();
            }
          }),
      );
      await stopRestores(s, graceMs);
      await Promise.all(
        s.nodes.map(async (n) => {
          try {
            await stopNode(n, graceMs);
          } catch {
            await killNode(n, 5000).catch(() => undefined);
          }
        }),
      );
    }
    // fill-disk's tmpfs mounts: the directory cannot be removed while they are mounted.
    if (s) unmountAllSync(s.dir);
    await router?.close();
    await links?.close();
    for (const r of registrations.values()) r.reg.remove();
    registrations.clear();
  };
  res.stopExtra = stopAllNodes;
  res.killExtraSync = () => {
    if (monitor) clearInterval(monitor);
    links?.closeSync();
    if (st) killRestoresSync(st);
    for (const n of st?.nodes ?? []) {
      const pid = postmasterPid(n);
      if (pid === undefined) continue;
      signalProcess(pid, 'SIGSTOP');
      for (const p of [pid, ...childrenOf(pid)]) {
        signalProcess(p, 'SIGKILL');
      }
    }
    if (st) unmountAllSync(st.dir);
    for (const r of registrations.values()) r.reg.remove();
  };

  let phase = 'initdb';
  try {
    const dir = res.makeTempDir();
    chmodSync(dir, 0o700);
    const password = randomPassword();
    const passfile = path.join(dir, 'pgpass');
    writeFileSync(passfile, `127.0.0.1:*:*:${USER}:${password}\n`, { mode: 0o600 });
    const archiveDir = opts.archive && !opts.backup ? path.join(dir, 'archive') : undefined;
    if (archiveDir) mkdirSync(archiveDir, { mode: 0o700 });
    const nodes: NodeState[] = [];
    for (let i = 1; i <= standbys + 1; i++) nodes.push({ name: `n${i}`, port: await findFreePort(), dataDir: path.join(dir, `n${i}`), logFile: path.join(dir, `n${i}.log`) });
    const routerPort = await findFreePort();
    st = { version: 1, dir, binDir, user: USER, password, database: DB, owner, replication, passfile, archiveDir, routerPort, nodes, links: {} };
    if (opts.backup !== undefined && opts.backup !== 'pgbackrest') throw new Error(`backup must be pgbackrest, not ${String(opts.backup)}`);
    if (opts.backupRepos !== undefined && !opts.backup) throw new Error('backupRepos needs backup: "pgbackrest"');
    const backrest = opts.backup ? preparePgbackrest(st, opts.backupRepos ?? 1) : undefined;
    if (backrest) st.backup = backrest.backup;
    // The replication link proxies exist before the first standby: its pg_basebackup goes through one.
    const s0 = st;
    links = new LinkSet(
      nodes.map((n) => n.name),
      (name) => findNode(s0, name).port,
    );
    st.links = await links.listen();
    const token = randomPassword();
    st.control = { port: await links.listenControl(token), token };
    if (owner) chownRecursive(dir, owner.uid, owner.gid);
    const primary = nodes[0]!;

    const pwfile = path.join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    chownIfOwner(st, pwfile);
    // Data checksums with backups: pgbackrest then checks every page it copies.
    const checksums = opts.backup ? ['--data-checksums'] : [];
    let init = await runPg(st, 'initdb', ['-D', primary.dataDir, '-U', USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions', ...checksums], left());
    if (init.code !== 0 && /locale/i.test(init.output)) {
      rmSync(primary.dataDir, { recursive: true, force: true });
      init = await runPg(st, 'initdb', ['-D', primary.dataDir, '-U', USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions', ...checksums], left());
    }
    unlinkSync(pwfile);
    if (init.code !== 0) throw new Error(`initdb failed:\n${tail(init.output)}`);

    phase = 'configuration';
    const names = nodes.map((n) => n.name);
    const conf: Record<string, string | number | boolean> = {
      wal_level: 'replica',
      max_wal_senders: 16,
      wal_keep_size: '256MB',
      hot_standby: 'on',
      // pg_rewind of a crashed old primary needs hint-bit changes in WAL.
      wal_log_hints: 'on',
      // Faults are detected in seconds, not the default minute; a standby retries a lost primary every 200 ms.
      wal_sender_timeout: '2s',
      wal_receiver_timeout: '2s',
      wal_receiver_status_interval: '1s',
      wal_retrieve_retry_interval: '200ms',
      ...(replication === 'sync' ? { synchronous_standby_names: opts.synchronousStandbyNames ?? `ANY 1 (${names.join(', ')})`, synchronous_commit: 'on' } : {}),
      ...(archiveDir ? { archive_mode: 'on', archive_command: `test ! -f ${shellQuote(archiveDir + '/')}%f && cp %p ${shellQuote(archiveDir + '/')}%f`, archive_timeout: 0 } : {}),
      ...backrest?.conf,
      ...opts.extraConf,
    };
    const lines = ['', '# --- helios-testbed pg-cluster ---'];
    for (const [k, v] of Object.entries(conf)) {
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(k)) throw new Error(`invalid configuration parameter name ${JSON.stringify(k)}`);
      lines.push(`${k} = ${quoteConf(v)}`);
    }
    appendFileSync(path.join(primary.dataDir, 'postgresql.conf'), lines.join('\n') + '\n');
    const hba = [
      '# helios-testbed pg-cluster: password authentication everywhere, loopback only',
      'local   all          all                 scram-sha-256',
      'host    all          all   127.0.0.1/32  scram-sha-256',
      'host    replication  all   127.0.0.1/32  scram-sha-256',
      '',
    ].join('\n');
    writeFileSync(path.join(primary.dataDir, 'pg_hba.conf'), hba, { mode: 0o600 });
    chownIfOwner(st, path.join(primary.dataDir, 'pg_hba.conf'));
    writeState(st);

    /** findFreePort() is racy: another process may bind the port first; then another port. */
    const spawnAnyPort = async (s: ClusterState, n: NodeState): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        const from = readLog(n).length;
        try {
          await spawnNode(s, n, left());
          return;
        } catch (err) {
          if (attempt >= 3 || !/could not bind|address already in use/i.test(readLog(n).slice(from) + String((err as Error)?.message ?? err))) throw err;
          // Not a port a sibling node was given (siblings start side by side and may not listen yet).
          do n.port = await findFreePort();
          while (s.nodes.some((o) => o !== n && o.port === n.port));
          writeState(s);
        }
      }
    };

    phase = 'start n1';
    await spawnAnyPort(st, primary);
    track();
    const boot = await nodeSession(st, primary, 5000);
    let version: string;
    try {
      // In sync mode no standby exists yet to confirm this commit.
      await boot.query('SET synchronous_commit = local');
      await boot.query(`CREATE DATABASE ${DB}`);
      version = (await boot.query('SELECT version()'))[0]?.[0] ?? '';
    } finally {
      boot.close();
    }

    if (backrest) {
      phase = 'pgbackrest stanza';
      await createStanza(st, primary, left());
    }

    phase = 'standbys';
    const s = st;
    await Promise.all(
      nodes.slice(1).map(async (n) => {
        await baseBackup(s, n, primary, left());
        await spawnAnyPort(s, n);
      }),
    );
    track();
    monitor = setInterval(track, 200);
    monitor.unref();

    phase = 'replication';
    await waitStreaming(st, primary, nodes.slice(1).map((n) => n.name), deadline);

    phase = 'router';
    router = new PgRouter(nodes, { user: USER, password, intervalMs: opts.routerIntervalMs, checkTimeoutMs: opts.routerCheckTimeoutMs });
    await router.listen(routerPort).catch(async () => {
      // the port was taken since it was chosen: any free one
      await router!.listen(0);
    });
    st.routerPort = router.port;
    writeState(st);
    if (!(await router.waitForTarget(primary.name, left()))) throw new Error('the router did not find the primary n1');

    const cli = resolveTestbedCli();
    const base = [process.execPath, cli, 'cluster', '--state', dir].map(shellQuote).join(' ');
    const topology: PgClusterTopology = {
      name: `testbed: PostgreSQL 15 streaming replication, 1 primary + ${standbys} ${standbys === 1 ? 'standby' : 'standbys'} (${replication})`,
      family: 'postgres',
      clientDsn: dsnFor(password, router.port),
      nodes: nodes.map((n) => ({ name: n.name, dsn: dsnFor(password, n.port) })),
      replication,
      ...(backrest && (backrest.backup.repos?.length ?? 1) > 1 ? { repos: backrest.backup.repos!.map((_, i) => String(i + 1)) } : {}),
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
        ...(backrest
          ? {
              // {repo} is empty for the default repository (repo1): the CLI then passes no --repo.
              backup: (backrest.backup.repos?.length ?? 1) > 1 ? `${base} backup {kind} {repo}` : `${base} backup {kind}`,
              'verify-backup': `${base} verify-backup`,
              restore: (backrest.backup.repos?.length ?? 1) > 1 ? `${base} restore {target} {repo}` : `${base} restore {target}`,
              ...((backrest.backup.repos?.length ?? 1) > 1 ? { 'wal-archived': `${base} wal-archived {repo} {segment}` } : {}),
              'drop-restore': `${base} drop-restore {dsn}`,
              'corrupt-backup': `${base} corrupt-backup`,
              // Data checksums come with backup: only then can a flipped page be detected.
              'corrupt-data': `${base} corrupt-data {node} {table}`,
            }
          : {}),
        // Chaos: clock skew where libfaketime is installed, a full disk where a tmpfs can be mounted (root).
        ...(findLibfaketime() ? { 'skew-clock': `${base} skew-clock {node} {seconds}` } : {}),
        ...(isRoot() ? { 'fill-disk': `${base} fill-disk {node}`, 'free-disk': `${base} free-disk {node}` } : {}),
      },
    };
    const topologyPath = path.join(dir, 'topology.json');
    writeFileSync(topologyPath, JSON.stringify(topology, null, 2) + '\n', { mode: 0o600 });

    const finalState = st;
    const r = router;
    const l = links;
    const cluster: PgCluster = {
      clientDsn: topology.clientDsn,
      routerPort: r.port,
      nodes: nodes.map((n) => ({ name: n.name, port: n.port, dsn: dsnFor(password, n.port), dataDir: n.dataDir, logFile: n.logFile })),
      replication,
      user: USER,
      password,
      database: DB,
      version,
      stateDir: dir,
      statePath: path.join(dir, 'state.json'),
      topologyPath,
      topology,
      archiveDir,
      routerTarget: () => r.target,
      routerEvents: () => [...r.events],
      waitForRouterTarget: (node, ms) => r.waitForTarget(node, ms),
      routerConnections: () => r.connections(),
      nodePid: (name) => postmasterPid(findNode(finalState, name)),
      logs: (name) => readLog(findNode(finalState, name)),
      partition: () => l.current()?.map((g) => [...g]),
      run: async (action, node, ms, arg) => {
        const out = await runClusterAction(finalState, action, node, ms, arg);
        track();
        return out;
      },
      stop: () => res.release(),
    };
    return cluster;
  } catch (err) {
    const logs = st ? st.nodes.map((n) => readLog(n)).filter((l) => l.trim()).map((l) => tail(l, 1500)).join('\n---\n') : '';
    await res.release(2000).catch(() => undefined);
    throw new Error(`could not start the PostgreSQL cluster (${phase}): ${errorMessage(err)}${logs ? `\n--- server logs (tail) ---\n${logs}` : ''}`, { cause: err });
  }
}

/** Waits until every standby streams from the primary (and, in sync mode, one is sync/quorum). */
async function waitStreaming(st: ClusterState, primary: NodeState, standbys: string[], deadline: number): Promise<void> {
  if (standbys.length === 0) return;
  let seen = '';
  for (;;) {
    const s = await nodeSession(st, primary, 2000);
    try {
      const rows = await s.query(`SELECT application_name, state, sync_state FROM pg_stat_replication`);
      seen = rows.map((r) => `${r[0]}:${r[1]}:${r[2]}`).join(' ');
      const streaming = new Set(rows.filter((r) => r[1] === 'streaming').map((r) => r[0]));
      const syncOk = st.replication !== 'sync' || rows.some((r) => r[2] === 'sync' || r[2] === 'quorum');
      if (standbys.every((n) => streaming.has(n)) && syncOk) return;
    } finally {
      s.close();
    }
    if (Date.now() >= deadline) throw new Error(`standbys not streaming in time (pg_stat_replication: ${seen || 'empty'})`);
    await sleep(50);
  }
}
