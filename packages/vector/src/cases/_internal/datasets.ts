// Datasets the vector cases share within one run. Loading and indexing 10k × 384 vectors costs
// seconds, so the nine recall cases share three collections (one per metric), the filtered cases
// share one, and each is built once per store. They live in the run's namespace and are dropped
// by `store.close()` at the end of the run (also after a failure or Ctrl-C).
import { generateVectors, type VectorDataset } from '@helios-conformance/fixtures';
import type { CaseContext } from '@helios-conformance/core';
import type { Collection, CollectionSpec, VectorMetric, VectorStore } from '../../adapter.js';
import type { VectorSize, VectorTarget } from '../../target.js';

/** Shape of one shared dataset per `--size`. */
export interface DatasetShape {
  count: number;
  dim: number;
  queries: number;
  clusters: number;
}

/** The dataset shapes (CI numbers chosen so PGlite builds every index of the run in well under a minute). */
export const SHAPES: Record<VectorSize, Record<'recall' | 'filtered' | 'ivf', DatasetShape>> = {
  ci: {
    recall: { count: 5_000, dim: 128, queries: 100, clusters: 25 },
    filtered: { count: 10_000, dim: 384, queries: 50, clusters: 40 },
    ivf: { count: 5_000, dim: 128, queries: 100, clusters: 25 },
  },
  full: {
    recall: { count: 100_000, dim: 384, queries: 200, clusters: 200 },
    filtered: { count: 100_000, dim: 384, queries: 100, clusters: 200 },
    ivf: { count: 100_000, dim: 384, queries: 200, clusters: 200 },
  },
};

/** A loaded, indexed collection with the data it holds. */
export interface LoadedDataset {
  key: string;
  collection: Collection;
  spec: CollectionSpec;
  ds: VectorDataset;
  shape: DatasetShape;
  seed: number;
  loadMs: number;
  /** Index build time as the store observed it (undefined when the store indexes on write). */
  buildMs: number | undefined;
}

const cache = new WeakMap<VectorStore, Map<string, Promise<LoadedDataset>>>();

/** Index parameters of each shared dataset. */
export function indexFor(purpose: 'recall' | 'filtered' | 'ivf', store: VectorStore, shape: DatasetShape): CollectionSpec['index'] {
  if (purpose === 'ivf') return { kind: 'ivfflat', lists: Math.max(10, Math.round(Math.sqrt(shape.count))) };
  if (!store.capabilities.has('index:hnsw')) return { kind: 'managed' };
  // The seed's parameters for the filtered set; pgvector's defaults' neighbourhood otherwise.
  return purpose === 'filtered' ? { kind: 'hnsw', m: 16, efConstruction: 200 } : { kind: 'hnsw', m: 16, efConstruction: 100 };
}

/**
 * The shared dataset `purpose`/`metric` of this run: generated from a fixed seed, upserted in
 * batches, indexed, and awaited until `count()` shows every record (stores that settle eventually).
 * Returned from the cache when an earlier case built it.
 */
export function sharedDataset(ctx: CaseContext<VectorTarget>, purpose: 'recall' | 'filtered' | 'ivf', metric: VectorMetric): Promise<LoadedDataset> {
  const { store } = ctx.target;
  let byKey = cache.get(store);
  if (!byKey) cache.set(store, (byKey = new Map()));
  const key = `${purpose}_${metric}`;
  const hit = byKey.get(key);
  if (hit) return hit;
  const p = load(ctx, purpose, metric, key).catch((e: unknown) => {
    byKey.delete(key);
    throw e;
  });
  byKey.set(key, p);
  return p;
}

async function load(ctx: CaseContext<VectorTarget>, purpose: 'recall' | 'filtered' | 'ivf', metric: VectorMetric, key: string): Promise<LoadedDataset> {
  const { store, runId, size } = ctx.target;
  const shape = SHAPES[size][purpose];
  // Fixed per purpose, not the run seed: figures stay comparable between runs and vendors.
  const seed = purpose === 'filtered' ? 384_100 : 128_000 + shape.dim;
  const ds = generateVectors({ count: shape.count, dim: shape.dim, clusters: shape.clusters, seed, queries: shape.queries, normalize: metric !== 'l2' });
  const spec: CollectionSpec = { name: `hc_${runId}_${key}`, dimension: shape.dim, metric, index: indexFor(purpose, store, shape) };
  ctx.log(`loading shared dataset ${key}: ${shape.count} × ${shape.dim}, index ${JSON.stringify(spec.index)}`);
  const t0 = performance.now();
  const collection = await store.createCollection(spec, ctx.signal);
  try {
    const batch = Math.max(1, store.maxBatch);
    for (let i = 0; i < shape.count; i += batch) {
      const records = [];
      for (let j = i; j < Math.min(shape.count, i + batch); j++) {
        const m = ds.metadata[j]!;
        records.push({ id: String(j), values: ds.vectors[j]!, metadata: { category: m.category, price: m.price } });
      }
      await collection.upsert(records, ctx.signal);
    }
    const loadMs = performance.now() - t0;
    const buildMs = await collection.buildIndex(ctx.signal);
    for (let n = await collection.count(ctx.signal); n !== shape.count; n = await collection.count(ctx.signal)) {
      if (n > shape.count) throw new Error(`collection ${spec.name} counts ${n} records after ${shape.count} were upserted`);
      await new Promise((r) => setTimeout(r, 200));
      if (ctx.signal.aborted) throw ctx.signal.reason;
    }
    ctx.log(`${key}: loaded in ${Math.round(loadMs)} ms, index built in ${buildMs === undefined ? 'n/a' : `${Math.round(buildMs)} ms`}`);
    recordBuild(ctx.target, key, { records: shape.count, dim: shape.dim, metric, index: spec.index, loadMs: Math.round(loadMs), buildMs: buildMs === undefined ? null : Math.round(buildMs) });
    return { key, collection, spec, ds, shape, seed, loadMs, buildMs };
  } catch (e) {
    await collection.drop(AbortSignal.timeout(5_000)).catch(() => undefined);
    throw e;
  }
}

function recordBuild(target: VectorTarget, key: string, entry: Record<string, unknown>): void {
  const build = (target.sections.build ??= {}) as Record<string, unknown>;
  build[key] = entry;
}
