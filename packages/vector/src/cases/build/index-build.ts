import assert from 'node:assert/strict';
import { defineVectorCase, record } from '../../_internal/case-kit.js';
import { sharedDataset } from '../_internal/datasets.js';
import { applyParams, planOf } from '../_internal/measure.js';

/** VEC-042: index build time, and the planner using the index afterwards. */
export const indexBuildTime = defineVectorCase({
  id: 'VEC-042',
  title: 'index build time is measured (seed parameters M=16, ef_construction=200) and the planner then uses the index',
  priority: 'p2',
  area: 'build',
  requires: ['filter'],
  since: '0.1.0',
  timeoutMs: 900_000,
  async run(ctx) {
    const d = await sharedDataset(ctx, 'filtered', 'l2');
    await applyParams(ctx, d.collection, { efSearch: 40, forceIndex: false, iterativeScan: 'off' });
    const plan = await planOf(ctx, d.collection, d, 10);
    const entry = { records: d.shape.count, dim: d.shape.dim, index: d.spec.index, loadMs: Math.round(d.loadMs), buildMs: d.buildMs === undefined ? null : Math.round(d.buildMs), planAfterBuild: plan };
    record(ctx.target, 'build', 'seed-index', entry);
    ctx.metric('buildMs', entry.buildMs);
    ctx.metric('loadMs', entry.loadMs);
    ctx.metric('plan', plan.path);

    assert.notEqual(plan.path, 'exact', `after building the index the planner still runs an unfiltered top-10 as an exact scan (${plan.detail ?? ''}): the index is not usable`);
  },
});
