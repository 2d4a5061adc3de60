/**
 * Storage cases VEC-100…VEC-149: what a vector store keeps is exactly what it was given.
 * Generic over {@link VectorStore}: they run against pgvector and Pinecone(-compatible) endpoints alike.
 *
 * "Bit-exact" means every component comes back with the same IEEE-754 float32 bit pattern, with one
 * exception: +0 and −0 count as equal. JSON, which Pinecone's API speaks, cannot carry −0 from a
 * JavaScript client (`JSON.stringify(-0)` is `"0"`), so the client erases the sign before any endpoint
 * sees it; every distance treats them alike too. Whether the sign of zero survived is recorded
 * (`signedZeroPreserved`) but never fails a case. Values cover every normal float32 exponent (from
 * about 1.2e−38 to 3.4e38, both signs, random mantissas); subnormals are left out because float4
 * parsers may legitimately flush them.
 */
import { defineCase, type Case, type CaseContext, type Rng } from '@helios-conformance/core';
import { distance as kitDistance } from '@helios-conformance/fixtures';
import type { Collection, MetadataFilter, QueryMatch, VectorMetric, VectorRecord, VectorRecordMetadata } from '../adapter.js';
import type { VectorTarget } from '../target.js';
import { normalVector, openDroppable, randomRecords, upsertAll } from './_internal/collections.js';

/**
 * Optional member a collection may offer so VEC-110 can observe where a large vector is stored
 * (PostgreSQL: TOAST). Not part of {@link Collection}; detected at run time.
 */
export interface StorageIntrospection {
  /**
   * Number of values of the collection stored out of line (for PostgreSQL: distinct TOAST chunk ids
   * in the table's TOAST relation), as observed on the endpoint.
   */
  storageInfo(signal?: AbortSignal): Promise<{ outOfLineValues: number; detail?: string }>;
}

type Ctx = CaseContext<VectorTarget>;
const SINCE = '0.1.0';
const AREA = 'storage';

function section(ctx: Ctx): Record<string, unknown> {
  const s = ctx.target.sections as Record<string, unknown>;
  return (s.storage ??= {}) as Record<string, unknown>;
}

/** Records a case's observations in `target.sections.storage[id]` and as case metrics. */
function record(ctx: Ctx, data: Record<string, unknown>): void {
  section(ctx)[ctx.id] = { ...(section(ctx)[ctx.id] as object | undefined), ...data, ...(ctx.target.simulated ? { simulated: true } : {}) };
  for (const [k, v] of Object.entries(data)) ctx.metric(k, v);
  if (ctx.target.simulated) ctx.log('contract-tested against a local fake, not verified against Pinecone');
}

function openCollection(ctx: Ctx, suffix: string, dimension: number, metric: VectorMetric = 'l2'): Promise<Collection> {
  return openDroppable(ctx, { name: `${ctx.id.toLowerCase().replace(/[^a-z0-9]/g, '')}_${suffix}`, dimension, metric, index: { kind: 'flat' } });
}

/** A collection already holding `n` valid records, for the cases that check a bad write leaves them alone. */
async function openSeeded(ctx: Ctx, suffix: string, dimension: number, n: number): Promise<Collection> {
  const col = await openCollection(ctx, suffix, dimension);
  await upsertAll(ctx, col, randomRecords(ctx, n, dimension));
  return col;
}

/** Random float32 bit patterns over every normal exponent, plus ±0, ±FLT_MAX and ±FLT_MIN. */
function extremeVector(rng: Rng, dim: number): Float32Array {
  const bits = new Uint32Array(dim);
  for (let i = 0; i < dim; i++) bits[i] = ((rng.chance(0.5) ? 0x80000000 : 0) | (rng.int(1, 254) << 23) | rng.int(0, 0x7fffff)) >>> 0;
  const specials = [0x00000000, 0x80000000, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x80800000];
  for (let k = 0; k < specials.length && k < dim; k++) bits[rng.int(0, dim - 1)] = specials[k]!;
  return new Float32Array(bits.buffer);
}

interface BitDiff {
  mismatches: number;
  signedZeroLost: number;
  first?: string;
}

function compareBits(expected: ArrayLike<number>, got: ArrayLike<number> | undefined): BitDiff {
  if (!got) return { mismatches: expected.length, signedZeroLost: 0, first: 'missing' };
  if (got.length !== expected.length) return { mismatches: expected.length, signedZeroLost: 0, first: `length ${got.length}, expected ${expected.length}` };
  const e = Float32Array.from(expected);
  const g = Float32Array.from(got);
  const eb = new Uint32Array(e.buffer);
  const gb = new Uint32Array(g.buffer);
  let mismatches = 0;
  let signedZeroLost = 0;
  let first: string | undefined;
  for (let i = 0; i < e.length; i++) {
    if (eb[i] === gb[i]) continue;
    if (e[i] === 0 && g[i] === 0) {
      signedZeroLost++;
      continue;
    }
    mismatches++;
    first ??= `component ${i}: stored ${e[i]} (0x${eb[i]!.toString(16).padStart(8, '0')}), got ${g[i]} (0x${gb[i]!.toString(16).padStart(8, '0')})`;
  }
  return { mismatches, signedZeroLost, first };
}

function sameMetadata(a: VectorRecordMetadata | undefined, b: VectorRecordMetadata | undefined): boolean {
  return a?.category === b?.category && a?.price === b?.price;
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));
}

/** Fails unless the round trip of `records` through upsert + fetch is bit-exact, values and metadata. */
async function roundTrip(ctx: Ctx, dim: number, count: number): Promise<void> {
  const col = await openCollection(ctx, 'rt', dim);
  const records: VectorRecord[] = Array.from({ length: count }, (_, i) => ({
    id: `v${i}`,
    values: extremeVector(ctx.rng, dim),
    metadata: { category: i % 2 ? 'odd' : 'even', price: i + 0.25 },
  }));
  await upsertAll(ctx, col, records);
  const got = await col.fetch(records.map((r) => r.id), ctx.signal);
  let mismatches = 0;
  let zerosLost = 0;
  const problems: string[] = [];
  for (const r of records) {
    const g = got.get(r.id);
    const d = compareBits(r.values, g?.values);
    mismatches += d.mismatches;
    zerosLost += d.signedZeroLost;
    if (d.first && problems.length < 3) problems.push(`${r.id} ${d.first}`);
    if (g && !sameMetadata(r.metadata, g.metadata) && problems.length < 3) problems.push(`${r.id} metadata ${JSON.stringify(g.metadata)}, stored ${JSON.stringify(r.metadata)}`);
  }
  record(ctx, { dimension: dim, vectors: count, components: dim * count, returned: got.size, mismatches, signedZeroPreserved: zerosLost === 0 });
  if (got.size !== count) ctx.fail(`fetch returned ${got.size} of ${count} stored vectors`);
  if (problems.length) ctx.fail(`${mismatches} of ${dim * count} components changed in the round trip; ${problems.join('; ')}`);
}

/** Runs `op`, which must be rejected; returns the error message. */
async function mustReject(ctx: Ctx, what: string, op: () => Promise<unknown>, clear: RegExp): Promise<string> {
  let message: string | undefined;
  try {
    await op();
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    message = e instanceof Error ? e.message : String(e);
  }
  if (message === undefined) ctx.fail(`${what} was accepted; it must raise an error`);
  if (!message.trim() || !clear.test(message)) ctx.fail(`${what} raised an error that does not name the problem: ${JSON.stringify(message)}`);
  return message;
}

async function assertNothingStored(ctx: Ctx, col: Collection, ids: string[], expectedCount: number): Promise<void> {
  const got = await col.fetch(ids, ctx.signal);
  if (got.size) ctx.fail(`a rejected write was stored anyway: fetch returned ${[...got.keys()].join(', ')}`);
  const n = await col.count(ctx.signal);
  if (n !== expectedCount) ctx.fail(`count is ${n} after rejected writes, expected ${expectedCount}`);
}

/** Checks a result list against the exact answer the kit computes over `base`. */
function checkExact(ctx: Ctx, what: string, got: QueryMatch[], base: Map<string, ArrayLike<number>>, q: ArrayLike<number>, metric: VectorMetric, expectedIds: Set<string>): void {
  const ids = got.map((m) => m.id);
  if (new Set(ids).size !== ids.length) ctx.fail(`${what}: duplicate ids in the result ${ids.join(', ')}`);
  if (ids.length !== expectedIds.size) ctx.fail(`${what}: ${ids.length} results, expected exactly the ${expectedIds.size} matching records`);
  for (const m of got) {
    if (!expectedIds.has(m.id)) ctx.fail(`${what}: ${m.id} is not among the matching records`);
    const truth = kitDistance(base.get(m.id)!, q, metric);
    if (!near(m.distance, truth)) ctx.fail(`${what}: ${m.id} reported distance ${m.distance}, the kit computes ${truth}`);
  }
  for (let i = 1; i < got.length; i++) {
    if (got[i]!.distance < got[i - 1]!.distance - 1e-6 * Math.max(1, Math.abs(got[i - 1]!.distance))) ctx.fail(`${what}: results are not ordered nearest first at position ${i}`);
  }
}

const category = (value: string): MetadataFilter => ({ field: 'category', op: 'eq', value });

/** The storage cases, in ID order. */
export const storageCases: readonly Case<VectorTarget>[] = [
  defineCase<VectorTarget>({
    id: 'VEC-100',
    title: '128-dimension vectors round-trip bit-exactly (float32 bits, every exponent) with their metadata',
    priority: 'p0',
    area: AREA,
    since: SINCE,
    run: (ctx) => roundTrip(ctx, 128, 50),
  }),
  defineCase<VectorTarget>({
    id: 'VEC-101',
    title: '1536-dimension vectors round-trip bit-exactly (float32 bits, every exponent) with their metadata',
    priority: 'p0',
    area: AREA,
    since: SINCE,
    run: (ctx) => roundTrip(ctx, 1536, 20),
  }),
  defineCase<VectorTarget>({
    id: 'VEC-102',
    title: 'Query results carry the stored values bit-exactly and the distances the kit computes, for every declared metric',
    priority: 'p1',
    area: AREA,
    since: SINCE,
    run: async (ctx: Ctx) => {
      const metrics = (['l2', 'cosine', 'ip'] as const).filter((m) => ctx.capabilities.has(`metric:${m}`));
      if (metrics.length === 0) ctx.notApplicable('the endpoint declares no metric:l2, metric:cosine or metric:ip');
      const dim = 64;
      const n = 30;
      const checked: Record<string, number> = {};
      for (const metric of metrics) {
        const col = await openCollection(ctx, metric, dim, metric);
        const base = new Map<string, Float32Array>();
        const records = randomRecords(ctx, n, dim);
        for (const r of records) base.set(r.id, r.values);
        await upsertAll(ctx, col, records);
        for (let k = 0; k < 3; k++) {
          const q = normalVector(ctx.rng, dim);
          const got = await col.query({ vector: q, topK: n, includeValues: true }, ctx.signal);
          checkExact(ctx, `${metric} query ${k}`, got, base, q, metric, new Set(base.keys()));
          for (const m of got) {
            const d = compareBits(base.get(m.id)!, m.values);
            if (d.first) ctx.fail(`${metric} query ${k}: values of ${m.id} differ from what was stored: ${d.first}`);
          }
        }
        checked[metric] = n * 3;
      }
      record(ctx, { metrics, matchesChecked: checked });
    },
  }),
  defineCase<VectorTarget>({
    id: 'VEC-103',
    title: 'An upsert of an existing id replaces its values and metadata (no duplicate, old vector gone)',
    priority: 'p0',
    area: AREA,
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 32;
      const col = await openCollection(ctx, 'ow', dim);
      const first = randomRecords(ctx, 20, dim, () => 'old');
      await upsertAll(ctx, col, first);
      const second = first.slice(0, 5).map((r, i) => ({ id: r.id, values: normalVector(ctx.rng, dim), metadata: { category: 'new', price: 1000 + i } }));
      await upsertAll(ctx, col, second);
      const now = new Map<string, VectorRecord>([...first, ...second].map((r) => [r.id, r]));
      const got = await col.fetch([...now.keys()], ctx.signal);
      for (const [id, r] of now) {
        const g = got.get(id);
        const d = compareBits(r.values, g?.values);
        if (d.first) ctx.fail(`${id}: ${second.some((s) => s.id === id) ? 'overwritten' : 'untouched'} values not as last written: ${d.first}`);
        if (!sameMetadata(r.metadata, g?.metadata)) ctx.fail(`${id}: metadata ${JSON.stringify(g?.metadata)}, last written ${JSON.stringify(r.metadata)}`);
      }
      const n = await col.count(ctx.signal);
      if (n !== 20) ctx.fail(`count is ${n} after overwriting 5 of 20 ids, expected 20`);
      const base = new Map([...now].map(([id, r]) => [id, r.values]));
      for (const r of first.slice(0, 5)) {
        // Querying with the old vector must not find a leftover copy of it.
        const res = await col.query({ vector: r.values, topK: 20 }, ctx.signal);
        checkExact(ctx, `query with the replaced vector of ${r.id}`, res, base, r.values, 'l2', new Set(base.keys()));
      }
      if (ctx.capabilities.has('filter')) {
        const fresh = await col.query({ vector: second[0]!.values, topK: 20, filter: category('new') }, ctx.signal);
        checkExact(ctx, "filter category = 'new'", fresh, base, second[0]!.values, 'l2', new Set(second.map((r) => r.id)));
        const stale = await col.query({ vector: second[0]!.values, topK: 20, filter: category('old') }, ctx.signal);
        checkExact(ctx, "filter category = 'old'", stale, base, second[0]!.values, 'l2', new Set(first.slice(5).map((r) => r.id)));
      }
      record(ctx, { written: 20, overwritten: 5, count: n });
    },
  }),
  defineCase<VectorTarget>({
    id: 'VEC-104',
    title: 'Deleted vectors disappear from fetch, from the count and from query results',
    priority: 'p0',
    area: AREA,
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 32;
      const col = await openCollection(ctx, 'del', dim);
      const records = randomRecords(ctx, 20, dim);
      await upsertAll(ctx, col, records);
      const gone = records.slice(0, 5);
      const kept = records.slice(5);
      await col.delete(gone.map((r) => r.id), ctx.signal);
      const fetchedGone = await col.fetch(gone.map((r) => r.id), ctx.signal);
      if (fetchedGone.size) ctx.fail(`fetch still returns deleted ${[...fetchedGone.keys()].join(', ')}`);
      const fetchedKept = await col.fetch(kept.map((r) => r.id), ctx.signal);
      if (fetchedKept.size !== kept.length) ctx.fail(`fetch returns ${fetchedKept.size} of the ${kept.length} vectors that were not deleted`);
      const n = await col.count(ctx.signal);
      if (n !== kept.length) ctx.fail(`count is ${n} after deleting 5 of 20, expected ${kept.length}`);
      const base = new Map(kept.map((r) => [r.id, r.values]));
      for (const r of gone) {
        const res = await col.query({ vector: r.values, topK: 20 }, ctx.signal);
        checkExact(ctx, `query with the deleted vector ${r.id}`, res, base, r.values, 'l2', new Set(base.keys()));
      }
      record(ctx, { written: 20, deleted: 5, count: n });
    },
  }),
  defineCase<VectorTarget>({
    id: 'VEC-105',
    title: 'A vector of the wrong dimension is rejected with an error naming the dimension, and nothing is stored',
    priority: 'p0',
    area: AREA,
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 16;
      const col = await openSeeded(ctx, 'dim', dim, 5);
      const clear = /dimension/i;
      const short = await mustReject(ctx, 'upsert of a 15-dimension vector into a 16-dimension collection', () => col.upsert([{ id: 'short', values: normalVector(ctx.rng, dim - 1) }], ctx.signal), clear);
      const long = await mustReject(ctx, 'upsert of a 17-dimension vector into a 16-dimension collection', () => col.upsert([{ id: 'long', values: normalVector(ctx.rng, dim + 1) }], ctx.signal), clear);
      const query = await mustReject(ctx, 'query with a 15-dimension vector', () => col.query({ vector: normalVector(ctx.rng, dim - 1), topK: 3 }, ctx.signal), clear);
      await assertNothingStored(ctx, col, ['short', 'long'], 5);
      record(ctx, { errors: { short, long, query } });
    },
  }),
  defineCase<VectorTarget>({
    id: 'VEC-106',
    title: 'A vector with a NaN component is rejected with a clear error, and nothing is stored',
    priority: 'p1',
    area: AREA,
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 16;
      const col = await openSeeded(ctx, 'nan', dim, 5);
      const v = normalVector(ctx.rng, dim);
      v[7] = Number.NaN;
      const clear = /nan|finite|invalid|not allowed|null/i;
      const upsert = await mustReject(ctx, 'upsert of a vector with a NaN component', () => col.upsert([{ id: 'nan', values: v }], ctx.signal), clear);
      const query = await mustReject(ctx, 'query with a NaN component', () => col.query({ vector: v, topK: 3 }, ctx.signal), clear);
      await assertNothingStored(ctx, col, ['nan'], 5);
      record(ctx, { errors: { upsert, query } });
    },
  }),
  defineCase<VectorTarget>({
    id: 'VEC-107',
    title: 'A vector with an Infinity component (+ or -) is rejected with a clear error, and nothing is stored',
    priority: 'p1',
    area: AREA,
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 16;
      const col = await openSeeded(ctx, 'inf', dim, 5);
      const clear = /inf|finite|invalid|not allowed|null|range/i;
      const errors: Record<string, string> = {};
      for (const [id, x] of [['pinf', Number.POSITIVE_INFINITY], ['ninf', Number.NEGATIVE_INFINITY]] as const) {
        const v = normalVector(ctx.rng, dim);
        v[3] = x;
        errors[id] = await mustReject(ctx, `upsert of a vector with a component equal to ${x}`, () => col.upsert([{ id, values: v }], ctx.signal), clear);
      }
      await assertNothingStored(ctx, col, ['pinf', 'ninf'], 5);
      record(ctx, { errors });
    },
  }),
  defineCase<VectorTarget>({
    id: 'VEC-108',
    title: 'A top-k larger than the matching set returns exactly the matching set, nearest first',
    priority: 'p0',
    area: AREA,
    requires: ['filter'],
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 16;
      const col = await openCollection(ctx, 'k', dim);
      const records = randomRecords(ctx, 30, dim, (i) => (i % 7 === 3 ? 'rare' : 'common'));
      await upsertAll(ctx, col, records);
      const base = new Map(records.map((r) => [r.id, r.values]));
      const q = normalVector(ctx.rng, dim);
      const rare = new Set(records.filter((r) => r.metadata.category === 'rare').map((r) => r.id));
      checkExact(ctx, "topK 10, category = 'rare'", await col.query({ vector: q, topK: 10, filter: category('rare') }, ctx.signal), base, q, 'l2', rare);
      const cheap = new Set(records.filter((r) => r.metadata.price < 3).map((r) => r.id));
      checkExact(ctx, 'topK 10, price < 3', await col.query({ vector: q, topK: 10, filter: { field: 'price', op: 'lt', value: 3 } }, ctx.signal), base, q, 'l2', cheap);
      checkExact(ctx, 'topK 50 over 30 vectors', await col.query({ vector: q, topK: 50 }, ctx.signal), base, q, 'l2', new Set(base.keys()));
      record(ctx, { vectors: 30, matching: { rare: rare.size, priceBelow3: cheap.size } });
    },
  }),
  defineCase<VectorTarget>({
    id: 'VEC-109',
    title: 'A filter no record matches returns an empty result (no error, no unfiltered fallback)',
    priority: 'p0',
    area: AREA,
    requires: ['filter'],
    since: SINCE,
    run: async (ctx: Ctx) => {
      const dim = 16;
      const empty = await openCollection(ctx, 'none', dim);
      const q = normalVector(ctx.rng, dim);
      const onEmpty = await empty.query({ vector: q, topK: 5, filter: category('absent') }, ctx.signal);
      if (onEmpty.length) ctx.fail(`a query on an empty collection returned ${onEmpty.length} results`);
      const col = await openCollection(ctx, 'some', dim);
      await upsertAll(ctx, col, randomRecords(ctx, 20, dim, (i) => (i % 2 ? 'a' : 'b')));
      const filters: Array<[string, MetadataFilter]> = [
        ["category = 'absent'", category('absent')],
        ["category = 'a' AND price < 0", { and: [category('a'), { field: 'price', op: 'lt', value: 0 }] }],
      ];
      for (const [label, filter] of filters) {
        const res = await col.query({ vector: q, topK: 10, filter }, ctx.signal);
        if (res.length) ctx.fail(`${label} matches nothing but the query returned ${res.length} results (${res.map((m) => m.id).join(', ')})`);
      }
      record(ctx, { filtersChecked: filters.length + 1 });
    },
  }),
  defineCase<VectorTarget>({
    id: 'VEC-110',
    title: 'A 1536-dimension vector (stored out of line where observable) and a 128-dimension one read back exactly',
    priority: 'p2',
    area: AREA,
    spec: 'seed heliosdb-test-framework-design: test_vector_storage_toast',
    since: SINCE,
    run: async (ctx: Ctx) => {
      const small = await openCollection(ctx, 'small', 128);
      const large = await openCollection(ctx, 'large', 1536);
      const smallVec = new Float32Array(128).fill(0.1);
      const largeVec = new Float32Array(1536).fill(0.1);
      await small.upsert([{ id: 'v1', values: smallVec, metadata: { category: 'c', price: 1 } }], ctx.signal);
      await large.upsert([{ id: 'v2', values: largeVec, metadata: { category: 'c', price: 2 } }], ctx.signal);
      for (const [col, id, v] of [[small, 'v1', smallVec], [large, 'v2', largeVec]] as const) {
        const d = compareBits(v, (await col.fetch([id], ctx.signal)).get(id)?.values);
        if (d.first) ctx.fail(`${v.length}-dimension vector did not read back exactly: ${d.first}`);
      }
      const probe = (c: Collection): StorageIntrospection | undefined =>
        typeof (c as Partial<StorageIntrospection>).storageInfo === 'function' ? (c as unknown as StorageIntrospection) : undefined;
      const sp = probe(small);
      const lp = probe(large);
      if (!sp || !lp) {
        ctx.log('storage layout not observable on this endpoint: only the read-back was checked');
        record(ctx, { layout: 'not observable' });
        return;
      }
      const s = await sp.storageInfo(ctx.signal);
      const l = await lp.storageInfo(ctx.signal);
      record(ctx, { layout: { small: s, large: l } });
      if (s.outOfLineValues !== 0) ctx.fail(`the 128-dimension vector (≈520 bytes) is stored out of line (${s.outOfLineValues} values): ${s.detail ?? ''}`);
      if (l.outOfLineValues < 1) ctx.fail(`the 1536-dimension vector (≈6 KB) is stored inline: ${l.detail ?? ''}`);
    },
  }),
];
