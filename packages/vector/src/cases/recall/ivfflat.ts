import assert from 'node:assert/strict';
import { defineVectorCase, record } from '../../_internal/case-kit.js';
import { sharedDataset } from '../_internal/datasets.js';
import { applyParams, groundTruth, latencyOf, planOf, r4, recallOf, runQueries } from '../_internal/measure.js';

/** Required IVFFlat recall@10 at {@link IVF_PROBES} probes. */
export const IVF_THRESHOLD = 0.9;
/** Lists probed per query (of √n lists). */
export const IVF_PROBES = 10;

/** VEC-050: IVFFlat recall at a probes setting. */
export const ivfflatRecall = defineVectorCase({
  id: 'VEC-050',
  title: `IVFFlat recall@10 ≥ ${IVF_THRESHOLD} at probes = ${IVF_PROBES} (lists = √n, L2), index scan confirmed`,
  priority: 'p2',
  area: 'recall',
  requires: ['index:ivfflat', 'search-params', 'metric:l2'],
  spec: 'https://github.com/pgvector/pgvector#ivfflat',
  since: '0.1.0',
  timeoutMs: 600_000,
  async run(ctx) {
    const d = await sharedDataset(ctx, 'ivf', 'l2');
    const params = await applyParams(ctx, d.collection, { probes: IVF_PROBES, forceIndex: true, iterativeScan: 'off' });
    const plan = await planOf(ctx, d.collection, d, 10);
    const gt = await groundTruth(d, 10, undefined, ctx.signal);
    const t0 = performance.now();
    const answers = await runQueries(ctx, d.collection, d, 10);
    const lat = latencyOf(answers.map((a) => a.ms), performance.now() - t0);
    await applyParams(ctx, d.collection, { forceIndex: false });
    const fig = recallOf(d, answers, gt);
    const row = { metric: 'l2', k: 10, recallById: r4(fig.recallById), recallTieSafe: r4(fig.recallTieSafe), threshold: IVF_THRESHOLD, plan, params, index: d.spec.index, records: d.shape.count, dim: d.shape.dim, qps: lat.qps, latencyMs: { p50: lat.p50, p99: lat.p99 } };
    record(ctx.target, 'recall', 'ivfflat:l2@10', row);
    ctx.metric('recallTieSafe', row.recallTieSafe);
    ctx.metric('plan', plan.path);

    assert.notEqual(plan.path, 'exact', `the query ran as an exact scan (${plan.detail ?? ''}), not on the IVFFlat index`);
    assert.ok(fig.recallTieSafe >= IVF_THRESHOLD, `IVFFlat recall@10 is ${row.recallTieSafe} < ${IVF_THRESHOLD} at probes ${IVF_PROBES} (by id ${row.recallById})`);
  },
});
