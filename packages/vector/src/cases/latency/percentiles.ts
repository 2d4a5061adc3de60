import assert from 'node:assert/strict';
import type { Collection } from '../../adapter.js';
import { defineVectorCase, record, type VectorContext } from '../../_internal/case-kit.js';
import { sharedDataset } from '../_internal/datasets.js';
import { applyParams, latencyOf, planOf } from '../_internal/measure.js';

/** Neighbours per timed query and the ef_search they run at. */
export const LATENCY_K = 10;
export const LATENCY_EF = 40;
/** Queries per latency run (the dataset's queries, cycled). */
const TOTAL: Record<'ci' | 'full', number> = { ci: 400, full: 4_000 };

const COORDINATED_OMISSION =
  'closed loop: each session sends its next query when the previous answer arrives, so a stall delays later queries instead of being recorded as their latency (coordinated omission); percentiles are exact over every recorded sample';

/**
 * The latency scenario: `concurrency` sessions on the shared L2 dataset each send their next query
 * when the previous answer arrives until the run's total is reached; every sample is kept.
 */
async function measureLatency(ctx: VectorContext, concurrency: number): Promise<void> {
  const d = await sharedDataset(ctx, 'recall', 'l2');
  const cols: Collection[] = [d.collection];
  for (let i = 1; i < concurrency; i++) cols.push(await ctx.target.store.openCollection(d.spec, ctx.signal));
  for (const c of cols) await applyParams(ctx, c, { efSearch: LATENCY_EF, forceIndex: true, iterativeScan: 'off' });
  const plan = await planOf(ctx, cols[0]!, d, LATENCY_K);
  const total = TOTAL[ctx.target.size];
  const samples: number[] = [];
  let next = 0;
  let wrong = 0;
  const t0 = performance.now();
  await Promise.all(
    cols.map(async (c) => {
      for (let i = next++; i < total; i = next++) {
        const q = d.ds.queries[i % d.ds.queries.length]!;
        const s = performance.now();
        const m = await c.query({ vector: q, topK: LATENCY_K }, ctx.signal);
        samples.push(performance.now() - s);
        if (m.length !== LATENCY_K) wrong++;
      }
    }),
  );
  const lat = latencyOf(samples, performance.now() - t0);
  await applyParams(ctx, d.collection, { forceIndex: false });
  record(ctx.target, 'latency', `c${concurrency}`, { concurrency, k: LATENCY_K, efSearch: LATENCY_EF, ...lat, plan, records: d.shape.count, dim: d.shape.dim, note: COORDINATED_OMISSION });
  ctx.metric('latencyMs', { p50: lat.p50, p95: lat.p95, p99: lat.p99 });
  ctx.metric('qps', lat.qps);
  ctx.log(`concurrency ${concurrency}: p50 ${lat.p50} ms, p95 ${lat.p95} ms, p99 ${lat.p99} ms, ${lat.qps} QPS; plan ${plan.path}`);

  // A measurement, not a speed assertion; but the figure must come from correct, complete answers.
  assert.equal(wrong, 0, `timed queries (of ${total}) that returned a number of rows other than ${LATENCY_K}, so the latency figure would describe broken answers`);
}

/** VEC-040: one session. */
export const latencyOneSession = defineVectorCase({
  id: 'VEC-040',
  title: `query latency p50/p95/p99 and QPS at concurrency 1 (top-${LATENCY_K}, ef_search ${LATENCY_EF}), every answer complete`,
  priority: 'p2',
  area: 'latency',
  requires: ['metric:l2'],
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => measureLatency(ctx, 1),
});

/** VEC-041: four sessions at once. */
export const latencyFourSessions = defineVectorCase({
  id: 'VEC-041',
  title: `query latency p50/p95/p99 and QPS at concurrency 4 (four sessions, closed loop), every answer complete`,
  priority: 'p2',
  area: 'latency',
  // Only where sessions were observed to run in parallel: on a single-session endpoint the figure would be concurrency 1 in disguise.
  requires: ['metric:l2', 'concurrency'],
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => measureLatency(ctx, 4),
});
