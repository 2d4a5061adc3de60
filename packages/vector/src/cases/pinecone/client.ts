import assert from 'node:assert/strict';
import type { IndexedCollection } from '../../adapters/pinecone.js';
import { hasIndexCatalog } from '../../adapters/pinecone.js';
import { defineVectorCase, type VectorContext } from '../../_internal/case-kit.js';
import { PINECONE_SPEC, managedCollection, recordPinecone } from '../_internal/pinecone.js';

/** PC-001: the control plane lists and describes the index a collection lives in. */
export const initializeClient = defineVectorCase({
  id: 'PC-001',
  title: 'Initialize the Pinecone client: list indexes, and describe the index a new collection lives in',
  priority: 'p1',
  area: 'pinecone',
  requires: ['pinecone-api'],
  spec: PINECONE_SPEC,
  since: '0.1.0',
  // Typed, so ctx.notApplicable (never returns) narrows the store and the index name.
  async run(ctx: VectorContext) {
    const store = ctx.target.store;
    if (!hasIndexCatalog(store)) ctx.notApplicable('the store offers no index catalog (listIndexes / describeIndex)');
    const before = await store.listIndexes(ctx.signal);
    assert.ok(Array.isArray(before), `list indexes returned ${typeof before}, expected a list`);
    const col = await managedCollection(ctx, 'pc001', 384, 'cosine');
    const indexName = (col as Partial<IndexedCollection>).indexName;
    if (!indexName) ctx.notApplicable('the collection does not name its index');

    const after = await store.listIndexes(ctx.signal);
    assert.ok(after.some((i) => i.name === indexName), `index ${indexName} is missing from list indexes (${after.map((i) => i.name).join(', ')})`);
    const d = await store.describeIndex(indexName, ctx.signal);
    assert.equal(d.dimension, 384, `describe index ${indexName}: dimension`);
    assert.equal(d.metric, 'cosine', `describe index ${indexName}: metric`);
    assert.ok(d.ready, `describe index ${indexName}: not ready (state ${d.state})`);
    recordPinecone(ctx, { indexesBefore: before.length, indexesAfter: after.length, index: { name: d.name, dimension: d.dimension, metric: d.metric, state: d.state } });
  },
});
