import assert from 'node:assert/strict';
import type { VectorRecord } from '../../adapter.js';
import { defineVectorCase, normalVector, randomRecords, upsertAll } from '../../_internal/case-kit.js';
import { category, checkExact, compareBits, openCaseCollection, recordStorage, sameMetadata } from '../_internal/storage.js';

/** VEC-103: an upsert of an existing id replaces it. */
export const overwrite = defineVectorCase({
  id: 'VEC-103',
  title: 'An upsert of an existing id replaces its values and metadata (no duplicate, old vector gone)',
  priority: 'p0',
  area: 'storage',
  since: '0.1.0',
  async run(ctx) {
    const dim = 32;
    const col = await openCaseCollection(ctx, 'ow', dim);
    const first = randomRecords(ctx, 20, dim, () => 'old');
    await upsertAll(ctx, col, first);
    const second = first.slice(0, 5).map((r, i) => ({ id: r.id, values: normalVector(ctx.rng, dim), metadata: { category: 'new', price: 1000 + i } }));
    await upsertAll(ctx, col, second);

    const now = new Map<string, VectorRecord>([...first, ...second].map((r) => [r.id, r]));
    const got = await col.fetch([...now.keys()], ctx.signal);
    for (const [id, r] of now) {
      const g = got.get(id);
      const d = compareBits(r.values, g?.values);
      if (d.first) assert.fail(`${id}: ${second.some((s) => s.id === id) ? 'overwritten' : 'untouched'} values not as last written: ${d.first}`);
      assert.ok(sameMetadata(r.metadata, g?.metadata), `${id}: metadata ${JSON.stringify(g?.metadata)}, last written ${JSON.stringify(r.metadata)}`);
    }
    const n = await col.count(ctx.signal);
    assert.equal(n, 20, 'count after overwriting 5 of 20 ids');

    const base = new Map([...now].map(([id, r]) => [id, r.values]));
    for (const r of first.slice(0, 5)) {
      // Querying with the old vector must not find a leftover copy of it.
      const res = await col.query({ vector: r.values, topK: 20 }, ctx.signal);
      checkExact(`query with the replaced vector of ${r.id}`, res, base, r.values, 'l2', new Set(base.keys()));
    }
    if (ctx.capabilities.has('filter')) {
      const fresh = await col.query({ vector: second[0]!.values, topK: 20, filter: category('new') }, ctx.signal);
      checkExact("filter category = 'new'", fresh, base, second[0]!.values, 'l2', new Set(second.map((r) => r.id)));
      const stale = await col.query({ vector: second[0]!.values, topK: 20, filter: category('old') }, ctx.signal);
      checkExact("filter category = 'old'", stale, base, second[0]!.values, 'l2', new Set(first.slice(5).map((r) => r.id)));
    }
    recordStorage(ctx, { written: 20, overwritten: 5, count: n });
  },
});
