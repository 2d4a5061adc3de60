import { defineCase, type Case, type CaseContext } from '@helios-conformance/core';
import type { Collection } from '../adapter.js';
import type { VectorTarget } from '../target.js';
import { sharedDataset } from './_internal/datasets.js';
import { applyParams, latencyOf, planOf, record } from './_internal/measure.js';

const K = 10;
const EF = 40;
/** Queries per latency run (the dataset's queries, cycled). */
const TOTAL: Record<'ci' | 'full', number> = { ci: 400, full: 4_000 };

const COORDINATED_OMISSION =
  'closed loop: each session sends its next query when the previous answer arrives, so a stall delays later queries instead of being recorded as their latency (coordinated omission); percentiles are exact over every recorded sample';

async function latencyRun(ctx: CaseContext<VectorTarget>, concurrency: number): Promise<void> {
  const d = await sharedDataset(ctx, 'recall', 'l2');
  const cols: Collection[] = [d.collection];
  for (let i = 1; i < concurrency; i++) cols.push(await ctx.target.store.openCollection(d.spec, ctx.signal));
  for (const c of cols) await applyParams(ctx, c, { efSearch: EF, forceIndex: true, iterativeScan: 'off' });
  const plan = await planOf(ctx, cols[0]!, d, K);
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
        const m = await c.query({ vector: q, topK: K }, ctx.signal);
        samples.push(performance.now() - s);
        if (m.length !== K) wrong++;
      }
    }),
  );
  const lat = latencyOf(samples, performance.now() - t0);
  await applyParams(ctx, d.collection, { forceIndex: false });
  record(ctx.target, 'latency', `c${concurrency}`, { concurrency, k: K, efSearch: EF, ...lat, plan, records: d.shape.count, dim: d.shape.dim, note: COORDINATED_OMISSION });
  ctx.metric('latencyMs', { p50: lat.p50, p95: lat.p95, p99: lat.p99 });
  ctx.metric('qps', lat.qps);
  ctx.log(`concurrency ${concurrency}: p50 ${lat.p50} ms, p95 ${lat.p95} ms, p99 ${lat.p99} ms, ${lat.qps} QPS; plan ${plan.path}`);
  // A measurement, not a speed assertion; but the figure must come from correct, complete answers.
  if (wrong) ctx.fail(`${wrong} of ${total} timed queries returned a number of rows other than ${K}: the latency figure would describe broken answers`);
}

/** VEC-040…VEC-042: latency percentiles and QPS at concurrency 1 and 4, and index build time. */
export const latencyCases: readonly Case<VectorTarget>[] = [
  defineCase<VectorTarget>({
    id: 'VEC-040',
    title: `query latency p50/p95/p99 and QPS at concurrency 1 (top-${K}, ef_search ${EF}), every answer complete`,
    priority: 'p2',
    area: 'latency',
    requires: ['metric:l2'],
    since: '0.1.0',
    timeoutMs: 600_000,
    run: (ctx) => latencyRun(ctx, 1),
  }),
  defineCase<VectorTarget>({
    id: 'VEC-041',
    title: `query latency p50/p95/p99 and QPS at concurrency 4 (four sessions, closed loop), every answer complete`,
    priority: 'p2',
    area: 'latency',
    // Only where sessions were observed to run in parallel: on a single-session endpoint the figure would be concurrency 1 in disguise.
    requires: ['metric:l2', 'concurrency'],
    since: '0.1.0',
    timeoutMs: 600_000,
    run: (ctx) => latencyRun(ctx, 4),
  }),
  defineCase<VectorTarget>({
    id: 'VEC-042',
    title: 'index build time is measured (seed parameters M=16, ef_construction=200) and the planner then uses the index',
    priority: 'p2',
    area: 'build',
    requires: ['filter'],
    since: '0.1.0',
    timeoutMs: 900_000,
    async run(ctx) {
      const d = await sharedDataset(ctx, 'filtered', 'l2');
      await applyParams(ctx, d.collection, { efSearch: EF, forceIndex: false, iterativeScan: 'off' });
      const plan = await planOf(ctx, d.collection, d, K);
      const entry = { records: d.shape.count, dim: d.shape.dim, index: d.spec.index, loadMs: Math.round(d.loadMs), buildMs: d.buildMs === undefined ? null : Math.round(d.buildMs), planAfterBuild: plan };
      record(ctx.target, 'build', 'seed-index', entry);
      ctx.metric('buildMs', entry.buildMs);
      ctx.metric('loadMs', entry.loadMs);
      ctx.metric('plan', plan.path);
      if (plan.path === 'exact') ctx.fail(`after building the index the planner still runs an unfiltered top-${K} as an exact scan (${plan.detail ?? ''}): the index is not usable`);
    },
  }),
];
