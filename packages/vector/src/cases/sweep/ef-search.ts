import assert from 'node:assert/strict';
import { defineVectorCase, record } from '../../_internal/case-kit.js';
import { sharedDataset } from '../_internal/datasets.js';
import { applyParams, groundTruth, latencyOf, planOf, r4, recallOf, runQueries } from '../_internal/measure.js';
import { RECALL_THRESHOLD } from '../recall/hnsw.js';

/** ef_search values of the sweep (k = 10). */
export const SWEEP_EF = [10, 20, 40, 80, 160, 320] as const;

/** VEC-030: recall-vs-QPS curve over hnsw.ef_search. */
export const efSearchSweep = defineVectorCase({
  id: 'VEC-030',
  title: `ef_search sweep (${SWEEP_EF.join(', ')}) gives a recall@10-vs-QPS curve whose best point reaches ${RECALL_THRESHOLD}`,
  priority: 'p2',
  area: 'sweep',
  requires: ['search-params', 'metric:l2'],
  spec: 'https://github.com/erikbern/ann-benchmarks',
  since: '0.1.0',
  timeoutMs: 600_000,
  async run(ctx) {
    const d = await sharedDataset(ctx, 'recall', 'l2');
    const gt = await groundTruth(d, 10, undefined, ctx.signal);
    const points = [];
    for (const ef of SWEEP_EF) {
      const params = await applyParams(ctx, d.collection, { efSearch: ef, forceIndex: true, iterativeScan: 'off' });
      const plan = await planOf(ctx, d.collection, d, 10);
      const t0 = performance.now();
      const answers = await runQueries(ctx, d.collection, d, 10);
      const lat = latencyOf(answers.map((a) => a.ms), performance.now() - t0);
      const fig = recallOf(d, answers, gt);
      points.push({ efSearch: params.efSearch ?? ef, recall: r4(fig.recallTieSafe), recallById: r4(fig.recallById), qps: lat.qps, p50: lat.p50, p95: lat.p95, p99: lat.p99, plan: plan.path });
    }
    await applyParams(ctx, d.collection, { forceIndex: false });
    record(ctx.target, 'sweep', 'l2@10', { metric: 'l2', k: 10, records: d.shape.count, dim: d.shape.dim, index: d.spec.index, points, loop: 'closed loop, one session' });
    ctx.metric('points', points);

    assert.deepEqual(points.filter((p) => p.plan === 'exact').map((p) => p.efSearch), [], 'ef_search values whose sweep point ran as an exact scan');
    const best = Math.max(...points.map((p) => p.recall));
    assert.ok(best >= RECALL_THRESHOLD, `the best point of the sweep reaches recall@10 ${best} < ${RECALL_THRESHOLD} (${points.map((p) => `ef ${p.efSearch}: ${p.recall}`).join(', ')})`);
  },
});
