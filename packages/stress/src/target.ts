import type { SqlEndpoint } from '@helios-conformance/sql';
import type { LoadDriver } from './generator/driver.js';
import type { ServerMonitor } from './monitor/server-monitor.js';
import type { ResourceSettings } from './cases/resources/settings.js';
import type { SessionSettings } from './cases/sessions/settings.js';

/** How big a run is: `ci` (short loads, small tables) or `full` (the seed's 5 minutes, 1M rows). */
export type StressSize = 'ci' | 'full';

/** The service levels the cases judge against: the seeds' by default, each one a CLI option. */
export interface StressThresholds {
  /** T225: p50 of point SELECTs under background writes, corrected for coordinated omission (seed: 100 ms). */
  t225P50Ms: number;
  /** T225: p95 (seed: 500 ms). */
  t225P95Ms: number;
  /** ST-001: point-query p95 (framework design §8: 10 ms). */
  pointP95Ms: number;
  /** ST-001: point-query p99 (framework design §8: 50 ms). */
  pointP99Ms: number;
}

/** The load each case offers; rates are operations per second. */
export interface StressLoad {
  /** Measured seconds of each case's load (warm-up not included). */
  durationMs: number;
  /** Warm-up before the measured window. */
  warmupMs: number;
  /** Open-loop rate of the point SELECTs (T225, ST-001). */
  readRate: number;
  /** Connections the readers use. */
  readConnections: number;
  /** T225's background writers: how many, and their total open-loop rate. */
  writers: number;
  writeRate: number;
  /** Rows of the tables the cases create (ST-001: the seed says 1M; CI size smaller). */
  rows: number;
}

/**
 * What the stress cases receive as `ctx.target`: the dialect-neutral endpoint (setup, cleanup),
 * the load driver of the same endpoint's wire family (the hot path), the load and the thresholds.
 * Cases record their figures into {@link StressTarget.sections} (`latency`, keyed by case ID).
 */
export interface StressTarget {
  readonly endpoint: SqlEndpoint;
  readonly driver: LoadDriver;
  readonly size: StressSize;
  readonly load: StressLoad;
  readonly thresholds: StressThresholds;
  /** `--shard i/n` (n > 1): the load above is this shard's part; null when the run is whole. */
  readonly shard: { index: number; count: number } | null;
  readonly sections: Record<string, unknown>;
  /** Samples the server (memory and CPU of its process tree when its PID is known, SQL figures always) while a case runs. */
  readonly monitor: ServerMonitor;
  /** The resource cases' (T220, T222, T224, T226) rates and limits. */
  readonly resources: ResourceSettings;
  /** The DSN the run uses (with its password: never print it), for cases that open their own tagged clients. */
  readonly dsn: string;
  /** The session cases' settings (T221, T223, T227, T228). */
  readonly sessions: SessionSettings;
}
