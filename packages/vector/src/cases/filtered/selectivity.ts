import assert from 'node:assert/strict';
import { selectivityFilters, type SelectivityFilterSet } from '@helios-conformance/fixtures';
import { defineVectorCase, record, type VectorContext } from '../../_internal/case-kit.js';
import { sharedDataset } from '../_internal/datasets.js';
import { FILTERED_K, FILTERED_THRESHOLD, describePath, filterMatches, filterSql, measureAllPaths } from '../_internal/filtered-paths.js';

type Kind = 'category' | 'price' | 'combined';
type Label = '1%' | '10%' | '50%' | '99%';

/** The fixtures' filter sets by label: 1 %, 10 %, 50 % and 99 % of the rows pass. */
const SET: Record<string, SelectivityFilterSet> = Object.fromEntries(selectivityFilters.map((s) => [s.label, s]));

const SPEC = 'https://github.com/pgvector/pgvector#filtering';

/**
 * The scenario of VEC-011…VEC-022: every path measured on the shared filtered dataset, judged on
 * what the endpoint returns with its filtered-search facility on (iterative scans) when it has
 * one, else with its defaults. The default-settings figure and the index's own figure are
 * reported next to it.
 */
async function judgeSelectivity(ctx: VectorContext, label: Label, kind: Kind): Promise<void> {
  const set = SET[label]!;
  const { filter, expected } = set[kind];
  const d = await sharedDataset(ctx, 'filtered', 'l2');
  const paths = await measureAllPaths(ctx, d, filter, 40);
  const planner = paths.find((p) => p.path === 'planner+iterative') ?? paths[0]!;
  const index = paths.find((p) => p.path === 'iterative-scan') ?? paths.find((p) => p.path === 'forced-index');
  const exactFallback = planner.plan.path === 'exact';
  const passing = d.ds.metadata.filter((m) => filterMatches(m, filter)).length;
  record(ctx.target, 'filtered', `${set.label}:${kind}`, {
    selectivity: set.label,
    kind,
    filter: filterSql(filter),
    expectedShare: expected,
    matchingRecords: passing,
    records: d.shape.count,
    k: FILTERED_K,
    judgedPath: planner.path,
    paths,
    note: exactFallback
      ? `the planner ran an exact scan for this filter, so its recall is trivially exact; ${index ? `the index's own filtered recall is the ${index.path} figure` : 'the endpoint offers no way to force the index path'}`
      : undefined,
  });
  ctx.metric('paths', paths.map((p) => ({ path: p.path, plan: p.plan.path, recall: p.recallTieSafe })));
  for (const p of paths) ctx.log(describePath(p));

  assert.ok(
    planner.recallTieSafe >= FILTERED_THRESHOLD,
    `filtered recall@${FILTERED_K} at ${set.label} (${filterSql(filter)}) is ${planner.recallTieSafe} < ${FILTERED_THRESHOLD} on the endpoint's own plan (${planner.path}, ${planner.plan.path}: ${planner.plan.detail ?? ''})`,
  );
}

/** VEC-011: 1% of the rows pass (category equality). */
export const filteredCategoryAt1 = defineVectorCase({
  id: 'VEC-011',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 1% selectivity (category equality) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '1%', 'category'),
});

/** VEC-012: 1% of the rows pass (price range). */
export const filteredPriceAt1 = defineVectorCase({
  id: 'VEC-012',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 1% selectivity (price range) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '1%', 'price'),
});

/** VEC-013: 1% of the rows pass (category AND price). */
export const filteredCombinedAt1 = defineVectorCase({
  id: 'VEC-013',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 1% selectivity (category AND price) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '1%', 'combined'),
});

/** VEC-014: 10% of the rows pass (category equality). */
export const filteredCategoryAt10 = defineVectorCase({
  id: 'VEC-014',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 10% selectivity (category equality) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '10%', 'category'),
});

/** VEC-015: 10% of the rows pass (price range). */
export const filteredPriceAt10 = defineVectorCase({
  id: 'VEC-015',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 10% selectivity (price range) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '10%', 'price'),
});

/** VEC-016: 10% of the rows pass (category AND price). */
export const filteredCombinedAt10 = defineVectorCase({
  id: 'VEC-016',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 10% selectivity (category AND price) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '10%', 'combined'),
});

/** VEC-017: 50% of the rows pass (category equality). */
export const filteredCategoryAt50 = defineVectorCase({
  id: 'VEC-017',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 50% selectivity (category equality) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '50%', 'category'),
});

/** VEC-018: 50% of the rows pass (price range). */
export const filteredPriceAt50 = defineVectorCase({
  id: 'VEC-018',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 50% selectivity (price range) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '50%', 'price'),
});

/** VEC-019: 50% of the rows pass (category AND price). */
export const filteredCombinedAt50 = defineVectorCase({
  id: 'VEC-019',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 50% selectivity (category AND price) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '50%', 'combined'),
});

/** VEC-020: 99% of the rows pass (category equality). */
export const filteredCategoryAt99 = defineVectorCase({
  id: 'VEC-020',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 99% selectivity (category equality) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '99%', 'category'),
});

/** VEC-021: 99% of the rows pass (price range). */
export const filteredPriceAt99 = defineVectorCase({
  id: 'VEC-021',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 99% selectivity (price range) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '99%', 'price'),
});

/** VEC-022: 99% of the rows pass (category AND price). */
export const filteredCombinedAt99 = defineVectorCase({
  id: 'VEC-022',
  title: `filtered recall@${FILTERED_K} ≥ ${FILTERED_THRESHOLD} at 99% selectivity (category AND price) on the endpoint's plan (iterative scans on where offered); index path measured`,
  priority: 'p1',
  area: 'filtered',
  requires: ['filter'],
  spec: SPEC,
  since: '0.1.0',
  timeoutMs: 600_000,
  run: (ctx) => judgeSelectivity(ctx, '99%', 'combined'),
});
