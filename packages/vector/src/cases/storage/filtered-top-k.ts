import assert from 'node:assert/strict';
import type { MetadataFilter } from '../../adapter.js';
import { defineVectorCase, normalVector, randomRecords, upsertAll } from '../../_internal/case-kit.js';
import { category, checkExact, openCaseCollection, recordStorage } from '../_internal/storage.js';

/** VEC-108: a top-k larger than what matches. */
export const topKBeyondMatches = defineVectorCase({
  id: 'VEC-108',
  title: 'A top-k larger than the matching set returns exactly the matching set, nearest first',
  priority: 'p0',
  area: 'storage',
  requires: ['filter'],
  since: '0.1.0',
  async run(ctx) {
    const dim = 16;
    const col = await openCaseCollection(ctx, 'k', dim);
    const records = randomRecords(ctx, 30, dim, (i) => (i % 7 === 3 ? 'rare' : 'common'));
    await upsertAll(ctx, col, records);
    const base = new Map(records.map((r) => [r.id, r.values]));
    const q = normalVector(ctx.rng, dim);

    const rare = new Set(records.filter((r) => r.metadata.category === 'rare').map((r) => r.id));
    checkExact("topK 10, category = 'rare'", await col.query({ vector: q, topK: 10, filter: category('rare') }, ctx.signal), base, q, 'l2', rare);
    const cheap = new Set(records.filter((r) => r.metadata.price < 3).map((r) => r.id));
    checkExact('topK 10, price < 3', await col.query({ vector: q, topK: 10, filter: { field: 'price', op: 'lt', value: 3 } }, ctx.signal), base, q, 'l2', cheap);
    checkExact('topK 50 over 30 vectors', await col.query({ vector: q, topK: 50 }, ctx.signal), base, q, 'l2', new Set(base.keys()));
    recordStorage(ctx, { vectors: 30, matching: { rare: rare.size, priceBelow3: cheap.size } });
  },
});

/** VEC-109: a filter nothing matches. */
export const filterMatchesNothing = defineVectorCase({
  id: 'VEC-109',
  title: 'A filter no record matches returns an empty result (no error, no unfiltered fallback)',
  priority: 'p0',
  area: 'storage',
  requires: ['filter'],
  since: '0.1.0',
  async run(ctx) {
    const dim = 16;
    const empty = await openCaseCollection(ctx, 'none', dim);
    const q = normalVector(ctx.rng, dim);
    const onEmpty = await empty.query({ vector: q, topK: 5, filter: category('absent') }, ctx.signal);
    assert.equal(onEmpty.length, 0, 'results of a query on an empty collection');

    const col = await openCaseCollection(ctx, 'some', dim);
    await upsertAll(ctx, col, randomRecords(ctx, 20, dim, (i) => (i % 2 ? 'a' : 'b')));
    const filters: Array<[string, MetadataFilter]> = [
      ["category = 'absent'", category('absent')],
      ["category = 'a' AND price < 0", { and: [category('a'), { field: 'price', op: 'lt', value: 0 }] }],
    ];
    for (const [label, filter] of filters) {
      const res = await col.query({ vector: q, topK: 10, filter }, ctx.signal);
      assert.deepEqual(
        res.map((m) => m.id),
        [],
        `${label} matches nothing, so the ids it returns`,
      );
    }
    recordStorage(ctx, { filtersChecked: filters.length + 1 });
  },
});
