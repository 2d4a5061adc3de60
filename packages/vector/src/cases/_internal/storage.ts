// What the storage cases (VEC-100…) share: their collections, named after the case; float32 bit
// comparison; rejected writes; and the kit's exact answer to check a result list against.
//
// "Bit-exact" means every component comes back with the same IEEE-754 float32 bit pattern, with one
// exception: +0 and −0 count as equal. JSON, which Pinecone's API speaks, cannot carry −0 from a
// JavaScript client (`JSON.stringify(-0)` is `"0"`), so the client erases the sign before any endpoint
// sees it; every distance treats them alike too. Whether the sign of zero survived is recorded
// (`signedZeroPreserved`) but never fails a case. Values cover every normal float32 exponent (from
// about 1.2e−38 to 3.4e38, both signs, random mantissas); subnormals are left out because float4
// parsers may legitimately flush them.
import assert from 'node:assert/strict';
import type { Rng } from '@helios-conformance/core';
import { distance as kitDistance } from '@helios-conformance/fixtures';
import type { Collection, MetadataFilter, QueryMatch, VectorMetric, VectorRecordMetadata } from '../../adapter.js';
import { openDroppable, randomRecords, upsertAll, type VectorContext } from '../../_internal/case-kit.js';

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

/** The collection's {@link StorageIntrospection}, when it offers one. */
export function introspection(c: Collection): StorageIntrospection | undefined {
  return typeof (c as Partial<StorageIntrospection>).storageInfo === 'function' ? (c as unknown as StorageIntrospection) : undefined;
}

/** Records a case's observations in `target.sections.storage[id]` and as case metrics. */
export function recordStorage(ctx: VectorContext, data: Record<string, unknown>): void {
  const s = ctx.target.sections as Record<string, unknown>;
  const storage = (s.storage ??= {}) as Record<string, unknown>;
  storage[ctx.id] = { ...(storage[ctx.id] as object | undefined), ...data, ...(ctx.target.simulated ? { simulated: true } : {}) };
  for (const [k, v] of Object.entries(data)) ctx.metric(k, v);
  if (ctx.target.simulated) ctx.log('contract-tested against a local fake, not verified against Pinecone');
}

/** A flat collection of the case, named `<case id>_<suffix>`, dropped by the case's cleanup. */
export function openCaseCollection(ctx: VectorContext, suffix: string, dimension: number, metric: VectorMetric = 'l2'): Promise<Collection> {
  return openDroppable(ctx, { name: `${ctx.id.toLowerCase().replace(/[^a-z0-9]/g, '')}_${suffix}`, dimension, metric, index: { kind: 'flat' } });
}

/** A collection already holding `n` valid records, for the cases that check a bad write leaves them alone. */
export async function openSeeded(ctx: VectorContext, suffix: string, dimension: number, n: number): Promise<Collection> {
  const col = await openCaseCollection(ctx, suffix, dimension);
  await upsertAll(ctx, col, randomRecords(ctx, n, dimension));
  return col;
}

/** Random float32 bit patterns over every normal exponent, plus ±0, ±FLT_MAX and ±FLT_MIN. */
export function extremeVector(rng: Rng, dim: number): Float32Array {
  const bits = new Uint32Array(dim);
  for (let i = 0; i < dim; i++) bits[i] = ((rng.chance(0.5) ? 0x80000000 : 0) | (rng.int(1, 254) << 23) | rng.int(0, 0x7fffff)) >>> 0;
  const specials = [0x00000000, 0x80000000, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x80800000];
  for (let k = 0; k < specials.length && k < dim; k++) bits[rng.int(0, dim - 1)] = specials[k]!;
  return new Float32Array(bits.buffer);
}

/** How a read-back vector differs from the stored one. */
export interface BitDiff {
  mismatches: number;
  signedZeroLost: number;
  /** The first difference, in words (undefined when the vectors are bit-equal up to the sign of zero). */
  first?: string;
}

/** Compares float32 bit patterns component by component (+0 and −0 count as equal). */
export function compareBits(expected: ArrayLike<number>, got: ArrayLike<number> | undefined): BitDiff {
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

/** Same category and price (the metadata the kit writes). */
export function sameMetadata(a: VectorRecordMetadata | undefined, b: VectorRecordMetadata | undefined): boolean {
  return a?.category === b?.category && a?.price === b?.price;
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));
}

/** Runs `op`, which must be rejected with an error whose message matches `clear`; returns the message. */
export async function mustReject(ctx: VectorContext, what: string, op: () => Promise<unknown>, clear: RegExp): Promise<string> {
  let message: string | undefined;
  try {
    await op();
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    message = e instanceof Error ? e.message : String(e);
  }
  if (message === undefined) assert.fail(`${what} was accepted; it must raise an error`);
  assert.match(message, clear, `${what} raised an error that does not name the problem: ${JSON.stringify(message)}`);
  return message;
}

/** After rejected writes: none of `ids` is stored and the count is what it was. */
export async function assertNothingStored(ctx: VectorContext, col: Collection, ids: string[], expectedCount: number): Promise<void> {
  const got = await col.fetch(ids, ctx.signal);
  assert.deepEqual([...got.keys()], [], 'ids of rejected writes that fetch returns (a rejected write was stored anyway)');
  assert.equal(await col.count(ctx.signal), expectedCount, 'count after rejected writes');
}

/** Checks a result list against the exact answer the kit computes over `base`: exactly the expected ids, the kit's distances, nearest first. */
export function checkExact(what: string, got: QueryMatch[], base: Map<string, ArrayLike<number>>, q: ArrayLike<number>, metric: VectorMetric, expectedIds: Set<string>): void {
  const ids = got.map((m) => m.id);
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    [],
    `${what}: ids returned more than once`,
  );
  assert.equal(ids.length, expectedIds.size, `${what}: number of results (exactly the matching records)`);
  for (const m of got) {
    assert.ok(expectedIds.has(m.id), `${what}: ${m.id} is not among the matching records`);
    const truth = kitDistance(base.get(m.id)!, q, metric);
    assert.ok(near(m.distance, truth), `${what}: ${m.id} reported distance ${m.distance}, the kit computes ${truth}`);
  }
  for (let i = 1; i < got.length; i++) {
    const ordered = !(got[i]!.distance < got[i - 1]!.distance - 1e-6 * Math.max(1, Math.abs(got[i - 1]!.distance)));
    assert.ok(ordered, `${what}: results are not ordered nearest first at position ${i}`);
  }
}

/** The filter `category = value`. */
export const category = (value: string): MetadataFilter => ({ field: 'category', op: 'eq', value });
