import assert from 'node:assert/strict';
import type { MetadataFilter, VectorRecord } from '../../adapter.js';
import { defineVectorCase, upsertAll } from '../../_internal/case-kit.js';
import { PINECONE_SPEC, SEED_FILTER, fill, judgeTopK, managedCollection, matchesFilter, recordPinecone } from '../_internal/pinecone.js';

/** PC-002: the seed's three vectors, queried filtered and unfiltered. */
export const upsertAndQuery = defineVectorCase({
  id: 'PC-002',
  title: 'Upsert three 384-dimension vectors and query the nearest (filtered on category A, then unfiltered)',
  priority: 'p1',
  area: 'pinecone',
  requires: ['pinecone-api', 'metric:cosine', 'filter'],
  spec: PINECONE_SPEC,
  since: '0.1.0',
  async run(ctx) {
    const dim = 384;
    const col = await managedCollection(ctx, 'pc002', dim, 'cosine');
    const records: VectorRecord[] = [
      { id: 'vec1', values: fill(dim, 0.1), metadata: { category: 'A', price: 1 } },
      { id: 'vec2', values: fill(dim, 0.2), metadata: { category: 'B', price: 2 } },
      { id: 'vec3', values: fill(dim, 0.3), metadata: { category: 'A', price: 3 } },
    ];
    await upsertAll(ctx, col, records);
    const q = fill(dim, 0.15);

    const filter: MetadataFilter = { field: 'category', op: 'eq', value: 'A' };
    const filtered = await col.query({ vector: q, topK: 2, filter, includeMetadata: true }, ctx.signal);
    const f = judgeTopK('topK 2, category = A', filtered, records, q, 2, 'cosine', filter);
    // The seed asserts the first match is vec1 or vec3: true because of the filter. All three
    // vectors are parallel to the query, so their cosine distances tie at ≈0 and order means nothing.
    assert.ok(['vec1', 'vec3'].includes(filtered[0]!.id), `nearest category-A match is ${filtered[0]!.id}, expected vec1 or vec3`);
    if (f.tie) ctx.log('all cosine distances tie (parallel vectors): ranking judged tie-safe, by distance');

    const all = await col.query({ vector: q, topK: 3 }, ctx.signal);
    judgeTopK('topK 3, no filter', all, records, q, 3, 'cosine');
    recordPinecone(ctx, { filtered: filtered.map((m) => ({ id: m.id, distance: m.distance })), unfiltered: all.map((m) => ({ id: m.id, distance: m.distance })), cosineTie: f.tie });
  },
});

/** PC-003: the seed's filtered search over 100 records. */
export const filteredSearch = defineVectorCase({
  id: 'PC-003',
  title: 'Filtered vector search: price < 500 AND category = cat_1 returns only matching records',
  priority: 'p1',
  area: 'pinecone',
  requires: ['pinecone-api', 'metric:cosine', 'filter'],
  spec: PINECONE_SPEC,
  since: '0.1.0',
  async run(ctx) {
    const dim = 384;
    const col = await managedCollection(ctx, 'pc003', dim, 'cosine');
    // The seed writes [i/100]*384 for i = 0..99; i = 0 is the zero vector, whose cosine is undefined
    // (Pinecone rejects it), so values are shifted to (i+1)/100. Metadata is the seed's.
    const records: VectorRecord[] = Array.from({ length: 100 }, (_, i) => ({ id: `id_${i}`, values: fill(dim, (i + 1) / 100), metadata: { category: `cat_${i % 3}`, price: i * 10 } }));
    await upsertAll(ctx, col, records);
    const q = fill(dim, 0.5);

    const got = await col.query({ vector: q, topK: 5, filter: SEED_FILTER, includeMetadata: true }, ctx.signal);
    for (const m of got) {
      // The seed's own assertions, on the metadata the endpoint returned.
      assert.ok(m.metadata, `${m.id} came back without metadata although includeMetadata was set`);
      assert.ok(m.metadata.price < 500 && m.metadata.category === 'cat_1', `${m.id} has metadata ${JSON.stringify(m.metadata)}, outside price < 500 AND category = cat_1`);
    }
    judgeTopK('topK 5, price < 500 AND category = cat_1', got, records, q, 5, 'cosine', SEED_FILTER);
    recordPinecone(ctx, { matching: records.filter((r) => matchesFilter(r.metadata!, SEED_FILTER)).length, returned: got.map((m) => m.id) });
  },
});
