// The resource cases' options: rates, limits and how memory and CPU are judged. The seed's
// figures by default (kalamdb-testing-strategy.md T220, T222, T224, T226), each one an option.
import type { OpenOptions, SuiteCliOption } from '@helios-conformance/core';
import { numberOption, oneOfOption } from '../../_internal/options.js';
import type { MemoryBasis } from '../../monitor/server-monitor.js';

/** What T220, T222, T224 and T226 judge against. */
export interface ResourceSettings {
  /** Which memory figure T220 and T224 judge: `anon` (the server processes' own heap, default), `pss` or `rss`. */
  memory: MemoryBasis;
  /** Interval of the server monitor's samples. */
  sampleMs: number;
  /** T220: growth limit from the early to the late part of the measured window (seed: 10 %). */
  t220GrowthPct: number;
  /** T222: inserts per second, over all writers (seed: 1,000). */
  t222Rate: number;
  /** T222: average and peak CPU limits (seed: 60 % and 80 %), as % of `t222CpuOf`. */
  t222AvgCpuPct: number;
  t222PeakCpuPct: number;
  /** T222: % of the whole machine (all cores, default) or of one core. */
  t222CpuOf: 'machine' | 'core';
  /** T224: memory after the settle must be within this much of the baseline (seed: 15 %). */
  t224ReleasePct: number;
  /** T224: how long after the load stops memory is given to come back (seed: 60 s after 2 minutes of load; default half of --duration, from 2 to 60 s, so --size full fits --timeout-ms 400000). */
  t224SettleMs: number;
  /** T226: checkpoints issued during the measured window (seed: every 30 s; default one per 30 s of --duration, at least 1). */
  t226Checkpoints: number;
  /** T226: a checkpoint that has not finished after this long fails the case. */
  t226CheckpointTimeoutMs: number;
}

type Options = OpenOptions['options'];

/** The resource cases' settings from the suite's CLI options; `durationMs` is the measured window of each load. */
export function resourceSettings(options: Options, durationMs: number): ResourceSettings {
  return {
    memory: oneOfOption(options, 'memory', ['anon', 'pss', 'rss'] as const, 'anon'),
    sampleMs: numberOption(options, 'sample-ms', 250, 50, 60_000),
    t220GrowthPct: numberOption(options, 't220-growth-pct', 10, 0, 10_000),
    t222Rate: numberOption(options, 't222-rate', 1_000, 1, 1_000_000),
    t222AvgCpuPct: numberOption(options, 't222-cpu-avg-pct', 60, 0, 100_000),
    t222PeakCpuPct: numberOption(options, 't222-cpu-peak-pct', 80, 0, 100_000),
    t222CpuOf: oneOfOption(options, 't222-cpu-of', ['machine', 'core'] as const, 'machine'),
    t224ReleasePct: numberOption(options, 't224-release-pct', 15, 0, 10_000),
    t224SettleMs: Math.round(numberOption(options, 't224-settle', Math.min(60, Math.max(2, durationMs / 2_000)), 0, 3_600) * 1000),
    t226Checkpoints: Math.floor(numberOption(options, 't226-checkpoints', Math.max(1, Math.floor(durationMs / 30_000)), 1, 1_000)),
    t226CheckpointTimeoutMs: numberOption(options, 't226-checkpoint-timeout-ms', 30_000, 100, 3_600_000),
  };
}

/** The resource cases' CLI options (the suite's `cliOptions` spread them in). */
export const RESOURCE_CLI_OPTIONS: Readonly<Record<string, SuiteCliOption>> = Object.freeze({
  'server-pid': { type: 'string', valueName: 'PID', description: 'process ID of the endpoint\'s server on this machine (e.g. the postmaster): T220/T222/T224 watch memory and CPU of its process tree (without --dsn the suite knows it)' },
  memory: { type: 'string', valueName: 'anon|pss|rss', description: 'memory figure T220/T224 judge: anon (the server processes\' own heap, default), pss or rss (both include shared buffers as they are touched)' },
  'sample-ms': { type: 'string', valueName: 'MS', description: 'interval of the server monitor\'s samples (default 250)' },
  't220-growth-pct': { type: 'string', valueName: 'PCT', description: 'T220 memory growth limit, early vs late part of the load (seed: 10)' },
  't222-rate': { type: 'string', valueName: 'N', description: 'T222 inserts per second (seed: 1000)' },
  't222-cpu-avg-pct': { type: 'string', valueName: 'PCT', description: 'T222 average CPU limit (seed: 60)' },
  't222-cpu-peak-pct': { type: 'string', valueName: 'PCT', description: 'T222 peak CPU limit, highest 1-second average (seed: 80)' },
  't222-cpu-of': { type: 'string', valueName: 'machine|core', description: 'T222 CPU limits as % of the whole machine (default) or of one core' },
  't224-release-pct': { type: 'string', valueName: 'PCT', description: 'T224: memory after the settle within this % of the baseline (seed: 15)' },
  't224-settle': { type: 'string', valueName: 'SECONDS', description: 'T224 settle time after the load stops (default half of --duration, from 2 to 60; seed: 60)' },
  't226-checkpoints': { type: 'string', valueName: 'N', description: 'T226 checkpoints during the load (default one per 30 s of --duration, at least 1)' },
  't226-checkpoint-timeout-ms': { type: 'string', valueName: 'MS', description: 'T226: a checkpoint slower than this fails (default 30000)' },
});
