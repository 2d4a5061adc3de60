// What the vector cases share besides measuring: their define function and context type, and the
// collections a case creates for itself (dropped by the case's cleanup, filled in batches the
// store accepts, with seeded records).
import { defineCase, type Case, type CaseContext, type CaseDefinition, type Rng } from '@helios-conformance/core';
import type { Collection, CollectionSpec, VectorRecord, VectorRecordMetadata } from '../adapter.js';
import type { VectorTarget } from '../target.js';

/** What a vector case receives. */
export type VectorContext = CaseContext<VectorTarget>;

/** core's `defineCase` bound to {@link VectorTarget}. */
export function defineVectorCase(def: CaseDefinition<VectorTarget>): Case<VectorTarget> {
  return defineCase<VectorTarget>(def);
}

/** Creates a collection whose drop is deferred to the case's cleanup, so nothing outlives the run. */
export async function openDroppable(ctx: VectorContext, spec: CollectionSpec): Promise<Collection> {
  const col = await ctx.target.store.createCollection(spec, ctx.signal);
  ctx.defer(() => col.drop(AbortSignal.timeout(30_000)));
  return col;
}

/** Upserts in batches no larger than the store accepts in one call. */
export async function upsertAll(ctx: VectorContext, col: Collection, records: readonly VectorRecord[]): Promise<void> {
  const per = Math.max(1, ctx.target.store.maxBatch);
  for (let i = 0; i < records.length; i += per) await col.upsert(records.slice(i, i + per), ctx.signal);
}

/** `n` records `v0…v(n-1)` of seeded normal vectors, price = index, category from `category(i)`. */
export function randomRecords(ctx: VectorContext, n: number, dim: number, category: (i: number) => string = () => 'c'): Array<{ id: string; values: Float32Array; metadata: VectorRecordMetadata }> {
  return Array.from({ length: n }, (_, i) => ({ id: `v${i}`, values: normalVector(ctx.rng, dim), metadata: { category: category(i), price: i } }));
}

/** A vector of seeded standard-normal components. */
export function normalVector(rng: Rng, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.normal();
  return v;
}

/** Puts `value` at `target.sections[section][key]` (the report's figures). */
export function record(target: VectorTarget, section: string, key: string, value: unknown): void {
  const s = (target.sections[section] ??= {}) as Record<string, unknown>;
  s[key] = value;
}
