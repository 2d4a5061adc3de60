import { defineCase, type Case } from '@helios-conformance/core';
import type { VectorMetric } from '../adapter.js';
import type { VectorTarget } from '../target.js';
import { sharedDataset } from './_internal/datasets.js';
import { applyParams, groundTruth, planOf, r4, recallOf, record, runQueries, latencyOf } from './_internal/measure.js';

/** Required recall@k (tie-safe) of the ANN index at the ef_search the case sets. */
export const RECALL_THRESHOLD = 0.95;

/** ef_search the recall cases use for k: pgvector's default 40, at least 2·k (HNSW returns at most ef_search rows). */
export const efSearchFor = (k: number): number => Math.max(40, 2 * k);

const METRICS: Array<{ metric: VectorMetric; name: string; first: number }> = [
  { metric: 'cosine', name: 'cosine', first: 1 },
  { metric: 'l2', name: 'L2', first: 4 },
  { metric: 'ip', name: 'inner product', first: 7 },
];

function recallCase(metric: VectorMetric, name: string, k: number, id: string): Case<VectorTarget> {
  return defineCase<VectorTarget>({
    id,
    title: `recall@${k} of the ANN index with ${name} distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
    priority: k === 10 ? 'p0' : 'p1',
    area: 'recall',
    requires: [`metric:${metric}`],
    spec: 'https://github.com/pgvector/pgvector#hnsw',
    since: '0.1.0',
    timeoutMs: 600_000,
    async run(ctx) {
      const d = await sharedDataset(ctx, 'recall', metric);
      const col = d.collection;
      const efSearch = efSearchFor(k);
      const params = await applyParams(ctx, col, { efSearch, forceIndex: true, iterativeScan: 'off' });
      const plan = await planOf(ctx, col, d, k);
      const gt = await groundTruth(d, k, undefined, ctx.signal);
      const t0 = performance.now();
      const answers = await runQueries(ctx, col, d, k);
      const wall = performance.now() - t0;
      const fig = recallOf(d, answers, gt);
      const lat = latencyOf(answers.map((a) => a.ms), wall);
      const row = {
        metric,
        k,
        recallById: r4(fig.recallById),
        recallTieSafe: r4(fig.recallTieSafe),
        threshold: RECALL_THRESHOLD,
        queries: fig.queries,
        shortAnswers: fig.shortAnswers,
        maxDistanceError: fig.maxDistanceError,
        plan,
        params,
        index: d.spec.index,
        records: d.shape.count,
        dim: d.shape.dim,
        groundTruthMs: Math.round(gt.ms),
        latencyMs: { p50: lat.p50, p99: lat.p99 },
        qps: lat.qps,
      };
      record(ctx.target, 'recall', `${metric}@${k}`, row);
      for (const [key, v] of Object.entries({ recallById: row.recallById, recallTieSafe: row.recallTieSafe, plan: plan.path, efSearch: params.efSearch ?? null })) ctx.metric(key, v);
      ctx.log(`recall@${k} ${metric}: by id ${row.recallById}, tie-safe ${row.recallTieSafe}; plan ${plan.path} (${plan.detail ?? ''})`);
      if (plan.path === 'exact') {
        ctx.fail(`the query ran as an exact scan (${plan.detail}), not on the ANN index: recall ${row.recallTieSafe} says nothing about the index`);
      }
      if (fig.maxDistanceError > 1e-3 * Math.max(1, Math.abs(gt.distances[0]?.[0] ?? 1))) {
        ctx.fail(`reported ${metric} distances differ from the exact ones by up to ${fig.maxDistanceError.toExponential(2)}`);
      }
      if (fig.recallTieSafe < RECALL_THRESHOLD) {
        ctx.fail(
          `recall@${k} (${metric}, tie-safe) is ${row.recallTieSafe} < ${RECALL_THRESHOLD} (by ID ${row.recallById}; ${fig.shortAnswers} of ${fig.queries} queries returned fewer than ${k} rows; ef_search ${params.efSearch ?? 'n/a'})`,
        );
      }
    },
  });
}

/** VEC-001…VEC-009: recall@1/10/100 for cosine, L2 and inner product. */
export const recallCases: readonly Case<VectorTarget>[] = METRICS.flatMap(({ metric, name, first }) =>
  [1, 10, 100].map((k, i) => recallCase(metric, name, k, `VEC-${String(first + i).padStart(3, '0')}`)),
);
