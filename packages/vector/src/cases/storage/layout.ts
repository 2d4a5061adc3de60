import assert from 'node:assert/strict';
import { defineVectorCase } from '../../_internal/case-kit.js';
import { compareBits, introspection, openCaseCollection, recordStorage } from '../_internal/storage.js';

/** VEC-110: the seed's TOAST test: a large vector lives out of line, a small one inline, both read back. */
export const largeVectorLayout = defineVectorCase({
  id: 'VEC-110',
  title: 'A 1536-dimension vector (stored out of line where observable) and a 128-dimension one read back exactly',
  priority: 'p2',
  area: 'storage',
  spec: 'seed heliosdb-test-framework-design: test_vector_storage_toast',
  since: '0.1.0',
  async run(ctx) {
    const small = await openCaseCollection(ctx, 'small', 128);
    const large = await openCaseCollection(ctx, 'large', 1536);
    const smallVec = new Float32Array(128).fill(0.1);
    const largeVec = new Float32Array(1536).fill(0.1);
    await small.upsert([{ id: 'v1', values: smallVec, metadata: { category: 'c', price: 1 } }], ctx.signal);
    await large.upsert([{ id: 'v2', values: largeVec, metadata: { category: 'c', price: 2 } }], ctx.signal);
    for (const [col, id, v] of [[small, 'v1', smallVec], [large, 'v2', largeVec]] as const) {
      const d = compareBits(v, (await col.fetch([id], ctx.signal)).get(id)?.values);
      if (d.first) assert.fail(`${v.length}-dimension vector did not read back exactly: ${d.first}`);
    }

    const sp = introspection(small);
    const lp = introspection(large);
    if (!sp || !lp) {
      ctx.log('storage layout not observable on this endpoint: only the read-back was checked');
      recordStorage(ctx, { layout: 'not observable' });
      return;
    }
    const s = await sp.storageInfo(ctx.signal);
    const l = await lp.storageInfo(ctx.signal);
    recordStorage(ctx, { layout: { small: s, large: l } });
    assert.equal(s.outOfLineValues, 0, `values of the 128-dimension vector (≈520 bytes) stored out of line (${s.detail ?? ''})`);
    assert.ok(l.outOfLineValues >= 1, `the 1536-dimension vector (≈6 KB) is stored inline: ${l.detail ?? ''}`);
  },
});
