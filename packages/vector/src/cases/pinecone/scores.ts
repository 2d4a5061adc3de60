import assert from 'node:assert/strict';
import { exactTopK } from '@helios-conformance/fixtures';
import type { VectorRecord } from '../../adapter.js';
import { defineVectorCase, upsertAll } from '../../_internal/case-kit.js';
import { SEED_FILTER, judgeTopK, managedCollection, matchesFilter, recordPinecone } from '../_internal/pinecone.js';

/** PC-004: Pinecone's scores, converted, are the kit's distances for every metric. */
export const scoresAsDistances = defineVectorCase({
  id: 'PC-004',
  title: 'Scores convert to the kit distances for cosine, euclidean and dotproduct indexes, nearest first',
  priority: 'p1',
  area: 'pinecone',
  requires: ['pinecone-api', 'filter'],
  spec: 'https://docs.pinecone.io/guides/index-data/indexing-overview#similarity-metrics',
  since: '0.1.0',
  async run(ctx) {
    const dim = 16;
    // Distinct directions and lengths, so every metric has a strict order (no ties).
    const records: VectorRecord[] = Array.from({ length: 40 }, (_, i) => {
      const v = new Float32Array(dim);
      for (let d = 0; d < dim; d++) v[d] = ctx.rng.normal();
      return { id: `v${i}`, values: v, metadata: { category: `cat_${i % 3}`, price: i * 10 } };
    });
    const checked: Record<string, Array<{ id: string; distance: number }>> = {};
    for (const metric of (['cosine', 'l2', 'ip'] as const).filter((m) => ctx.capabilities.has(`metric:${m}`))) {
      const col = await managedCollection(ctx, `pc004_${metric}`, dim, metric);
      await upsertAll(ctx, col, records);
      const q = new Float32Array(dim);
      for (let d = 0; d < dim; d++) q[d] = ctx.rng.normal();

      const got = await col.query({ vector: q, topK: 5, filter: SEED_FILTER }, ctx.signal);
      judgeTopK(`${metric}: topK 5 filtered`, got, records, q, 5, metric, SEED_FILTER);
      const truth = exactTopK(records.map((r) => r.values), q, 5, metric, (i) => matchesFilter(records[i]!.metadata!, SEED_FILTER));
      assert.deepEqual(
        got.map((m) => m.id),
        truth.map((t) => records[t.index]!.id),
        `${metric}: order of the ids (the kit's exact order)`,
      );
      checked[metric] = got.map((m) => ({ id: m.id, distance: m.distance }));
    }
    recordPinecone(ctx, { metrics: checked });
  },
});
