import { existsSync } from 'node:fs';
import { CannotRunError, defineSuite, type OpenOptions, type Suite, type SuiteSession } from '@helios-conformance/core';
import { familyOfDsn, openOnOwnedServer, openSqlEndpoint, type OwnedServer } from '@helios-conformance/sql';
import { classifyPgError } from '@helios-conformance/sql/postgres';
import { classifyMysqlError } from '@helios-conformance/sql/mysql';
import pkg from '../package.json' with { type: 'json' };
import { pgLoadDriver } from './generator/pg-load.js';
import { mysqlLoadDriver } from './generator/mysql-load.js';
import { stressCases } from './cases/index.js';
import { renderStressConsole, renderStressHtml } from './report.js';
import { sessionCliOptions, sessionSettings } from './cases/sessions/settings.js';
import { mergeStressShards } from './merge.js';
import { numberOption } from './_internal/options.js';
import type { StressLoad, StressSize, StressTarget, StressThresholds } from './target.js';
import { serverMonitor } from './monitor/server-monitor.js';
import { inTree, procAvailable } from './monitor/proc-tree.js';
import { RESOURCE_CLI_OPTIONS, resourceSettings, type ResourceSettings } from './cases/resources/settings.js';

/** Version of this package (from its package.json). */
export const STRESS_SUITE_VERSION: string = pkg.version;

/** The seeds' service levels (kalamdb-testing-strategy.md T225; heliosdb-test-framework-design.txt §8). */
export const DEFAULT_THRESHOLDS: Readonly<StressThresholds> = Object.freeze({ t225P50Ms: 100, t225P95Ms: 500, pointP95Ms: 10, pointP99Ms: 50 });

/** Loads per size: `ci` is short and small, `full` the seeds' 5 minutes and 1M rows. */
export const LOADS: Readonly<Record<StressSize, Readonly<StressLoad>>> = Object.freeze({
  ci: Object.freeze({ durationMs: 5_000, warmupMs: 1_000, readRate: 200, readConnections: 4, writers: 10, writeRate: 500, rows: 100_000 }),
  full: Object.freeze({ durationMs: 300_000, warmupMs: 5_000, readRate: 500, readConnections: 4, writers: 10, writeRate: 1_000, rows: 1_000_000 }),
});

type Options = OpenOptions['options'];

function parseSize(v: Options[string]): StressSize {
  if (v === undefined || v === false || v === 'ci') return 'ci';
  if (v === 'full') return 'full';
  throw new CannotRunError(`--size must be ci or full, not ${JSON.stringify(v)}`);
}

/** The load and thresholds a run uses, from the suite's CLI options. */
export function stressSettings(options: Options): { size: StressSize; load: StressLoad; thresholds: StressThresholds } {
  const size = parseSize(options.size);
  const base = LOADS[size];
  const load: StressLoad = {
    durationMs: Math.round(numberOption(options, 'duration', base.durationMs / 1000, 1, 86_400) * 1000),
    warmupMs: Math.round(numberOption(options, 'warmup', base.warmupMs / 1000, 0, 3_600) * 1000),
    readRate: numberOption(options, 'read-rate', base.readRate, 1, 1_000_000),
    readConnections: Math.floor(numberOption(options, 'connections', base.readConnections, 1, 1_000)),
    writers: Math.floor(numberOption(options, 'writers', base.writers, 1, 1_000)),
    writeRate: numberOption(options, 'write-rate', base.writeRate, 1, 1_000_000),
    rows: Math.floor(numberOption(options, 'rows', base.rows, 1, 100_000_000)),
  };
  const thresholds: StressThresholds = {
    t225P50Ms: numberOption(options, 't225-p50-ms', DEFAULT_THRESHOLDS.t225P50Ms, 0.001, 3_600_000),
    t225P95Ms: numberOption(options, 't225-p95-ms', DEFAULT_THRESHOLDS.t225P95Ms, 0.001, 3_600_000),
    pointP95Ms: numberOption(options, 'point-p95-ms', DEFAULT_THRESHOLDS.pointP95Ms, 0.001, 3_600_000),
    pointP99Ms: numberOption(options, 'point-p99-ms', DEFAULT_THRESHOLDS.pointP99Ms, 0.001, 3_600_000),
  };
  return { size, load, thresholds };
}

/** The resource cases' rates under `--shard i/n`: 1/n each (the shards run together on one server). */
function shardResources(r: ResourceSettings, shard: { index: number; count: number } | undefined): ResourceSettings {
  return shard && shard.count > 1 ? { ...r, t222Rate: r.t222Rate / shard.count } : r;
}

/** Shard `index` of `count`'s part of n (connections): the remainder goes to the first shards, at least 1 each. */
function partOf(n: number, shard: { index: number; count: number }): number {
  return Math.max(1, Math.floor(n / shard.count) + (shard.index <= n % shard.count ? 1 : 0));
}

/**
 * `--shard i/n`: this process offers 1/n of every rate and its part of the connections; the shards'
 * reports merge exactly (`helios-stress merge`). Thresholds, sizes and durations stay whole.
 */
export function shardLoad(load: StressLoad, shard: { index: number; count: number } | undefined): StressLoad {
  if (!shard || shard.count === 1) return load;
  return {
    ...load,
    readRate: load.readRate / shard.count,
    writeRate: load.writeRate / shard.count,
    readConnections: partOf(load.readConnections, shard),
    writers: partOf(load.writers, shard),
  };
}

/** `--server-pid N`, checked to be a process of this machine. */
function serverPidOption(options: Options): number | null {
  const v = options['server-pid'];
  if (v === undefined || v === false) return null;
  if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) < 2) throw new CannotRunError(`--server-pid must be a process ID, not ${JSON.stringify(v)}`);
  if (!procAvailable()) throw new CannotRunError('--server-pid needs /proc (Linux): this machine has none; run without it (memory and CPU cases are then n/a)');
  if (!existsSync(`/proc/${v}`)) throw new CannotRunError(`--server-pid ${v}: no such process on this machine (the server must run here, in this PID namespace)`);
  return Number(v);
}

/**
 * `pid` names the server's main process when known: the testbed's postmaster, or --server-pid,
 * which must be the server of this DSN: its process tree holds this session's backend.
 */
async function openOnDsn(
  dsn: string,
  o: OpenOptions,
  settings: ReturnType<typeof stressSettings>,
  pid: { get: () => number | null; from: 'testbed' | '--server-pid' } | null = null,
  sessions = sessionSettings(o.options, settings.size),
): Promise<SuiteSession<StressTarget>> {
  const resources = shardResources(resourceSettings(o.options, settings.load.durationMs), o.shard);
  const given = serverPidOption(o.options);
  if (given !== null) pid = { get: () => given, from: '--server-pid' };
  const endpoint = await openSqlEndpoint(dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log });
  try {
    // MySQL sessions are threads of one process, named by a connection id, not a pid: nothing to look up in the tree.
    if (given !== null && endpoint.dialect === 'mysql') o.log(`--server-pid ${given}: watched as given (a MySQL session is a thread, so this run cannot check that the process serves this DSN)`);
    else if (given !== null) {
      const s = await endpoint.open(o.signal);
      try {
        if (!(await inTree(given, s.backendId))) {
          throw new CannotRunError(`--server-pid ${given} is not this endpoint's server on this machine: this session's backend (pid ${s.backendId}) is not in its process tree`);
        }
      } finally {
        await s.close();
      }
    }
    const timeoutMs = Math.max(5_000, o.timeoutMs);
    // The load goes to the run's namespace: a schema on PostgreSQL (qualified names), the database on MySQL.
    const driver = familyOfDsn(dsn) === 'mysql' ? await mysqlLoadDriver(dsn, { database: endpoint.namespace, timeoutMs }) : await pgLoadDriver(dsn, { timeoutMs });
    const shard = o.shard && o.shard.count > 1 ? { ...o.shard } : null;
    const monitor = serverMonitor(endpoint, pid && procAvailable() ? pid.get : null, pid?.from ?? null);
    // A shard offers its part of the notifying inserts too; the session counts (50, 20 listeners, the ramp) are per shard.
    const shardSessions = shard ? { ...sessions, notifyRate: sessions.notifyRate / shard.count } : sessions;
    const target: StressTarget = { endpoint, driver, ...settings, load: shardLoad(settings.load, o.shard), shard, sections: {}, monitor, resources, dsn, sessions: shardSessions };
    return {
      target,
      server: endpoint.server,
      dsn,
      probe: (signal) => endpoint.probe(signal),
      namespace: `schema ${endpoint.namespace}`,
      sections: () => ({ load: { size: settings.size, ...target.load, thresholds: settings.thresholds, resources, shard }, ...target.sections }),
      close: () => endpoint.close(),
    };
  } catch (e) {
    await endpoint.close();
    throw e;
  }
}

/**
 * The suite's `open()`: `--dsn postgres://…`, or without one a throwaway PostgreSQL 15 from the
 * testbed (so the server's own figures can be watched later).
 */
export async function openStress(o: OpenOptions): Promise<SuiteSession<StressTarget>> {
  const settings = stressSettings(o.options);
  // Parsed before any server starts: a bad option is exit 2 at once.
  const sessions = sessionSettings(o.options, settings.size);
  if (o.dsn !== undefined) return openOnDsn(o.dsn, o, settings, null, sessions);
  return openOnOwnedServer(
    async (): Promise<OwnedServer> => {
      o.log('no --dsn: starting a throwaway PostgreSQL 15 (testbed)');
      const { startPostgres } = await import('@helios-conformance/testbed');
      try {
        return await startPostgres({ tls: false });
      } catch (e) {
        const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        throw new CannotRunError(`could not start the testbed PostgreSQL (${first}); pass --dsn to judge an existing endpoint`);
      }
    },
    // The testbed's Endpoint carries the postmaster's PID (a restart replaces it: read it each time).
    (dsn, server) => openOnDsn(dsn, o, settings, 'pid' in server ? { get: () => (server as { pid: number }).pid, from: 'testbed' } : null, sessions),
  );
}

/** Stress: query latency under sustained load, raw and corrected for coordinated omission. */
export const stressSuite: Suite<StressTarget> = defineSuite<StressTarget>({
  name: pkg.name,
  version: pkg.version,
  description: 'Stress: latency under sustained load at a constant arrival rate (raw and corrected for coordinated omission), the server\'s memory and CPU, flushes, sessions and graceful degradation',
  bin: 'helios-stress',
  // Load behaviour cuts across the seed's ecosystems; it ranks none of this suite's own.
  seedTier: null,
  ecosystem: 'load and latency',
  idPrefixes: ['T', 'ST-'],
  cases: [...stressCases],
  // A case's load is bounded by --duration plus warm-up and drain; --size full needs a longer deadline (--timeout-ms).
  defaultTimeoutMs: 120_000,
  dsnExample: 'postgres://user:password@host:5432/database or mysql://user:password@host:3306/database',
  defaultTarget: 'a throwaway PostgreSQL 15 started by the testbed',
  classifyError: (e) => ((e as { sqlState?: unknown } | null)?.sqlState !== undefined ? classifyMysqlError(e) : classifyPgError(e)).verdict,
  isConnectionLoss: (e) => classifyPgError(e).kind === 'connection-lost' || classifyMysqlError(e).kind === 'connection-lost',
  cliOptions: {
    size: { type: 'string', valueName: 'ci|full', description: 'ci (default: 5 s loads, 100k rows) or full (the seeds: 5 minutes, 1M rows)' },
    duration: { type: 'string', valueName: 'SECONDS', description: 'measured seconds of each case\'s load (default 5; 300 with --size full)' },
    warmup: { type: 'string', valueName: 'SECONDS', description: 'warm-up before each measured window, not counted (default 1; 5 with --size full)' },
    'read-rate': { type: 'string', valueName: 'N', description: 'point SELECTs per second, at a constant arrival rate (default 200; 500 full)' },
    connections: { type: 'string', valueName: 'N', description: 'connections of the point SELECTs (default 4)' },
    writers: { type: 'string', valueName: 'N', description: 'T225 background writer connections (default 10)' },
    'write-rate': { type: 'string', valueName: 'N', description: 'T225 background writes per second, all writers together (default 500; 1000 full)' },
    rows: { type: 'string', valueName: 'N', description: 'rows of each case\'s keyed table (default 100000; 1000000 full)' },
    't225-p50-ms': { type: 'string', valueName: 'MS', description: 'T225 p50 limit (seed: 100)' },
    't225-p95-ms': { type: 'string', valueName: 'MS', description: 'T225 p95 limit (seed: 500)' },
    'point-p95-ms': { type: 'string', valueName: 'MS', description: 'ST-001 p95 limit (framework design §8: 10)' },
    'point-p99-ms': { type: 'string', valueName: 'MS', description: 'ST-001 p99 limit (framework design §8: 50)' },
    ...RESOURCE_CLI_OPTIONS,
    ...sessionCliOptions,
  },
  // --shard i/n splits the load, not the catalog: every shard runs every case with 1/n of the rates.
  shardBy: 'load',
  mergeLoadShards: mergeStressShards,
  renderConsole: renderStressConsole,
  renderHtml: renderStressHtml,
  open: openStress,
});
