// What the resource cases share: the server monitor run for the case (recorded in the report's
// `server` section even when the case fails or times out), an append-only table for writers, and
// the windows of a series the verdicts are computed on.
import { setTimeout as sleep } from 'node:timers/promises';
import type { StressContext } from '../../_internal/case-kit.js';
import { memoryOf, type MemoryBasis, type MonitorRun, type ServerSample, type ServerSeries } from '../../monitor/server-monitor.js';

/** Ends the case as `n/a` when the server's memory and CPU cannot be watched (remote endpoint, no --server-pid). */
export function requireProcessFigures(ctx: StressContext): void {
  const reason = ctx.target.monitor.unavailable;
  if (reason !== null) ctx.notApplicable(reason);
}

/** The report's `server` section: each case's series and the figures it was judged on, keyed by case ID. */
export function recordServer(ctx: StressContext, entry: { series: ServerSeries; judged?: Record<string, unknown> }): void {
  const section = (ctx.target.sections.server ??= {}) as Record<string, unknown>;
  section[ctx.id] = entry;
}

/**
 * Starts the monitor for this case (every --sample-ms, or `maxIntervalMs` where a case needs more samples). `finish()` stops it and records the series with `judged`;
 * if the case ends first (failure, deadline), the series is still recorded by a deferred cleanup.
 */
export async function watchServer(ctx: StressContext, o: { maxIntervalMs?: number } = {}): Promise<{ run: MonitorRun; finish: (judged?: Record<string, unknown>) => Promise<ServerSeries> }> {
  const intervalMs = Math.min(ctx.target.resources.sampleMs, o.maxIntervalMs ?? Infinity);
  const run = await ctx.target.monitor.start({ intervalMs, signal: ctx.signal });
  let recorded = false;
  ctx.defer(async () => {
    const series = await run.stop();
    if (!recorded) recordServer(ctx, { series });
  });
  return {
    run,
    async finish(judged) {
      const series = await run.stop();
      recordServer(ctx, { series, ...(judged ? { judged } : {}) });
      recorded = true;
      return series;
    },
  };
}

/** Creates `name` in the run's namespace as (k int, v int, pad text) with no index, dropped after the case. */
export async function appendTable(ctx: StressContext, name: string): Promise<string> {
  const { endpoint } = ctx.target;
  const table = endpoint.qualify(name);
  const s = await endpoint.open(ctx.signal);
  ctx.defer(async () => {
    try {
      await s.query(`DROP TABLE IF EXISTS ${table}`);
    } finally {
      await s.close();
    }
  });
  await s.query(`CREATE TABLE ${table} (k int NOT NULL, v int NOT NULL, pad text NOT NULL)`, [], ctx.signal);
  return table;
}

/** The insert every resource case's writers run: a random key, a constant 80-byte row. */
export const insertSql = (table: string): string => `INSERT INTO ${table} (k, v, pad) VALUES ($1, 0, repeat('x', 80))`;

/** Samples taken in (from, to] (ms since the monitor started). */
export function within(series: ServerSeries, from: number, to: number): ServerSample[] {
  return series.samples.filter((s) => s.tMs > from && s.tMs <= to);
}

/** The memory figure of each sample, nulls dropped. */
export function memories(samples: readonly ServerSample[], basis: MemoryBasis): number[] {
  return samples.map((s) => memoryOf(s, basis)).filter((v): v is number => v !== null);
}

/**
 * CPU over (from, to]: the time-weighted average and the highest 1-second average, as % of one
 * core and of the machine. Each sample's CPU covers the interval since the sample before it.
 */
export function cpuOver(series: ServerSeries, from: number, to: number): { avgCorePct: number | null; peakCorePct: number | null; seconds: number } {
  const iv: Array<{ start: number; end: number; pct: number }> = [];
  for (let i = 1; i < series.samples.length; i++) {
    const a = series.samples[i - 1]!;
    const b = series.samples[i]!;
    if (b.cpuCorePct === null || a.tMs < from || b.tMs > to) continue;
    iv.push({ start: a.tMs, end: b.tMs, pct: b.cpuCorePct });
  }
  if (iv.length === 0) return { avgCorePct: null, peakCorePct: null, seconds: 0 };
  const weighted = (xs: typeof iv): number => xs.reduce((n, x) => n + x.pct * (x.end - x.start), 0) / Math.max(1, xs.reduce((n, x) => n + (x.end - x.start), 0));
  let peak = 0;
  // The seed samples CPU once a second: the peak is the highest average over any run of
  // consecutive intervals spanning at least a second (one interval alone where the window is shorter).
  for (let j = 0; j < iv.length; j++) {
    let i = j;
    while (i > 0 && iv[j]!.end - iv[i]!.start < 1_000) i--;
    peak = Math.max(peak, weighted(iv.slice(i, j + 1)));
  }
  const r1 = (v: number): number => Math.round(v * 10) / 10;
  return { avgCorePct: r1(weighted(iv)), peakCorePct: r1(peak), seconds: (iv.at(-1)!.end - iv[0]!.start) / 1000 };
}

/** Waits `ms`, or less when the case is aborted. */
export function pause(ctx: StressContext, ms: number): Promise<void> {
  return sleep(ms, undefined, { signal: ctx.signal }).catch(() => undefined);
}

/** `12.3 MB` from kB. */
export const mb = (kb: number | null | undefined): string => (kb === null || kb === undefined ? '-' : `${(kb / 1024).toFixed(1)} MB`);
