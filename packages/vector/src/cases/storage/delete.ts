import assert from 'node:assert/strict';
import { defineVectorCase, randomRecords, upsertAll } from '../../_internal/case-kit.js';
import { checkExact, openCaseCollection, recordStorage } from '../_internal/storage.js';

/** VEC-104: deleted vectors are gone everywhere. */
export const deleteVectors = defineVectorCase({
  id: 'VEC-104',
  title: 'Deleted vectors disappear from fetch, from the count and from query results',
  priority: 'p0',
  area: 'storage',
  since: '0.1.0',
  async run(ctx) {
    const dim = 32;
    const col = await openCaseCollection(ctx, 'del', dim);
    const records = randomRecords(ctx, 20, dim);
    await upsertAll(ctx, col, records);
    const gone = records.slice(0, 5);
    const kept = records.slice(5);
    await col.delete(gone.map((r) => r.id), ctx.signal);

    const fetchedGone = await col.fetch(gone.map((r) => r.id), ctx.signal);
    assert.deepEqual([...fetchedGone.keys()], [], 'deleted ids that fetch still returns');
    const fetchedKept = await col.fetch(kept.map((r) => r.id), ctx.signal);
    assert.equal(fetchedKept.size, kept.length, 'vectors fetch returns of those not deleted');
    const n = await col.count(ctx.signal);
    assert.equal(n, kept.length, 'count after deleting 5 of 20');
    const base = new Map(kept.map((r) => [r.id, r.values]));
    for (const r of gone) {
      const res = await col.query({ vector: r.values, topK: 20 }, ctx.signal);
      checkExact(`query with the deleted vector ${r.id}`, res, base, r.values, 'l2', new Set(base.keys()));
    }
    recordStorage(ctx, { written: 20, deleted: 5, count: n });
  },
});
