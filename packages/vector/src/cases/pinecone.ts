/**
 * Pinecone compatibility cases PC-001…PC-004 (seed: heliosdb-protocol-compatibility-suite, P1 =
 * Silver). They drive the endpoint through the vector-store adapter and need `pinecone-api`
 * (declared by the Pinecone adapter), so they are n/a against pgvector. Pinecone never shows how a
 * query ran: every figure here is "plan not observable".
 */
import { defineCase, type Case, type CaseContext } from '@helios-conformance/core';
import { distance as kitDistance, exactTopK } from '@helios-conformance/fixtures';
import type { Collection, MetadataFilter, QueryMatch, VectorMetric, VectorRecord, VectorRecordMetadata } from '../adapter.js';
import type { VectorTarget } from '../target.js';
import { openDroppable, upsertAll } from './_internal/collections.js';
import { hasIndexCatalog, type IndexedCollection } from '../adapters/pinecone.js';

type Ctx = CaseContext<VectorTarget>;
const SINCE = '0.1.0';
const AREA = 'pinecone';
const SPEC = 'seed heliosdb-protocol-compatibility-suite: Pinecone protocol (PC-001..PC-003)';
const PLAN = 'plan not observable (Pinecone does not expose how a query ran)';

function record(ctx: Ctx, data: Record<string, unknown>): void {
  const s = ctx.target.sections as Record<string, unknown>;
  const pc = (s.pinecone ??= {}) as Record<string, unknown>;
  pc[ctx.id] = { ...data, plan: PLAN, simulated: ctx.target.simulated };
  for (const [k, v] of Object.entries(data)) ctx.metric(k, v);
  if (ctx.target.simulated) ctx.log('contract-tested against a local fake, not verified against Pinecone');
}

function collection(ctx: Ctx, name: string, dimension: number, metric: VectorMetric): Promise<Collection> {
  return openDroppable(ctx, { name, dimension, metric, index: { kind: 'managed' } });
}

const fill = (dim: number, x: number): Float32Array => new Float32Array(dim).fill(x);

function matchesFilter(meta: VectorRecordMetadata, f: MetadataFilter): boolean {
  if ('and' in f) return f.and.every((g) => matchesFilter(meta, g));
  if (f.field === 'price') return meta.price < f.value;
  return f.op === 'eq' ? meta.category === f.value : meta.category !== f.value;
}

/**
 * Judges a top-k answer by the kit's own exact search over what was written: the right number of
 * results, only records that pass the filter, reported distances equal to the kit's, and tie-safe
 * ranking (each hit is no farther than the k-th true neighbour, within a small epsilon).
 */
function judge(ctx: Ctx, what: string, got: QueryMatch[], records: readonly VectorRecord[], q: Float32Array, topK: number, metric: VectorMetric, filter?: MetadataFilter): { kth: number; tie: boolean } {
  const passes = (i: number): boolean => !filter || matchesFilter(records[i]!.metadata!, filter);
  const truth = exactTopK(records.map((r) => r.values), q, topK, metric, passes);
  const byId = new Map(records.map((r, i) => [r.id, i]));
  if (got.length !== truth.length) ctx.fail(`${what}: ${got.length} matches, expected ${truth.length} (top ${topK} of ${records.filter((_, i) => passes(i)).length} matching records)`);
  if (new Set(got.map((m) => m.id)).size !== got.length) ctx.fail(`${what}: duplicate ids ${got.map((m) => m.id).join(', ')}`);
  const kth = truth.length ? truth[truth.length - 1]!.distance : Number.NaN;
  const eps = 1e-4 * Math.max(1, Math.abs(kth));
  for (const m of got) {
    const i = byId.get(m.id);
    if (i === undefined) ctx.fail(`${what}: unknown id ${m.id}`);
    if (!passes(i)) ctx.fail(`${what}: ${m.id} (${JSON.stringify(records[i]!.metadata)}) does not pass the filter`);
    if (m.metadata && filter && !matchesFilter(m.metadata, filter)) ctx.fail(`${what}: returned metadata of ${m.id} ${JSON.stringify(m.metadata)} does not pass the filter`);
    const d = kitDistance(records[i]!.values, q, metric);
    if (!(Math.abs(m.distance - d) <= 1e-4 * Math.max(1, Math.abs(d)))) ctx.fail(`${what}: ${m.id} reported distance ${m.distance}, the kit computes ${d}`);
    if (d > kth + eps) ctx.fail(`${what}: ${m.id} at distance ${d} is farther than the ${topK}-th true neighbour (${kth})`);
  }
  const tie = truth.length > 1 && Math.abs(truth[0]!.distance - kth) <= eps;
  return { kth, tie };
}

function seedPc003Records(dim: number): VectorRecord[] {
  // The seed writes [i/100]*384 for i = 0..99; i = 0 is the zero vector, whose cosine is undefined
  // (Pinecone rejects it), so values are shifted to (i+1)/100. Metadata is the seed's.
  return Array.from({ length: 100 }, (_, i) => ({ id: `id_${i}`, values: fill(dim, (i + 1) / 100), metadata: { category: `cat_${i % 3}`, price: i * 10 } }));
}

const PC003_FILTER: MetadataFilter = { and: [{ field: 'price', op: 'lt', value: 500 }, { field: 'category', op: 'eq', value: 'cat_1' }] };

/** The Pinecone cases, in ID order. */
export const pineconeCases: readonly Case<VectorTarget>[] = [
  defineCase<VectorTarget>({
    id: 'PC-001',
    title: 'Initialize the Pinecone client: list indexes, and describe the index a new collection lives in',
    priority: 'p1',
    area: AREA,
    requires: ['pinecone-api'],
    spec: SPEC,
    since: SINCE,
    run: async (ctx: Ctx) => {
      const store = ctx.target.store;
      if (!hasIndexCatalog(store)) ctx.notApplicable('the store offers no index catalog (listIndexes / describeIndex)');
      const before = await store.listIndexes(ctx.signal);
      if (!Array.isArray(before)) ctx.fail(`list indexes returned ${typeof before}, expected a list`);
      const col = await collection(ctx, 'pc001', 384, 'cosine');
      const indexName = (col as Partial<IndexedCollection>).indexName;
      if (!indexName) ctx.notApplicable('the collection does not name its index');
      const after = await store.listIndexes(ctx.signal);
      if (!after.some((i) => i.name === indexName)) ctx.fail(`index ${indexName} is missing from list indexes (${after.map((i) => i.name).join(', ')})`);
      const d = await store.describeIndex(indexName, ctx.signal);
      if (d.dimension !== 384) ctx.fail(`describe index ${indexName}: dimension ${d.dimension}, expected 384`);
      if (d.metric !== 'cosine') ctx.fail(`describe index ${indexName}: metric ${d.metric}, expected cosine`);
      if (!d.ready) ctx.fail(`describe index ${indexName}: not ready (state ${d.state})`);
      record(ctx, { indexesBefore: before.length, indexesAfter: after.length, index: { name: d.name, dimension: d.dimension, metric: d.metric, state: d.state } });
    },
  }),
  defineCase<VectorTarget>({
    id: 'PC-002',
    title: 'Upsert three 384-dimension vectors and query the nearest (filtered on category A, then unfiltered)',
    priority: 'p1',
    area: AREA,
    requires: ['pinecone-api', 'metric:cosine', 'filter'],
    spec: SPEC,
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 384;
      const col = await collection(ctx, 'pc002', dim, 'cosine');
      const records: VectorRecord[] = [
        { id: 'vec1', values: fill(dim, 0.1), metadata: { category: 'A', price: 1 } },
        { id: 'vec2', values: fill(dim, 0.2), metadata: { category: 'B', price: 2 } },
        { id: 'vec3', values: fill(dim, 0.3), metadata: { category: 'A', price: 3 } },
      ];
      await upsertAll(ctx, col, records);
      const q = fill(dim, 0.15);
      const filter: MetadataFilter = { field: 'category', op: 'eq', value: 'A' };
      const filtered = await col.query({ vector: q, topK: 2, filter, includeMetadata: true }, ctx.signal);
      const f = judge(ctx, 'topK 2, category = A', filtered, records, q, 2, 'cosine', filter);
      // The seed asserts the first match is vec1 or vec3: true because of the filter. All three
      // vectors are parallel to the query, so their cosine distances tie at ≈0 and order means nothing.
      if (!['vec1', 'vec3'].includes(filtered[0]!.id)) ctx.fail(`nearest category-A match is ${filtered[0]!.id}, expected vec1 or vec3`);
      if (f.tie) ctx.log('all cosine distances tie (parallel vectors): ranking judged tie-safe, by distance');
      const all = await col.query({ vector: q, topK: 3 }, ctx.signal);
      judge(ctx, 'topK 3, no filter', all, records, q, 3, 'cosine');
      record(ctx, { filtered: filtered.map((m) => ({ id: m.id, distance: m.distance })), unfiltered: all.map((m) => ({ id: m.id, distance: m.distance })), cosineTie: f.tie });
    },
  }),
  defineCase<VectorTarget>({
    id: 'PC-003',
    title: 'Filtered vector search: price < 500 AND category = cat_1 returns only matching records',
    priority: 'p1',
    area: AREA,
    requires: ['pinecone-api', 'metric:cosine', 'filter'],
    spec: SPEC,
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 384;
      const col = await collection(ctx, 'pc003', dim, 'cosine');
      const records = seedPc003Records(dim);
      await upsertAll(ctx, col, records);
      const q = fill(dim, 0.5);
      const got = await col.query({ vector: q, topK: 5, filter: PC003_FILTER, includeMetadata: true }, ctx.signal);
      for (const m of got) {
        // The seed's own assertions, on the metadata the endpoint returned.
        if (!m.metadata) ctx.fail(`${m.id} came back without metadata although includeMetadata was set`);
        if (!(m.metadata.price < 500) || m.metadata.category !== 'cat_1') ctx.fail(`${m.id} has metadata ${JSON.stringify(m.metadata)}, outside price < 500 AND category = cat_1`);
      }
      judge(ctx, 'topK 5, price < 500 AND category = cat_1', got, records, q, 5, 'cosine', PC003_FILTER);
      record(ctx, { matching: records.filter((r) => matchesFilter(r.metadata!, PC003_FILTER)).length, returned: got.map((m) => m.id) });
    },
  }),
  defineCase<VectorTarget>({
    id: 'PC-004',
    title: 'Scores convert to the kit distances for cosine, euclidean and dotproduct indexes, nearest first',
    priority: 'p1',
    area: AREA,
    requires: ['pinecone-api', 'filter'],
    spec: 'https://docs.pinecone.io/guides/index-data/indexing-overview#similarity-metrics',
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 16;
      // Distinct directions and lengths, so every metric has a strict order (no ties).
      const records: VectorRecord[] = Array.from({ length: 40 }, (_, i) => {
        const v = new Float32Array(dim);
        for (let d = 0; d < dim; d++) v[d] = ctx.rng.normal();
        return { id: `v${i}`, values: v, metadata: { category: `cat_${i % 3}`, price: i * 10 } };
      });
      const checked: Record<string, Array<{ id: string; distance: number }>> = {};
      for (const metric of (['cosine', 'l2', 'ip'] as const).filter((m) => ctx.capabilities.has(`metric:${m}`))) {
        const col = await collection(ctx, `pc004_${metric}`, dim, metric);
        await upsertAll(ctx, col, records);
        const q = new Float32Array(dim);
        for (let d = 0; d < dim; d++) q[d] = ctx.rng.normal();
        const got = await col.query({ vector: q, topK: 5, filter: PC003_FILTER }, ctx.signal);
        judge(ctx, `${metric}: topK 5 filtered`, got, records, q, 5, metric, PC003_FILTER);
        const truth = exactTopK(records.map((r) => r.values), q, 5, metric, (i) => matchesFilter(records[i]!.metadata!, PC003_FILTER));
        const want = truth.map((t) => records[t.index]!.id);
        if (got.map((m) => m.id).join() !== want.join()) ctx.fail(`${metric}: order ${got.map((m) => m.id).join(', ')}, the kit's exact order is ${want.join(', ')}`);
        checked[metric] = got.map((m) => ({ id: m.id, distance: m.distance }));
      }
      record(ctx, { metrics: checked });
    },
  }),
];
