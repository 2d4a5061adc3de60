// `helios-stress merge shard-*.json`: the shards of one load (`--shard i/n`) combined exactly.
// Histograms add (every recorded latency counts once, in the shard that measured it); counts and
// rates add; percentiles are read from the added histograms, never averaged. The cases that judge
// load figures are judged again on the merged figures with the thresholds the shards ran with.
import { MergeError, type Report } from '@helios-conformance/core';
import { decodeHistogram, encodeHistogram, newHistogram, spectrum, summarize, type LatencyHistogram } from './generator/histogram.js';
import type { LoadResult, SecondStats } from './generator/run.js';
import { judgePointQuery } from './cases/latency/point-query.js';
import { brief, judgeQueryLatency } from './cases/seed/t225-query-latency.js';
import type { StressThresholds } from './target.js';

function added(encoded: ReadonlyArray<string | null>): LatencyHistogram | null {
  if (encoded.some((e) => e === null)) return null;
  const h = newHistogram();
  for (const e of encoded) h.add(decodeHistogram(e as string));
  return h;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function addCounts(maps: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v;
  return out;
}

const pct = (h: LatencyHistogram | null, p: number): number | null => (h === null || h.totalCount === 0 ? null : Math.round(h.getValueAtPercentile(p)) / 1000);

/**
 * Seconds are aligned by their index from each shard's own start: shards started together by a
 * scheduler (a CI matrix, an Indexed Job) are within a second or so of each other.
 */
function mergeTimelines(timelines: ReadonlyArray<readonly SecondStats[]>): SecondStats[] {
  const n = Math.max(0, ...timelines.map((t) => t.length));
  const out: SecondStats[] = [];
  for (let i = 0; i < n; i++) {
    const here = timelines.map((t) => t[i]).filter((s): s is SecondStats => s !== undefined);
    const raw = added(here.map((s) => s.histograms?.raw ?? null));
    const corrected = here.every((s) => s.corrected) ? added(here.map((s) => s.histograms?.corrected ?? null)) : null;
    out.push({
      second: i + 1,
      warmup: here.some((s) => s.warmup),
      completed: sum(here.map((s) => s.completed)),
      errors: sum(here.map((s) => s.errors)),
      backlog: sum(here.map((s) => s.backlog)),
      raw: { p50: pct(raw, 50), p99: pct(raw, 99) },
      corrected: corrected ? { p50: pct(corrected, 50), p99: pct(corrected, 99) } : null,
      histograms: { raw: raw ? encodeHistogram(raw) : '', corrected: corrected ? encodeHistogram(corrected) : null },
    });
  }
  return out;
}

/**
 * One load's results from several shards as if one generator had offered their sum: histograms
 * added, counts and rates summed, percentiles and throughput recomputed. Throws MergeError when a
 * shard's result has no histograms (an older report) or the shards ran different modes.
 */
export function mergeLoadResults(parts: readonly LoadResult[]): LoadResult {
  const first = parts[0];
  if (!first) throw new MergeError('no load results to merge');
  for (const p of parts) {
    if (p.mode !== first.mode) throw new MergeError(`shards ran ${first.mode}-loop and ${p.mode}-loop loads: merge the shards of one run`);
    if (typeof p.histograms?.raw !== 'string') throw new MergeError('a shard report has no HDR histograms to merge');
  }
  const raw = added(parts.map((p) => p.histograms.raw)) as LatencyHistogram;
  const corrected = first.mode === 'open' ? added(parts.map((p) => p.histograms.corrected)) : null;
  const measuredMs = Math.max(...parts.map((p) => p.measuredMs));
  const completed = sum(parts.map((p) => p.completed));
  const open = first.mode === 'open';
  return {
    mode: first.mode,
    family: first.family,
    connections: sum(parts.map((p) => p.connections)),
    inFlightPerConnection: first.inFlightPerConnection,
    ratePerSec: open ? sum(parts.map((p) => p.ratePerSec ?? 0)) : null,
    seed: first.seed,
    warmupMs: first.warmupMs,
    measuredMs,
    intended: open ? sum(parts.map((p) => p.intended ?? 0)) : null,
    sent: sum(parts.map((p) => p.sent)),
    completed,
    succeeded: sum(parts.map((p) => p.succeeded)),
    errors: addCounts(parts.map((p) => p.errors)),
    errorMessages: Object.assign({}, ...parts.map((p) => p.errorMessages)) as Record<string, string>,
    late: sum(parts.map((p) => p.late)),
    lateAfterMs: first.lateAfterMs,
    dropped: sum(parts.map((p) => p.dropped)),
    unfinished: sum(parts.map((p) => p.unfinished)),
    // Each shard's rate over its own window, added: the shards' windows overlap (they run together).
    throughput: Math.round(sum(parts.map((p) => p.throughput)) * 10) / 10,
    goodput: Math.round(sum(parts.map((p) => p.goodput)) * 10) / 10,
    goodputWithinMs: first.goodputWithinMs,
    raw: summarize(raw),
    corrected: corrected ? summarize(corrected) : null,
    spectrum: { raw: spectrum(raw), corrected: corrected ? spectrum(corrected) : null },
    histograms: { raw: encodeHistogram(raw), corrected: corrected ? encodeHistogram(corrected) : null },
    timeline: mergeTimelines(parts.map((p) => p.timeline ?? [])),
  };
}

type LatencyEntry = { readers?: LoadResult; writers?: LoadResult; rows?: number; thresholds?: unknown } & Record<string, unknown>;

/** The cases whose verdict is a function of their load figures, judged again after a merge. */
const JUDGES: Record<string, (e: { readers: LoadResult; writers?: LoadResult; rows?: number }, t: StressThresholds) => string | null> = {
  T225: (e, t) => (e.writers ? judgeQueryLatency(e.readers, e.writers, t) : 'a shard recorded no background writers'),
  'ST-001': (e, t) => judgePointQuery(e.readers, e.rows ?? 0, t),
};

/**
 * The stress suite's `mergeLoadShards`: the `latency` section's load results merged case by case
 * and judged again; the `load` section's rates and connections summed. Shards that ran with other
 * thresholds or sizes cannot be merged.
 */
export function mergeStressShards(reports: readonly Report[]): {
  verdicts: Record<string, { status: 'pass' | 'fail'; message: string | null; metrics?: Record<string, unknown> }>;
  sections: Record<string, unknown>;
} {
  const loads = reports.map((r) => (r.sections?.load ?? {}) as Record<string, unknown>);
  const first = loads[0] ?? {};
  for (const l of loads) {
    for (const k of ['size', 'durationMs', 'warmupMs', 'rows', 'thresholds']) {
      if (JSON.stringify(l[k]) !== JSON.stringify(first[k])) throw new MergeError(`the shards ran with different ${k} (${JSON.stringify(first[k])} and ${JSON.stringify(l[k])}): run every shard with the same options`);
    }
  }
  const thresholds = first.thresholds as StressThresholds;
  const load = { ...first, shard: null, shards: reports.length };
  for (const k of ['readRate', 'writeRate', 'readConnections', 'writers']) load[k as keyof typeof load] = sum(loads.map((l) => Number(l[k] ?? 0))) as never;

  const latencies = reports.map((r) => (r.sections?.latency ?? {}) as Record<string, LatencyEntry>);
  const latency: Record<string, LatencyEntry> = {};
  const verdicts: Record<string, { status: 'pass' | 'fail'; message: string | null; metrics?: Record<string, unknown> }> = {};
  for (const id of Object.keys(latencies[0] ?? {})) {
    const entries = latencies.map((l) => l[id]);
    if (entries.some((e) => !e)) continue;
    const e0 = entries[0] as LatencyEntry;
    const merged: LatencyEntry = { ...e0 };
    for (const side of ['readers', 'writers'] as const) {
      if (entries.every((e) => e?.[side])) merged[side] = mergeLoadResults(entries.map((e) => e?.[side] as LoadResult));
    }
    latency[id] = merged;
    const judge = JUDGES[id];
    if (judge && merged.readers) {
      const why = judge(merged as { readers: LoadResult; writers?: LoadResult; rows?: number }, thresholds);
      const metrics: Record<string, unknown> = { shards: reports.length, readers: brief(merged.readers) };
      if (merged.writers) metrics.writers = brief(merged.writers);
      if (merged.rows !== undefined) metrics.rows = merged.rows;
      verdicts[id] = { status: why ? 'fail' : 'pass', message: why, metrics };
    }
  }
  // Other sections (what a shard saw of the server) are the first shard's.
  const rest = Object.assign({}, ...[...reports].reverse().map((r) => r.sections ?? {})) as Record<string, unknown>;
  return { verdicts, sections: { ...rest, load, latency } };
}
