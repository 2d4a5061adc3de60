import assert from 'node:assert/strict';
import type { VectorMetric } from '../../adapter.js';
import { defineVectorCase, record, type VectorContext } from '../../_internal/case-kit.js';
import { sharedDataset } from '../_internal/datasets.js';
import { applyParams, groundTruth, latencyOf, planOf, r4, recallOf, runQueries } from '../_internal/measure.js';

/** Required recall@k (tie-safe) of the ANN index at the ef_search the case sets. */
export const RECALL_THRESHOLD = 0.95;

/** ef_search the recall cases use for k: pgvector's default 40, at least 2·k (HNSW returns at most ef_search rows). */
export const efSearchFor = (k: number): number => Math.max(40, 2 * k);

const SPEC = 'https://github.com/pgvector/pgvector#hnsw';

/**
 * The recall scenario of VEC-001…VEC-009: the shared dataset of the metric on its HNSW index,
 * exact scans forbidden, every query timed; then the plan, the distances and the recall are judged.
 */
async function judgeRecall(ctx: VectorContext, metric: VectorMetric, k: number): Promise<void> {
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

  assert.notEqual(plan.path, 'exact', `the query ran as an exact scan (${plan.detail}), not on the ANN index: recall ${row.recallTieSafe} says nothing about the index`);
  const tolerance = 1e-3 * Math.max(1, Math.abs(gt.distances[0]?.[0] ?? 1));
  assert.ok(fig.maxDistanceError <= tolerance, `reported ${metric} distances differ from the exact ones by up to ${fig.maxDistanceError.toExponential(2)}`);
  assert.ok(
    fig.recallTieSafe >= RECALL_THRESHOLD,
    `recall@${k} (${metric}, tie-safe) is ${row.recallTieSafe} < ${RECALL_THRESHOLD} (by ID ${row.recallById}; ${fig.shortAnswers} of ${fig.queries} queries returned fewer than ${k} rows; ef_search ${params.efSearch ?? 'n/a'})`,
  );
}

/** VEC-001: recall@1, cosine. */
export const recallCosineAt1 = defineVectorCase({
  id: 'VEC-001',
  title: `recall@1 of the ANN index with cosine distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
  priority: 'p1',
  area: 'recall',
  requires: ['metric:cosine'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeRecall(ctx, 'cosine', 1),
});

/** VEC-002: recall@10, cosine. */
export const recallCosineAt10 = defineVectorCase({
  id: 'VEC-002',
  title: `recall@10 of the ANN index with cosine distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
  priority: 'p0',
  area: 'recall',
  requires: ['metric:cosine'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeRecall(ctx, 'cosine', 10),
});

/** VEC-003: recall@100, cosine. */
export const recallCosineAt100 = defineVectorCase({
  id: 'VEC-003',
  title: `recall@100 of the ANN index with cosine distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
  priority: 'p1',
  area: 'recall',
  requires: ['metric:cosine'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeRecall(ctx, 'cosine', 100),
});

/** VEC-004: recall@1, L2. */
export const recallL2At1 = defineVectorCase({
  id: 'VEC-004',
  title: `recall@1 of the ANN index with L2 distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
  priority: 'p1',
  area: 'recall',
  requires: ['metric:l2'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeRecall(ctx, 'l2', 1),
});

/** VEC-005: recall@10, L2. */
export const recallL2At10 = defineVectorCase({
  id: 'VEC-005',
  title: `recall@10 of the ANN index with L2 distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
  priority: 'p0',
  area: 'recall',
  requires: ['metric:l2'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeRecall(ctx, 'l2', 10),
});

/** VEC-006: recall@100, L2. */
export const recallL2At100 = defineVectorCase({
  id: 'VEC-006',
  title: `recall@100 of the ANN index with L2 distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
  priority: 'p1',
  area: 'recall',
  requires: ['metric:l2'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeRecall(ctx, 'l2', 100),
});

/** VEC-007: recall@1, inner product. */
export const recallIpAt1 = defineVectorCase({
  id: 'VEC-007',
  title: `recall@1 of the ANN index with inner product distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
  priority: 'p1',
  area: 'recall',
  requires: ['metric:ip'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeRecall(ctx, 'ip', 1),
});

/** VEC-008: recall@10, inner product. */
export const recallIpAt10 = defineVectorCase({
  id: 'VEC-008',
  title: `recall@10 of the ANN index with inner product distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
  priority: 'p0',
  area: 'recall',
  requires: ['metric:ip'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeRecall(ctx, 'ip', 10),
});

/** VEC-009: recall@100, inner product. */
export const recallIpAt100 = defineVectorCase({
  id: 'VEC-009',
  title: `recall@100 of the ANN index with inner product distance ≥ ${RECALL_THRESHOLD} vs exact ground truth (by ID and tie-safe), index scan confirmed`,
  priority: 'p1',
  area: 'recall',
  requires: ['metric:ip'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeRecall(ctx, 'ip', 100),
});
