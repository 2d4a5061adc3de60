import { keyed, keyedTable, defineStressCase, msText, openLoop, recordLatency, requireTimeFor } from '../../_internal/case-kit.js';
import type { LoadResult } from '../../generator/run.js';
import type { StressThresholds } from '../../target.js';

/** T225: point SELECT latency while background writers keep a constant write rate. */
export const queryLatencyUnderStress = defineStressCase({
  id: 'T225',
  title: 'query latency under stress: point SELECTs during constant background writes, p50 and p95 corrected for coordinated omission',
  priority: 'p1',
  area: 'latency',
  since: '0.1.0',
  spec: 'kalamdb-testing-strategy.md T225 (p95 < 500 ms, p50 < 100 ms during background writes)',
  async run(ctx) {
    const { load, thresholds } = ctx.target;
    // Creating and filling the keyed table: about 1 s per 100k rows on a loaded 2-core machine.
    requireTimeFor(ctx, 5_000 + load.rows / 100);
    const table = await keyedTable(ctx, 't225_items', load.rows);
    // The writers run open-loop too: a constant write rate, the same whatever the endpoint's speed,
    // so the load a slow endpoint sees is the load a fast one sees.
    const writers = openLoop(ctx, {
      workload: keyed(`UPDATE ${table} SET v = v + 1 WHERE id = $1`, load.rows),
      connections: load.writers,
      ratePerSec: load.writeRate,
      seed: ctx.seed ^ 0x7225,
    });
    const readers = openLoop(ctx, {
      workload: keyed(`SELECT v FROM ${table} WHERE id = $1`, load.rows),
      connections: load.readConnections,
      ratePerSec: load.readRate,
      seed: ctx.seed,
      goodputWithinMs: thresholds.t225P95Ms,
    });
    // Both runs end by themselves (bounded by the duration and drain); wait for both before judging or throwing.
    const [ws, rs] = await Promise.allSettled([writers, readers]);
    if (ws.status === 'rejected') throw ws.reason;
    if (rs.status === 'rejected') throw rs.reason;
    const [w, r] = [ws.value, rs.value];
    recordLatency(ctx, { readers: r, writers: w, thresholds: { p50Ms: thresholds.t225P50Ms, p95Ms: thresholds.t225P95Ms } });
    ctx.metric('readers', brief(r));
    ctx.metric('writers', brief(w));
    ctx.log(`readers: corrected p50 ${msText(r.corrected?.p50)} p95 ${msText(r.corrected?.p95)}; raw p50 ${msText(r.raw.p50)} p95 ${msText(r.raw.p95)}`);

    const why = judgeQueryLatency(r, w, thresholds);
    if (why) ctx.fail(why);
  },
});

/** The figures a case result carries as metrics (the report section has the histograms). */
export function brief(r: LoadResult): Record<string, unknown> {
  return {
    ratePerSec: r.ratePerSec,
    connections: r.connections,
    intended: r.intended,
    completed: r.completed,
    errors: r.errors,
    late: r.late,
    dropped: r.dropped,
    unfinished: r.unfinished,
    throughput: r.throughput,
    goodput: r.goodput,
    corrected: r.corrected,
    raw: r.raw,
  };
}

/**
 * T225's verdict on its figures (also on the merged figures of load shards): null, or why it
 * fails (the first of: nothing succeeded, failed reads, failed writes, p50, p95 over the limit).
 */
export function judgeQueryLatency(r: LoadResult, w: LoadResult, thresholds: StressThresholds): string | null {
  if (r.succeeded === 0) return `no point SELECT succeeded (${r.completed} completed, errors ${JSON.stringify(r.errors)})`;
  const readErrors = r.completed - r.succeeded;
  if (readErrors > 0) return `${readErrors} of ${r.completed} point SELECTs failed under stress: ${JSON.stringify(r.errors)} (${Object.values(r.errorMessages)[0] ?? ''})`;
  const writeErrors = w.completed - w.succeeded;
  if (writeErrors > 0) return `${writeErrors} of ${w.completed} background writes failed: ${JSON.stringify(w.errors)} (${Object.values(w.errorMessages)[0] ?? ''})`;
  const c = r.corrected;
  const beside = `(raw, as a closed-loop client would see it: p50 ${msText(r.raw.p50)}, p95 ${msText(r.raw.p95)}; ${r.late} late, ${r.dropped} dropped, ${r.unfinished} unfinished of ${r.intended} intended)`;
  if ((c?.p50 ?? Infinity) >= thresholds.t225P50Ms) return `p50 corrected for coordinated omission is ${msText(c?.p50)}, the limit is ${thresholds.t225P50Ms} ms ${beside}`;
  if ((c?.p95 ?? Infinity) >= thresholds.t225P95Ms) return `p95 corrected for coordinated omission is ${msText(c?.p95)}, the limit is ${thresholds.t225P95Ms} ms ${beside}`;
  return null;
}
