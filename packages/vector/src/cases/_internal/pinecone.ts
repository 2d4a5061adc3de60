// What the Pinecone cases (PC-…) share: their report section, managed collections, and the kit's
// own exact top-k to judge an answer by. Pinecone never shows how a query ran: every figure here
// is "plan not observable".
import assert from 'node:assert/strict';
import { distance as kitDistance, exactTopK } from '@helios-conformance/fixtures';
import type { Collection, MetadataFilter, QueryMatch, VectorMetric, VectorRecord, VectorRecordMetadata } from '../../adapter.js';
import { openDroppable, type VectorContext } from '../../_internal/case-kit.js';

export const PINECONE_SPEC = 'seed heliosdb-protocol-compatibility-suite: Pinecone protocol (PC-001..PC-003)';
const PLAN = 'plan not observable (Pinecone does not expose how a query ran)';

/** Records a case's observations in `target.sections.pinecone[id]`, labelled, and as case metrics. */
export function recordPinecone(ctx: VectorContext, data: Record<string, unknown>): void {
  const s = ctx.target.sections as Record<string, unknown>;
  const pc = (s.pinecone ??= {}) as Record<string, unknown>;
  pc[ctx.id] = { ...data, plan: PLAN, simulated: ctx.target.simulated };
  for (const [k, v] of Object.entries(data)) ctx.metric(k, v);
  if (ctx.target.simulated) ctx.log('contract-tested against a local fake, not verified against Pinecone');
}

/** A managed collection, dropped by the case's cleanup. */
export function managedCollection(ctx: VectorContext, name: string, dimension: number, metric: VectorMetric): Promise<Collection> {
  return openDroppable(ctx, { name, dimension, metric, index: { kind: 'managed' } });
}

/** A vector of `dim` equal components. */
export const fill = (dim: number, x: number): Float32Array => new Float32Array(dim).fill(x);

/** Whether metadata passes the filter. */
export function matchesFilter(meta: VectorRecordMetadata, f: MetadataFilter): boolean {
  if ('and' in f) return f.and.every((g) => matchesFilter(meta, g));
  if (f.field === 'price') return meta.price < f.value;
  return f.op === 'eq' ? meta.category === f.value : meta.category !== f.value;
}

/**
 * Judges a top-k answer by the kit's own exact search over what was written: the right number of
 * results, only records that pass the filter, reported distances equal to the kit's, and tie-safe
 * ranking (each hit is no farther than the k-th true neighbour, within a small epsilon).
 */
export function judgeTopK(what: string, got: QueryMatch[], records: readonly VectorRecord[], q: Float32Array, topK: number, metric: VectorMetric, filter?: MetadataFilter): { kth: number; tie: boolean } {
  const passes = (i: number): boolean => !filter || matchesFilter(records[i]!.metadata!, filter);
  const truth = exactTopK(records.map((r) => r.values), q, topK, metric, passes);
  const byId = new Map(records.map((r, i) => [r.id, i]));
  assert.equal(got.length, truth.length, `${what}: number of matches (top ${topK} of ${records.filter((_, i) => passes(i)).length} matching records)`);
  assert.deepEqual(
    got.map((m) => m.id).filter((id, i, ids) => ids.indexOf(id) !== i),
    [],
    `${what}: ids returned more than once`,
  );
  const kth = truth.length ? truth[truth.length - 1]!.distance : Number.NaN;
  const eps = 1e-4 * Math.max(1, Math.abs(kth));
  for (const m of got) {
    const i = byId.get(m.id);
    if (i === undefined) assert.fail(`${what}: unknown id ${m.id}`);
    assert.ok(passes(i), `${what}: ${m.id} (${JSON.stringify(records[i]!.metadata)}) does not pass the filter`);
    if (m.metadata && filter) assert.ok(matchesFilter(m.metadata, filter), `${what}: returned metadata of ${m.id} ${JSON.stringify(m.metadata)} does not pass the filter`);
    const d = kitDistance(records[i]!.values, q, metric);
    assert.ok(Math.abs(m.distance - d) <= 1e-4 * Math.max(1, Math.abs(d)), `${what}: ${m.id} reported distance ${m.distance}, the kit computes ${d}`);
    assert.ok(d <= kth + eps, `${what}: ${m.id} at distance ${d} is farther than the ${topK}-th true neighbour (${kth})`);
  }
  const tie = truth.length > 1 && Math.abs(truth[0]!.distance - kth) <= eps;
  return { kth, tie };
}

/** The seed's PC-003 filter: price < 500 AND category = cat_1 (PC-004 filters with it too). */
export const SEED_FILTER: MetadataFilter = { and: [{ field: 'price', op: 'lt', value: 500 }, { field: 'category', op: 'eq', value: 'cat_1' }] };
