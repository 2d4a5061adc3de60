import { keyed, keyedTable, defineStressCase, msText, openLoop, recordLatency, requireTimeFor } from '../../_internal/case-kit.js';
import { brief } from '../seed/t225-query-latency.js';
import type { LoadResult } from '../../generator/run.js';
import type { StressThresholds } from '../../target.js';

/** ST-001: the framework design's point-query SLA (§8) on a keyed table. */
export const pointQuerySla = defineStressCase({
  id: 'ST-001',
  title: 'point query by primary key: p95 < 10 ms and p99 < 50 ms at a constant arrival rate, corrected for coordinated omission',
  priority: 'p1',
  area: 'latency',
  since: '0.1.0',
  spec: 'heliosdb-test-framework-design.txt §8 (test_query_latency_sla: 1M rows, p95 < 10 ms, p99 < 50 ms)',
  async run(ctx) {
    const { load, thresholds } = ctx.target;
    // Creating and filling the keyed table: about 1 s per 100k rows on a loaded 2-core machine.
    requireTimeFor(ctx, 5_000 + load.rows / 100);
    const table = await keyedTable(ctx, 'st001_items', load.rows);
    const r = await openLoop(ctx, {
      workload: keyed(`SELECT id, v, pad FROM ${table} WHERE id = $1`, load.rows),
      connections: load.readConnections,
      ratePerSec: load.readRate,
      seed: ctx.seed,
      goodputWithinMs: thresholds.pointP95Ms,
    });
    recordLatency(ctx, { readers: r, rows: load.rows, thresholds: { p95Ms: thresholds.pointP95Ms, p99Ms: thresholds.pointP99Ms } });
    ctx.metric('rows', load.rows);
    ctx.metric('readers', brief(r));
    ctx.log(`${load.rows} rows: corrected p95 ${msText(r.corrected?.p95)} p99 ${msText(r.corrected?.p99)}; raw p95 ${msText(r.raw.p95)} p99 ${msText(r.raw.p99)}`);

    const why = judgePointQuery(r, load.rows, thresholds);
    if (why) ctx.fail(why);
  },
});

/** ST-001's verdict on its figures (also on the merged figures of load shards): null, or why it fails. */
export function judgePointQuery(r: LoadResult, rows: number, thresholds: StressThresholds): string | null {
  if (r.succeeded === 0) return `no point query succeeded (${r.completed} completed, errors ${JSON.stringify(r.errors)})`;
  const errors = r.completed - r.succeeded;
  if (errors > 0) return `${errors} of ${r.completed} point queries failed: ${JSON.stringify(r.errors)} (${Object.values(r.errorMessages)[0] ?? ''})`;
  const c = r.corrected;
  const beside = `(raw: p95 ${msText(r.raw.p95)}, p99 ${msText(r.raw.p99)}; ${rows} rows, ${r.late} late, ${r.dropped} dropped)`;
  if ((c?.p95 ?? Infinity) >= thresholds.pointP95Ms) return `p95 corrected for coordinated omission is ${msText(c?.p95)}, the limit is ${thresholds.pointP95Ms} ms ${beside}`;
  if ((c?.p99 ?? Infinity) >= thresholds.pointP99Ms) return `p99 corrected for coordinated omission is ${msText(c?.p99)}, the limit is ${thresholds.pointP99Ms} ms ${beside}`;
  return null;
}
