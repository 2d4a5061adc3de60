import assert from 'node:assert/strict';
import { selectivityFilters } from '@helios-conformance/fixtures';
import { defineVectorCase, record } from '../../_internal/case-kit.js';
import { sharedDataset } from '../_internal/datasets.js';
import { FILTERED_K, FILTERED_THRESHOLD, describePath, filterSql, measureAllPaths } from '../_internal/filtered-paths.js';

/** The seed's filter: category = and price <, about 10 % of the rows. */
const SEED_FILTER = selectivityFilters[1]!.combined.filter;

/** VEC-010: the seed's case, kept on its own. */
export const seedFilteredRecall = defineVectorCase({
  id: 'VEC-010',
  title: `filtered HNSW recall > ${FILTERED_THRESHOLD} vs brute force (M=16, ef_construction=200, category = AND price <; 100k × 384 with --size full)`,
  priority: 'p0',
  area: 'filtered',
  requires: ['filter'],
  spec: 'https://github.com/pgvector/pgvector#iterative-index-scans',
  since: '0.1.0',
  timeoutMs: 900_000,
  async run(ctx) {
    const d = await sharedDataset(ctx, 'filtered', 'l2');
    const efSearch = 100;
    const paths = await measureAllPaths(ctx, d, SEED_FILTER, efSearch);
    // The index's own recall when the endpoint lets us reach it; otherwise what it returns.
    const judged = paths.find((p) => p.path === 'iterative-scan') ?? paths.find((p) => p.path === 'forced-index') ?? paths[0]!;
    record(ctx.target, 'filtered', 'seed', {
      selectivity: '10%',
      kind: 'combined',
      filter: filterSql(SEED_FILTER),
      records: d.shape.count,
      dim: d.shape.dim,
      index: d.spec.index,
      k: FILTERED_K,
      efSearch,
      judgedPath: judged.path,
      paths,
    });
    ctx.metric('recall', judged.recallTieSafe);
    ctx.metric('judgedPath', judged.path);
    ctx.metric('plan', judged.plan.path);
    for (const p of paths) ctx.log(describePath(p));

    assert.notEqual(judged.plan.path, 'exact', `no path reached the HNSW index (${judged.plan.detail ?? ''}): recall ${judged.recallTieSafe} comes from an exact scan and says nothing about the index`);
    assert.ok(
      judged.recallTieSafe > FILTERED_THRESHOLD,
      `filtered HNSW recall@${FILTERED_K} (${judged.path}, ${filterSql(SEED_FILTER)}) is ${judged.recallTieSafe}, not > ${FILTERED_THRESHOLD} (by id ${judged.recallById}; ${judged.shortAnswers} short answers)`,
    );
  },
});
