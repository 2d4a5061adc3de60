#!/usr/bin/env node
/**
 * `helios-testbed up postgres|pglite|mariadb|pgbouncer|pg-cluster [--no-tls] [--pool-mode M]` — start a throwaway
 * endpoint for local development, print how to connect, stop it on Ctrl-C.
 * `helios-testbed cluster --state DIR <action> [NODE]` — act on a running pg-cluster (see _internal/cluster-cli.ts).
 */
import { parseArgs } from 'node:util';
import type { Endpoint } from './endpoint.js';
import { clusterMain } from './_internal/cluster-cli.js';
import { startMariadb } from './mariadb.js';
import { startPatroniCluster, type PatroniCluster } from './patroni-cluster.js';
import { startAutoFailoverCluster, type AutoFailoverCluster } from './paf-cluster.js';
import { startPgCluster, type PgCluster } from './pg-cluster.js';
import { startGaleraCluster, type GaleraCluster } from './galera-cluster.js';
import { startPgbouncer, type PgbouncerEndpoint, type PgbouncerPoolMode } from './pgbouncer.js';
import { startPglite } from './pglite.js';
import { startPostgres } from './postgres.js';

const KINDS_TEXT = `  postgres   PostgreSQL from the machine's binaries (initdb + postgres), user hc, database hc
  pglite     in-memory PGlite in a child process (any user/password accepted)
  mariadb    MariaDB from Debian's mariadb-server, user hc, database hc
  pgbouncer  PgBouncer (the machine's pgbouncer) in front of a fresh postgres, scram-sha-256,
             --pool-mode session (default) or transaction; also pgbouncer-session, pgbouncer-transaction
  pg-cluster PostgreSQL 15 streaming replication: primary n1 + --standbys N (default 2) standbys,
             async (default) or --sync, a router as CLIENT_DSN, actions via \`helios-testbed cluster\`
  patroni-cluster  Patroni 3 + etcd: --standbys N (default 2) + 1 PostgreSQL 15 members with automatic
             failover, synchronous_mode (or --async), a router as CLIENT_DSN, the same actions
  auto-failover  pg_auto_failover 2.0 (root): monitor (witness) + 2 PostgreSQL 15 nodes, each in its
             own network namespace (partitions by nftables), automatic failover, a router as CLIENT_DSN
  galera     MariaDB Galera, 3 nodes as the mysql user (needs galera-4, rsync), a router to a node
             of the Primary component as CLIENT_DSN, actions via \`helios-testbed cluster\``;

const USAGE = `Usage: helios-testbed up <postgres|pglite|mariadb|pgbouncer|pg-cluster|patroni-cluster|auto-failover|galera> [options]
       helios-testbed cluster --state DIR <action> [NODE]   (see helios-testbed cluster --help)

Start a throwaway database server on 127.0.0.1 for local development, print its
DSN (with the random password of this throwaway server) and keep it running until
Ctrl-C, then stop it and remove its temp dir.

Kinds:
${KINDS_TEXT}

Options:
  --no-tls          do not configure TLS (postgres, mariadb; pgbouncer is always plain TCP)
  --pool-mode M     pgbouncer: session (default) or transaction
  --md5             postgres: md5 password authentication instead of scram-sha-256
  --vector          pglite: load the pgvector extension
  --sync            pg-cluster: synchronous replication (synchronous_standby_names 'ANY 1 (n1, n2, ...)')
  --standbys N      pg-cluster, patroni-cluster: number of standbys / replicas (default 2)
  --async           patroni-cluster: no synchronous_mode
  --archive         pg-cluster: WAL archiving into STATE_DIR/archive
  --backup          pg-cluster: pgBackRest (stanza hc, repository in STATE_DIR/pgbackrest, data
                    checksums) and the backup actions (needs Debian's pgbackrest)
  --backup-repos N  pg-cluster with --backup: pgBackRest repositories (default 1; 2: repo2, a
                    second region, with backup/restore REPO and wal-archived)
  --timeout-ms N    start timeout (default 30000)
  --list            list the endpoint kinds and exit
  -h, --help        show this help

Output lines: DSN=..., CA=... and DSN_VERIFY_FULL=... (with TLS), PID=..., VERSION=..., TEMP_DIR=...;
pgbouncer also: BACKEND_DSN=... (PostgreSQL directly, bypassing the pooler), BACKEND_PID=...
pg-cluster, patroni-cluster, auto-failover, galera: CLIENT_DSN=... (the router), NODE_<name>_DSN=..., STATE_DIR=..., TOPOLOGY=..., VERSION=...`;

const KINDS = ['postgres', 'pglite', 'mariadb', 'pgbouncer', 'pgbouncer-session', 'pgbouncer-transaction', 'pg-cluster', 'patroni-cluster', 'auto-failover', 'galera'] as const;
type Kind = (typeof KINDS)[number];

function fail(message: string): never {
  process.stderr.write(`helios-testbed: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'cluster') {
    process.exit(await clusterMain(process.argv.slice(3)));
  }
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        list: { type: 'boolean', default: false },
        'no-tls': { type: 'boolean', default: false },
        md5: { type: 'boolean', default: false },
        vector: { type: 'boolean', default: false },
        'timeout-ms': { type: 'string' },
        'pool-mode': { type: 'string' },
        sync: { type: 'boolean', default: false },
        async: { type: 'boolean', default: false },
        standbys: { type: 'string' },
        archive: { type: 'boolean', default: false },
        backup: { type: 'boolean', default: false },
        'backup-repos': { type: 'string' },
      },
    });
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (values.list) {
    // Same flag as the suites' CLIs: what this tool can start, without starting anything.
    process.stdout.write(KINDS_TEXT + '\n');
    return;
  }
  const [command, kind, ...rest] = positionals;
  if (command !== 'up') fail(command ? `unknown command "${command}" (expected: up or cluster; see --help)` : 'missing command (see --help)');
  if (!kind) fail('missing endpoint kind (expected postgres, pglite, mariadb, pgbouncer, pg-cluster, patroni-cluster, auto-failover or galera)');
  if (!(KINDS as readonly string[]).includes(kind)) fail(`unknown endpoint kind "${kind}" (expected postgres, pglite, mariadb, pgbouncer, pg-cluster, patroni-cluster, auto-failover or galera)`);
  if (kind === 'patroni-cluster') {
    if (values.sync || values.archive || values.backup) fail('--sync, --archive and --backup apply to pg-cluster only (patroni-cluster is synchronous unless --async)');
    return upPatroni(values);
  }
  if (values.async) fail('--async applies to patroni-cluster only');
  if (kind === 'auto-failover') {
    if (values.sync || values.standbys !== undefined || values.archive || values.backup) fail('--sync, --standbys, --archive and --backup apply to pg-cluster only (auto-failover is a monitor and 2 nodes, synchronous)');
    return upAutoFailover(values);
  }
  if (kind !== 'pg-cluster' && (values.sync || values.standbys !== undefined || values.archive || values.backup)) fail('--sync, --standbys, --archive and --backup apply to pg-cluster only');
  if (kind === 'pg-cluster') return upCluster(values);
  if (kind === 'galera') return upGalera(values);
  const poolModeFlag = values['pool-mode'];
  if (poolModeFlag !== undefined && poolModeFlag !== 'session' && poolModeFlag !== 'transaction') fail(`--pool-mode must be session or transaction, not "${poolModeFlag}"`);
  const kindMode = kind.startsWith('pgbouncer-') ? kind.slice('pgbouncer-'.length) : undefined;
  if (poolModeFlag !== undefined && !kind.startsWith('pgbouncer')) fail('--pool-mode applies to pgbouncer only');
  if (poolModeFlag !== undefined && kindMode !== undefined && poolModeFlag !== kindMode) fail(`--pool-mode ${poolModeFlag} contradicts ${kind}`);
  const poolMode = (kindMode ?? poolModeFlag ?? 'session') as PgbouncerPoolMode;
  if (rest.length > 0) fail(`unexpected argument "${rest[0]}" (see --help)`);
  const startTimeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (startTimeoutMs !== undefined && !(startTimeoutMs > 0)) fail('--timeout-ms must be a positive number');
  const tls = !values['no-tls'];

  let endpoint: Endpoint | undefined;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write('helios-testbed: stopping...\n');
    void (endpoint ? endpoint.stop() : Promise.resolve()).finally(() => process.exit(code));
  };
  // Signals during startup: the exit handler kills whatever was spawned.
  process.on('SIGINT', () => (endpoint ? stop(0) : process.exit(130)));
  process.on('SIGTERM', () => (endpoint ? stop(0) : process.exit(143)));

  try {
    switch (kind as Kind) {
      case 'postgres':
        endpoint = await startPostgres({ tls, authMethod: values.md5 ? 'md5' : 'scram-sha-256', startTimeoutMs });
        break;
      case 'pglite':
        endpoint = await startPglite({ extensions: values.vector ? ['vector'] : [], startTimeoutMs });
        break;
      case 'mariadb':
        endpoint = await startMariadb({ tls, startTimeoutMs });
        break;
      case 'pgbouncer':
      case 'pgbouncer-session':
      case 'pgbouncer-transaction':
        endpoint = await startPgbouncer({ poolMode, startTimeoutMs });
        break;
      case 'pg-cluster':
      case 'patroni-cluster':
      case 'auto-failover':
      case 'galera':
        // handled by upCluster() / upPatroni() / upAutoFailover() / upGalera() above
        return;
    }
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }

  const ep = endpoint!;
  const lines = [`DSN=${ep.dsn}`];
  if (ep.caCertPath) lines.push(`CA=${ep.caCertPath}`);
  if (ep.tls && ep.kind === 'postgres') lines.push(`DSN_VERIFY_FULL=${ep.dsn}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ep.caCertPath ?? '')}`);
  lines.push(`PID=${ep.pid}`, `VERSION=${ep.version}`);
  if (ep.tempDir) lines.push(`TEMP_DIR=${ep.tempDir}`);
  if (ep.kind === 'pgbouncer') {
    const { backend } = ep as PgbouncerEndpoint;
    lines.push(`BACKEND_DSN=${backend.dsn}`, `BACKEND_PID=${backend.pid}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  process.stderr.write(`helios-testbed: ${ep.kind} is running on 127.0.0.1:${ep.port}; press Ctrl-C to stop\n`);

  // Keep running; notice if the server dies on its own.
  setInterval(() => {
    if (!stopping && !ep.alive()) {
      process.stderr.write(`helios-testbed: ${ep.kind} exited unexpectedly; last log lines:\n${ep.logs().split('\n').slice(-20).join('\n')}\n`);
      stopping = true;
      void ep.stop().finally(() => process.exit(1));
    }
  }, 500);
}

async function upCluster(values: { sync?: boolean; standbys?: string; archive?: boolean; backup?: boolean; 'backup-repos'?: string; 'timeout-ms'?: string }): Promise<void> {
  const repos = values['backup-repos'] === undefined ? undefined : Number(values['backup-repos']);
  if (repos !== undefined && (!values.backup || !Number.isInteger(repos) || repos < 1 || repos > 4)) fail('--backup-repos must be an integer from 1 to 4, with --backup');
  const standbys = values.standbys === undefined ? 2 : Number(values.standbys);
  if (!Number.isInteger(standbys) || standbys < 1 || standbys > 8) fail('--standbys must be an integer from 1 to 8');
  const startTimeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (startTimeoutMs !== undefined && !(startTimeoutMs > 0)) fail('--timeout-ms must be a positive number');
  let cluster: PgCluster | undefined;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write('helios-testbed: stopping...\n');
    void (cluster ? cluster.stop() : Promise.resolve()).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => (cluster ? stop(0) : process.exit(130)));
  process.on('SIGTERM', () => (cluster ? stop(0) : process.exit(143)));
  try {
    cluster = await startPgCluster({ standbys, replication: values.sync ? 'sync' : 'async', archive: values.archive, ...(values.backup ? { backup: 'pgbackrest' as const, ...(repos ? { backupRepos: repos } : {}) } : {}), startTimeoutMs });
  } catch (err) {
    fail((err instanceof Error ? err.message : String(err)).split('\n')[0]!);
  }
  const c = cluster!;
  const lines = [`CLIENT_DSN=${c.clientDsn}`, ...c.nodes.map((n) => `NODE_${n.name}_DSN=${n.dsn}`), `STATE_DIR=${c.stateDir}`, `TOPOLOGY=${c.topologyPath}`, `VERSION=${c.version}`];
  if (c.archiveDir) lines.push(`ARCHIVE_DIR=${c.archiveDir}`);
  process.stdout.write(lines.join('\n') + '\n');
  process.stderr.write(
    `helios-testbed: pg-cluster (${c.replication}, ${c.nodes.length} nodes) is running; router on 127.0.0.1:${c.routerPort}; act on it with: helios-testbed cluster --state ${c.stateDir} <action>; press Ctrl-C to stop\n`,
  );
  // The router's timers are unref'd (library use); this process stays up until Ctrl-C.
  setInterval(() => undefined, 1 << 30);
}

async function upPatroni(values: { async?: boolean; standbys?: string; 'timeout-ms'?: string }): Promise<void> {
  const standbys = values.standbys === undefined ? 2 : Number(values.standbys);
  if (!Number.isInteger(standbys) || standbys < 1 || standbys > 4) fail('--standbys must be an integer from 1 to 4 for patroni-cluster');
  const startTimeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (startTimeoutMs !== undefined && !(startTimeoutMs > 0)) fail('--timeout-ms must be a positive number');
  let cluster: PatroniCluster | undefined;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write('helios-testbed: stopping...\n');
    void (cluster ? cluster.stop() : Promise.resolve()).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => (cluster ? stop(0) : process.exit(130)));
  process.on('SIGTERM', () => (cluster ? stop(0) : process.exit(143)));
  try {
    cluster = await startPatroniCluster({ nodes: standbys + 1, synchronous: !values.async, ...(startTimeoutMs ? { startTimeoutMs } : {}) });
  } catch (err) {
    fail((err instanceof Error ? err.message : String(err)).split('\n')[0]!);
  }
  const c = cluster!;
  process.stdout.write([`CLIENT_DSN=${c.clientDsn}`, ...c.nodes.map((n) => `NODE_${n.name}_DSN=${n.dsn}`), `STATE_DIR=${c.stateDir}`, `TOPOLOGY=${c.topologyPath}`, `VERSION=${c.version}`].join('\n') + '\n');
  process.stderr.write(
    `helios-testbed: patroni-cluster (${c.synchronous ? 'synchronous_mode' : 'async'}, ${c.nodes.length} members, leader ${(await c.leader()) ?? '?'}) is running; router on 127.0.0.1:${c.routerPort}; act on it with: helios-testbed cluster --state ${c.stateDir} <action>; press Ctrl-C to stop\n`,
  );
  setInterval(() => undefined, 1 << 30);
}

async function upAutoFailover(values: { 'timeout-ms'?: string }): Promise<void> {
  const startTimeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (startTimeoutMs !== undefined && !(startTimeoutMs > 0)) fail('--timeout-ms must be a positive number');
  let cluster: AutoFailoverCluster | undefined;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write('helios-testbed: stopping...\n');
    void (cluster ? cluster.stop() : Promise.resolve()).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => (cluster ? stop(0) : process.exit(130)));
  process.on('SIGTERM', () => (cluster ? stop(0) : process.exit(143)));
  try {
    cluster = await startAutoFailoverCluster({ ...(startTimeoutMs ? { startTimeoutMs } : {}) });
  } catch (err) {
    fail((err instanceof Error ? err.message : String(err)).split('\n')[0]!);
  }
  const c = cluster!;
  process.stdout.write([`CLIENT_DSN=${c.clientDsn}`, ...c.nodes.map((n) => `NODE_${n.name}_DSN=${n.dsn}`), `MONITOR_DSN=${c.monitor.dsn}`, `STATE_DIR=${c.stateDir}`, `TOPOLOGY=${c.topologyPath}`, `VERSION=${c.version}`].join('\n') + '\n');
  process.stderr.write(`helios-testbed: auto-failover (monitor + ${c.nodes.length} nodes, bootstrap ${c.bootstrapMs} ms) is running; router on 127.0.0.1:${c.routerPort}; act on it with: helios-testbed cluster --state ${c.stateDir} <action>; press Ctrl-C to stop\n`);
  setInterval(() => undefined, 1 << 30);
}

async function upGalera(values: { 'timeout-ms'?: string }): Promise<void> {
  const startTimeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (startTimeoutMs !== undefined && !(startTimeoutMs > 0)) fail('--timeout-ms must be a positive number');
  let cluster: GaleraCluster | undefined;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write('helios-testbed: stopping...\n');
    void (cluster ? cluster.stop() : Promise.resolve()).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => (cluster ? stop(0) : process.exit(130)));
  process.on('SIGTERM', () => (cluster ? stop(0) : process.exit(143)));
  try {
    cluster = await startGaleraCluster({ ...(startTimeoutMs ? { startTimeoutMs } : {}) });
  } catch (err) {
    fail((err instanceof Error ? err.message : String(err)).split('\n')[0]!);
  }
  const c = cluster!;
  const lines = [`CLIENT_DSN=${c.clientDsn}`, ...c.nodes.map((n) => `NODE_${n.name}_DSN=${n.dsn}`), `STATE_DIR=${c.stateDir}`, `TOPOLOGY=${c.topologyPath}`, `VERSION=${c.version}`];
  process.stdout.write(lines.join('\n') + '\n');
  process.stderr.write(`helios-testbed: galera (${c.nodes.length} nodes) is running; router on 127.0.0.1:${c.routerPort}; act on it with: helios-testbed cluster --state ${c.stateDir} <action>; press Ctrl-C to stop\n`);
  setInterval(() => undefined, 1 << 30);
}

void main();
