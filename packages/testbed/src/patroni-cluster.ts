/**
 * A Patroni 3 + etcd 3.4 cluster of PostgreSQL 15 on loopback, with automatic failover: the
 * reference of an HA stack that elects its own leader (the ha-dr suite's `failover: 'automatic'`).
 * Debian's `patroni`, `etcd-server` (and `etcd-client`) packages; every network path between the
 * members goes through proxies the owner process holds (see _internal/patroni-links.ts), so the
 * `partition` action cuts a node from etcd and from the other members.
 */
import { chmodSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { childrenOf, nodeSession, postmasterPid, readLog, writeState } from './_internal/pg-cluster-node.js';
import { controlRequest, GROUPS_SYNTAX, parseGroups } from './_internal/pg-links.js';
import { PatroniLinks } from './_internal/patroni-links.js';
import {
  clusterMembers,
  etcdPids,
  findPatroniNode,
  killPatroniClusterSync,
  killPatroniNode,
  patroniLag,
  patroniPids,
  patroniWhoIsPrimary,
  pausePatroniNode,
  readLogFile,
  resumePatroniNode,
  spawnDetached,
  startPatroniNode,
  stopPatroniNode,
  switchoverTo,
  type PatroniNodeState,
  type PatroniState,
} from './_internal/patroni-node.js';
import { PgRouter, type RouterEvent } from './_internal/pg-router.js';
import { findExecutable, readStat, signalProcess, sleep, tail } from './_internal/proc.js';
import { Registration } from './_internal/reaper-client.js';
import { chownRecursive, errorMessage, isRoot, lookupUser, randomPassword } from './_internal/util.js';
import { Resource } from './endpoint.js';
import { findFreePort } from './ports.js';
import { resolvePgBinDir } from './postgres.js';
import { resolveTestbedCli, shellQuote, type PgClusterAction } from './pg-cluster.js';

export { isPatroniState, type PatroniState } from './_internal/patroni-node.js';

/** Options of {@link startPatroniCluster}. */
export interface StartPatroniClusterOptions {
  /** Number of Patroni members (default 3; 2 to 5). */
  nodes?: number;
  /** Patroni `synchronous_mode` (default true): a commit is acknowledged once one replica has it. */
  synchronous?: boolean;
  /**
   * Leader key TTL, Patroni loop wait and DCS retry timeout in seconds (defaults 5, 1, 2: Patroni's
   * minimum ttl = loop_wait + 2 * retry_timeout; a failover then takes about ttl). retry_timeout 2 s
   * keeps a leader on a loaded machine whose etcd answers slowly; ttl bounds how long the cluster
   * stays leaderless.
   */
  ttl?: number;
  loopWait?: number;
  retryTimeout?: number;
  /** Directory with the PostgreSQL 15 programs. */
  binDir?: string;
  /** Deadline of the whole start (default 90 000 ms). */
  startTimeoutMs?: number;
}

/** The actions a Patroni cluster supports (the pg-cluster ones without backups and chaos faults). */
export type PatroniClusterAction = Exclude<PgClusterAction, 'backup' | 'verify-backup' | 'restore' | 'drop-restore' | 'corrupt-backup' | 'corrupt-data' | 'skew-clock' | 'fill-disk' | 'free-disk'>;

export const PATRONI_ACTION_TIMEOUT_MS: Record<PatroniClusterAction, number> = {
  kill: 10_000,
  // Until the node has rejoined (crash recovery, pg_rewind, streaming, sync standby): 8-20 s on a
  // loaded 2-core machine; below the ha-dr suite's 60 s for a case's rollback.
  start: 45_000,
  stop: 30_000,
  pause: 5_000,
  resume: 5_000,
  promote: 60_000,
  'who-is-primary': 5_000,
  lag: 5_000,
  partition: 5_000,
  heal: 5_000,
};

/** The topology file for the ha-dr suite (DIR/topology.json). */
export interface PatroniClusterTopology {
  name: string;
  family: 'postgres';
  clientDsn: string;
  nodes: Array<{ name: string; dsn: string }>;
  replication: 'async' | 'sync';
  failover: 'automatic';
  actions: Record<Exclude<PatroniClusterAction, 'lag'>, string>;
  /** Each action's own deadline is shorter; `start` waits for the rejoin (up to 45 s), beyond the suite's default 30 s. */
  actionTimeoutMs: number;
}

/** A running Patroni cluster. */
export interface PatroniCluster {
  /** The router's URL: new connections go to the node answering pg_is_in_recovery() = false. */
  clientDsn: string;
  routerPort: number;
  nodes: Array<{ name: string; port: number; restPort: number; dsn: string; dataDir: string; logFile: string }>;
  synchronous: boolean;
  user: string;
  password: string;
  database: string;
  version: string;
  stateDir: string;
  statePath: string;
  topologyPath: string;
  topology: PatroniClusterTopology;
  /** Milliseconds from the first Patroni spawn to one leader + all replicas running. */
  bootstrapMs: number;
  routerTarget(): string | undefined;
  routerEvents(): RouterEvent[];
  waitForRouterTarget(node: string | undefined, timeoutMs: number): Promise<boolean>;
  /** The leader in etcd's view (GET /cluster of any answering member), or undefined. */
  leader(): Promise<string | undefined>;
  /** Patroni's own log (with PostgreSQL's output) of a node. */
  logs(node: string): string;
  run(action: PatroniClusterAction, node?: string, timeoutMs?: number): Promise<string>;
  partition(): string[][] | undefined;
  /** Heals, resumes, stops every Patroni (PostgreSQL with it), etcd, the proxies and the router; removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const USER = 'hc';
const DB = 'hc';

/** Where Debian installs the programs; undefined when one is missing. */
export function resolvePatroni(): { patroni: string; patronictl: string; etcd: string } | undefined {
  const patroni = findExecutable('patroni', ['/usr/bin']);
  const patronictl = findExecutable('patronictl', ['/usr/bin']);
  const etcd = findExecutable('etcd', ['/usr/bin']);
  return patroni && patronictl && etcd ? { patroni, patronictl, etcd } : undefined;
}

function dsnFor(password: string, port: number): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB}`;
}

/** Runs one action (the CLI and {@link PatroniCluster.run} both come here). */
export async function runPatroniAction(st: PatroniState, action: PatroniClusterAction, arg: string | undefined, timeoutMs?: number): Promise<string> {
  const ms = timeoutMs ?? PATRONI_ACTION_TIMEOUT_MS[action] ?? 10_000;
  if (!(action in PATRONI_ACTION_TIMEOUT_MS)) throw new Error(`${action} is not an action of a Patroni cluster (${Object.keys(PATRONI_ACTION_TIMEOUT_MS).join(', ')})`);
  if (action === 'partition' || action === 'heal') {
    if (action === 'heal' && arg !== undefined) throw new Error('heal takes no argument');
    if (action === 'partition') {
      if (arg === undefined) throw new Error(`partition needs GROUPS: ${GROUPS_SYNTAX}`);
      parseGroups(arg, st.nodes.map((n) => n.name));
    }
    if (!st.control) throw new Error('state.json names no control port of the owner process');
    return controlRequest(st.control, action, arg, ms);
  }
  const needsNode = action !== 'who-is-primary' && action !== 'lag';
  if (needsNode && !arg) throw new Error(`${action} needs a node name (${st.nodes.map((n) => n.name).join(', ')})`);
  if (!needsNode && arg) throw new Error(`${action} takes no node name`);
  const node = needsNode ? findPatroniNode(st, arg!) : undefined;
  const work = (async (): Promise<string> => {
    switch (action) {
      case 'kill':
        return killPatroniNode(node!, ms);
      case 'start':
        return startPatroniNode(st, node!, ms);
      case 'stop':
        return stopPatroniNode(node!, ms);
      case 'pause':
        return `${node!.name} paused (SIGSTOP to ${pausePatroniNode(node!).length} processes: Patroni and PostgreSQL)`;
      case 'resume': {
        const pids = resumePatroniNode(node!);
        return pids.length ? `${node!.name} resumed (SIGCONT to ${pids.length} processes)` : `${node!.name} is not running`;
      }
      case 'promote':
        return switchoverTo(st, node!, ms);
      case 'who-is-primary':
        return (await patroniWhoIsPrimary(st, Math.min(1000, ms))).join('\n');
      case 'lag':
        return (await patroniLag(st, ms)).join('\n');
      default:
        throw new Error(`unknown action "${String(action)}"`);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${action}${node ? ' ' + node.name : ''} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Patroni's member configuration (JSON is YAML). */
function memberConfig(st: PatroniState, n: PatroniNodeState, o: { ttl: number; loopWait: number; retryTimeout: number; synchronous: boolean }): unknown {
  const px = st.proxies[n.name]!;
  return {
    scope: st.scope,
    namespace: '/helios-testbed/',
    name: n.name,
    log: { level: 'INFO' },
    restapi: { listen: `127.0.0.1:${n.restPort}`, connect_address: `127.0.0.1:${px.rest}` },
    // Every member reaches etcd through its own proxy: a partition cuts it there. use_proxies: never
    // replace the proxy by the members etcd advertises (Patroni's topology discovery would bypass it).
    etcd3: { hosts: [`127.0.0.1:${px.etcd}`], protocol: 'http', use_proxies: true },
    bootstrap: {
      dcs: {
        ttl: o.ttl,
        loop_wait: o.loopWait,
        retry_timeout: o.retryTimeout,
        maximum_lag_on_failover: 1_048_576,
        synchronous_mode: o.synchronous,
        // Every replica is a synchronous standby: any of them may be promoted (Patroni only fails or
        // switches over to a sync standby in synchronous_mode), and an acked commit is on all running replicas.
        ...(o.synchronous ? { synchronous_node_count: st.nodes.length - 1 } : {}),
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            wal_level: 'replica',
            hot_standby: 'on',
            wal_log_hints: 'on',
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_keep_size: '256MB',
            // Faults are seen in seconds, not the default minute.
            wal_sender_timeout: '2s',
            wal_receiver_timeout: '2s',
            wal_receiver_status_interval: '1s',
            wal_retrieve_retry_interval: '200ms',
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }],
    },
    postgresql: {
      listen: `127.0.0.1:${n.port}`,
      // What the other members replicate from, pg_rewind and pg_basebackup from: this node's proxy.
      connect_address: `127.0.0.1:${px.pg}`,
      data_dir: n.dataDir,
      bin_dir: path.join(st.dir, 'bin'),
      pgpass: path.join(st.dir, `pgpass-${n.name}`),
      authentication: {
        superuser: { username: USER, password: st.password },
        replication: { username: 'replicator', password: st.password },
      },
      parameters: { unix_socket_directories: st.dir, password_encryption: 'scram-sha-256' },
      pg_hba: [
        'local all all scram-sha-256',
        'host all all 127.0.0.1/32 scram-sha-256',
        'host replication replicator 127.0.0.1/32 scram-sha-256',
      ],
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

/**
 * Starts etcd (one member) and `nodes` Patroni members running PostgreSQL 15 on 127.0.0.1 free ports,
 * in a temp dir, as the `postgres` user when root; waits for one leader and every replica running,
 * creates database `hc` (superuser `hc`, random password), and starts the router (clientDsn).
 * Writes DIR/state.json and DIR/topology.json (`failover: automatic`). Every process dies with the
 * owner (reaper); `stop()` ends them all.
 */
export async function startPatroniCluster(opts: StartPatroniClusterOptions = {}): Promise<PatroniCluster> {
  const count = opts.nodes ?? 3;
  if (!Number.isInteger(count) || count < 2 || count > 5) throw new Error(`nodes must be an integer from 2 to 5, not ${String(opts.nodes)}`);
  const synchronous = opts.synchronous ?? true;
  const ttl = opts.ttl ?? 5;
  const loopWait = opts.loopWait ?? 1;
  const retryTimeout = opts.retryTimeout ?? 2;
  if (loopWait + 2 * retryTimeout > ttl) throw new Error(`ttl (${ttl}) must be at least loop_wait + 2 * retry_timeout (${loopWait + 2 * retryTimeout}), as Patroni documents`);
  const bins = resolvePatroni();
  if (!bins) throw new Error('patroni, patronictl or etcd not found: install Debian packages patroni, etcd-server and etcd-client');
  const timeoutMs = opts.startTimeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  const binDir = await resolvePgBinDir(opts.binDir);
  let owner: { uid: number; gid: number; home: string } | undefined;
  if (isRoot()) {
    owner = lookupUser('postgres');
    if (!owner) throw new Error('running as root, but /etc/passwd has no `postgres` user; PostgreSQL refuses to run as root');
  }

  const res = new Resource('pg-cluster');
  res.stopSignal = 'SIGTERM';
  const regs = new Map<string, { reg: Registration; pid: number | undefined }>();
  let router: PgRouter | undefined;
  let links: PatroniLinks | undefined;
  let monitor: NodeJS.Timeout | undefined;
  let st: PatroniState | undefined;

  /** Keeps a reaper entry on each current process (Patroni, postmaster, etcd), which the CLI may have replaced. */
  const track = () => {
    if (!st) return;
    const cur: Array<[string, number | undefined, NodeJS.Signals]> = [['etcd', etcdPids(st)[0], 'SIGTERM']];
    for (const n of st.nodes) {
      cur.push([`patroni-${n.name}`, patroniPids(n)[0], 'SIGKILL']);
      cur.push([`postgres-${n.name}`, postmasterPid(n), 'SIGINT']);
    }
    for (const [key, pid, sig] of cur) {
      let r = regs.get(key);
      if (!r) {
        r = { reg: new Registration(key.split('-')[0]!, sig), pid: undefined };
        regs.set(key, r);
      }
      if (pid !== undefined && pid !== r.pid) {
        r.pid = pid;
        // Patroni starts the postmaster through a short-lived setsid'd helper: its process group is
        // that helper's (gone), not its own PID; the reaper then SIGKILLs the leaderless group.
        r.reg.update({ pgid: readStat(pid)?.pgrp ?? pid, stopSignal: sig });
      }
    }
  };

  const stopAll = async (graceMs: number) => {
    if (monitor) clearInterval(monitor);
    links?.heal();
    const s = st;
    if (s) {
      for (const n of s.nodes) resumePatroniNode(n);
      // Patroni demotes and stops PostgreSQL on SIGTERM; all members at once (a leader stopping alone would trigger a failover).
      await Promise.all(s.nodes.map((n) => stopPatroniNode(n, Math.max(graceMs, 10_000)).catch(() => killPatroniNode(n, 5000).catch(() => undefined))));
      for (const p of etcdPids(s)) signalProcess(p, 'SIGTERM');
      const t = Date.now() + 5000;
      while (etcdPids(s).length && Date.now() < t) await sleep(50);
      for (const p of etcdPids(s)) signalProcess(p, 'SIGKILL');
      // A postmaster left behind by a crashed Patroni.
      for (const n of s.nodes) {
        const pm = postmasterPid(n);
        if (pm !== undefined) for (const p of [pm, ...childrenOf(pm)]) signalProcess(p, 'SIGKILL');
      }
    }
    await router?.close();
    await links?.close();
    for (const r of regs.values()) r.reg.remove();
    regs.clear();
  };
  res.stopExtra = stopAll;
  res.killExtraSync = () => {
    if (monitor) clearInterval(monitor);
    links?.closeSync();
    if (st) killPatroniClusterSync(st);
    for (const r of regs.values()) r.reg.remove();
  };

  let phase = 'setup';
  try {
    const dir = res.makeTempDir();
    chmodSync(dir, 0o700);
    const password = randomPassword();
    const scope = `hc-${randomPassword().slice(0, 8).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
    const nodes: PatroniNodeState[] = [];
    for (let i = 1; i <= count; i++) {
      nodes.push({
        name: `n${i}`,
        port: await findFreePort(),
        restPort: await findFreePort(),
        dataDir: path.join(dir, `n${i}`, 'data'),
        logFile: path.join(dir, `n${i}.log`),
        configFile: path.join(dir, `n${i}.yml`),
      });
      mkdirSync(path.join(dir, `n${i}`), { mode: 0o700 });
    }
    const etcd = { clientPort: await findFreePort(), peerPort: await findFreePort(), dataDir: path.join(dir, 'etcd'), logFile: path.join(dir, 'etcd.log') };
    st = {
      version: 1,
      kind: 'patroni',
      dir,
      binDir,
      user: USER,
      password,
      database: DB,
      owner,
      replication: synchronous ? 'sync' : 'async',
      passfile: path.join(dir, 'pgpass'),
      routerPort: 0,
      nodes,
      links: {},
      patroni: bins.patroni,
      patronictl: bins.patronictl,
      etcd,
      proxies: {},
      scope,
    };
    const s0 = st;
    links = new PatroniLinks(
      nodes.map((n) => n.name),
      { etcd: () => s0.etcd.clientPort, pg: (name) => findPatroniNode(s0, name).port, rest: (name) => findPatroniNode(s0, name).restPort },
    );
    st.proxies = await links.listenProxies();
    const token = randomPassword();
    st.control = { port: await links.listenControl(token), token };
    // Patroni's bin_dir: the PostgreSQL programs, with pg_rewind given --no-sync, as pg-cluster runs it.
    // Patroni 3.0 has no option for it, and the final fsync of the whole data dir made an old
    // leader's rejoin take 18 s on the loaded machine; a SIGKILLed node's files stay in the page cache.
    const wrap = path.join(dir, 'bin');
    mkdirSync(wrap, { mode: 0o755 });
    for (const f of readdirSync(binDir)) if (f !== 'pg_rewind') symlinkSync(path.join(binDir, f), path.join(wrap, f));
    // Appended: Patroni runs `pg_rewind --help` (it must stay the first argument) to read its options.
    writeFileSync(path.join(wrap, 'pg_rewind'), `#!/bin/sh\nexec ${shellQuote(path.join(binDir, 'pg_rewind'))} "$@" --no-sync\n`, { mode: 0o755 });
    for (const n of nodes) writeFileSync(n.configFile, JSON.stringify(memberConfig(st, n, { ttl, loopWait, retryTimeout, synchronous }), null, 2) + '\n', { mode: 0o600 });
    if (owner) chownRecursive(dir, owner.uid, owner.gid);
    writeState(st);

    phase = 'etcd';
    const e = etcd;
    spawnDetached(st, bins.etcd, [
      '--name', 'e1', '--data-dir', e.dataDir,
      '--listen-client-urls', `http://127.0.0.1:${e.clientPort}`, '--advertise-client-urls', `http://127.0.0.1:${e.clientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${e.peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${e.peerPort}`,
      '--initial-cluster', `e1=http://127.0.0.1:${e.peerPort}`, '--listen-metrics-urls', `http://127.0.0.1:${await findFreePort()}`,
    ], e.logFile);
    track();
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${e.clientPort}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (ok) break;
      if (!etcdPids(st).length) throw new Error(`etcd exited: ${tail(readLogFile(e.logFile), 800)}`);
      if (Date.now() >= deadline) throw new Error('etcd not healthy in time');
      await sleep(100);
    }

    phase = 'patroni bootstrap';
    const t0 = Date.now();
    // n1 first, alone: it wins the initialize race and runs initdb; the others then clone from it.
    for (const n of nodes) spawnDetached(st, bins.patroni, [n.configFile], n.logFile);
    track();
    // Once a second: each look scans /proc, on the event loop that also carries the proxies.
    monitor = setInterval(track, 1000);
    monitor.unref();
    let members: Awaited<ReturnType<typeof clusterMembers>>;
    for (;;) {
      members = await clusterMembers(st, 1000);
      const leader = members?.filter((m) => m.role === 'leader' && m.state === 'running') ?? [];
      const replicas = members?.filter((m) => m.role !== 'leader' && (m.state === 'running' || m.state === 'streaming')) ?? [];
      if (leader.length === 1 && replicas.length === count - 1) {
        // sync mode: wait until Patroni named a synchronous standby, so the first acknowledged commit is replicated
        if (!synchronous || members!.some((m) => m.role === 'sync_standby')) break;
      }
      for (const n of nodes) if (!patroniPids(n).length) throw new Error(`Patroni ${n.name} exited: ${tail(readLogFile(n.logFile), 1500)}`);
      if (Date.now() >= deadline) throw new Error(`no leader + ${count - 1} running replicas in time (/cluster: ${JSON.stringify(members ?? 'no answer')})`);
      await sleep(100);
    }
    const bootstrapMs = Date.now() - t0;
    const leaderName = members!.find((m) => m.role === 'leader')!.name;
    const leader = findPatroniNode(st, leaderName);

    phase = 'database';
    const boot = await nodeSession(st, leader, 5000);
    let version: string;
    try {
      await boot.query(`CREATE DATABASE ${DB}`);
      version = (await boot.query('SELECT version()'))[0]?.[0] ?? '';
    } finally {
      boot.close();
    }

    phase = 'router';
    router = new PgRouter(nodes, { user: USER, password });
    await router.listen(0);
    st.routerPort = router.port;
    writeState(st);
    if (!(await router.waitForTarget(leaderName, Math.max(1000, deadline - Date.now())))) throw new Error(`the router did not find the leader ${leaderName}`);

    const cli = resolveTestbedCli();
    const base = [process.execPath, cli, 'cluster', '--state', dir].map(shellQuote).join(' ');
    const topology: PatroniClusterTopology = {
      name: `testbed: Patroni 3 + etcd, ${count} PostgreSQL 15 members (${synchronous ? 'synchronous_mode' : 'asynchronous'}, automatic failover)`,
      family: 'postgres',
      clientDsn: dsnFor(password, router.port),
      nodes: nodes.map((n) => ({ name: n.name, dsn: dsnFor(password, n.port) })),
      replication: synchronous ? 'sync' : 'async',
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
      actionTimeoutMs: 60_000,
    };
    const topologyPath = path.join(dir, 'topology.json');
    writeFileSync(topologyPath, JSON.stringify(topology, null, 2) + '\n', { mode: 0o600 });

    const fin = st;
    const r = router;
    const l = links;
    return {
      clientDsn: topology.clientDsn,
      routerPort: r.port,
      nodes: nodes.map((n) => ({ name: n.name, port: n.port, restPort: n.restPort, dsn: dsnFor(password, n.port), dataDir: n.dataDir, logFile: n.logFile })),
      synchronous,
      user: USER,
      password,
      database: DB,
      version,
      stateDir: dir,
      statePath: path.join(dir, 'state.json'),
      topologyPath,
      topology,
      bootstrapMs,
      routerTarget: () => r.target,
      routerEvents: () => [...r.events],
      waitForRouterTarget: (node, ms) => r.waitForTarget(node, ms),
      leader: async () => (await clusterMembers(fin, 1000))?.find((m) => m.role === 'leader')?.name,
      logs: (name) => readLog(findPatroniNode(fin, name)),
      partition: () => l.current()?.map((g) => [...g]),
      run: async (action, node, ms) => {
        const out = await runPatroniAction(fin, action, node, ms);
        track();
        return out;
      },
      stop: () => res.release(),
    };
  } catch (err) {
    const logs = st ? [...st.nodes.map((n) => readLogFile(n.logFile)), readLogFile(st.etcd.logFile)].filter((x) => x.trim()).map((x) => tail(x, 1200)).join('\n---\n') : '';
    await res.release(2000).catch(() => undefined);
    throw new Error(`could not start the Patroni cluster (${phase}): ${errorMessage(err)}${logs ? `\n--- logs (tail) ---\n${logs}` : ''}`, { cause: err });
  }
}

