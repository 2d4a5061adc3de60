import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVectors, exactTopK } from '@helios-conformance/fixtures';
import { leftoverNamespaces, testServer } from '@helios-conformance/suite-kit';
import { fromPgvector, type PgvectorStore } from '../src/adapters/pgvector.js';

describe('fromPgvector on PGlite + pgvector', () => {
  let store: PgvectorStore;
  beforeAll(async () => {
    store = await fromPgvector(testServer('pglite').dsn);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('observes the extension, index methods, metrics and settings; PGlite runs one session at a time', () => {
    expect(store.kind).toBe('pgvector');
    expect(store.extension.version).toMatch(/^\d+\.\d+/);
    for (const c of ['vector', 'index:hnsw', 'index:ivfflat', 'metric:l2', 'metric:cosine', 'metric:ip', 'search-params', 'iterative-scan', 'explain', 'filter']) {
      expect(store.capabilities.has(c), c).toBe(true);
    }
    expect(store.capabilities.has('concurrency')).toBe(false);
  });

  it('upserts, fetches bit-exactly, queries exactly without an index, filters, deletes, explains', async () => {
    const ds = generateVectors({ count: 300, dim: 16, clusters: 4, seed: 3, queries: 3 });
    const col = await store.createCollection({ name: 'adapter_l2', dimension: 16, metric: 'l2', index: { kind: 'hnsw', m: 8, efConstruction: 32 } });
    await col.upsert(ds.vectors.map((v, i) => ({ id: `v${i}`, values: v, metadata: { category: ds.metadata[i]!.category, price: ds.metadata[i]!.price } })));
    expect(await col.count()).toBe(300);
    const got = await col.fetch(['v0', 'v7', 'nope']);
    expect(got.size).toBe(2);
    expect(Array.from(got.get('v7')!.values)).toEqual(Array.from(ds.vectors[7]!));
    expect(got.get('v7')!.metadata?.category).toBe(ds.metadata[7]!.category);

    const q = ds.queries[0]!;
    const plan0 = await col.explain({ vector: q, topK: 5 });
    expect(plan0.path).toBe('exact');
    const exact = await col.query({ vector: q, topK: 5 });
    const truth = exactTopK(ds.vectors, q, 5, 'l2');
    expect(exact.map((m) => m.id)).toEqual(truth.map((n) => `v${n.index}`));
    exact.forEach((m, i) => expect(m.distance).toBeCloseTo(truth[i]!.distance, 4));

    const ms = await col.buildIndex();
    expect(ms).toBeGreaterThan(0);
    await col.setSearchParams({ efSearch: 100, forceIndex: true });
    const plan = await col.explain({ vector: q, topK: 5 });
    expect(plan.path, plan.detail).toBe('index');
    expect(plan.detail).toContain('adapter_l2_ann');

    const filtered = await col.query({ vector: q, topK: 400, filter: { field: 'category', op: 'eq', value: 'c10' }, includeMetadata: true });
    await col.setSearchParams({ forceIndex: false });
    expect(filtered.every((m) => m.metadata?.category === 'c10')).toBe(true);

    await col.upsert([{ id: 'v0', values: ds.vectors[1]!, metadata: { category: 'c50', price: 1 } }]);
    expect(Array.from((await col.fetch(['v0'])).get('v0')!.values)).toEqual(Array.from(ds.vectors[1]!));
    await col.delete(['v0']);
    expect(await col.count()).toBe(299);
    await col.drop();
  });

  it('an aborted query rejects and the next call reconnects', async () => {
    const col = await store.createCollection({ name: 'adapter_abort', dimension: 2, metric: 'ip', index: { kind: 'flat' } });
    await col.upsert([{ id: 'a', values: [1, 0] }]);
    const ac = new AbortController();
    ac.abort(new Error('deadline'));
    await expect(col.query({ vector: [1, 0], topK: 1 }, ac.signal)).rejects.toThrow(/deadline/);
    expect((await col.query({ vector: [1, 0], topK: 1 }))[0]).toMatchObject({ id: 'a', distance: -1 });
  });
});

describe('fromPgvector on PostgreSQL 15 without pgvector', () => {
  it('is a CannotRunError that says the extension is missing, and leaves no schema behind', async () => {
    const pg = testServer('postgres');
    await expect(fromPgvector(pg.dsn)).rejects.toThrow(/has no usable pgvector extension/);
    expect(await leftoverNamespaces(pg.dsn)).toEqual([]);
  });
});
