import type { CollectionSpec, MetadataFilter, QueryMatch, QueryPlan, QueryRequest, VectorMetric, VectorRecord, VectorRecordMetadata } from '../../adapter.js';
import type { IndexedCollection } from '../pinecone.js';
import type { Namespaced, Namespaces } from './namespaces.js';
import { chunks } from './settings.js';
import { isRequestError, type Transport } from './transport.js';

/**
 * Pinecone's score → the kit's smaller-is-closer distance (pgvector's conventions).
 * Sources: Pinecone docs, "Similarity metrics" (https://docs.pinecone.io/guides/index-data/indexing-overview#similarity-metrics):
 * `cosine` returns the cosine similarity, `dotproduct` the dot product (higher is closer for both),
 * `euclidean` "a similarity score equal to the squared Euclidean distance" (lower is closer). The
 * squared form is also visible in Pinecone's classic quickstart output: the score of [0.4]*8 against
 * the query [0.3]*8 is 0.0799999 = 8 × 0.1², not √0.08.
 * So cosine distance = 1 − score (pgvector `<=>`), ip = −score (pgvector `<#>`), l2 = √score (`<->`).
 */
export function scoreToDistance(metric: VectorMetric, score: number | undefined): number {
  if (score === undefined || !Number.isFinite(score)) return Number.NaN;
  if (metric === 'cosine') return 1 - score;
  if (metric === 'ip') return -score;
  return Math.sqrt(Math.max(0, score));
}

/** The kit's filter in Pinecone's filter language; undefined for "no filter" (an empty `and`). */
export function toPineconeFilter(f: MetadataFilter | undefined): Record<string, unknown> | undefined {
  if (!f) return undefined;
  if ('and' in f) {
    const parts = f.and.map(toPineconeFilter).filter((p): p is Record<string, unknown> => p !== undefined);
    if (parts.length === 0) return undefined;
    return parts.length === 1 ? parts[0] : { $and: parts };
  }
  if (f.field === 'price') return { price: { $lt: f.value } };
  return { category: { [f.op === 'eq' ? '$eq' : '$ne']: f.value } };
}

/**
 * A collection: one namespace of a Pinecone index. Every write waits for the namespace to show it
 * (eventual consistency); Pinecone has no query plans and no search-time knobs.
 */
export class PineconeCollection implements IndexedCollection {
  readonly spec: CollectionSpec;
  readonly indexName: string;
  readonly namespace: string;
  constructor(
    spec: CollectionSpec,
    private readonly ns: Namespaced,
    private readonly t: Transport,
    private readonly namespaces: Namespaces,
  ) {
    // Pinecone builds and tunes its own index: report what was actually built.
    this.spec = Object.freeze({ ...spec, index: { kind: 'managed' as const } });
    this.indexName = ns.indexName;
    this.namespace = ns.namespace;
  }

  async upsert(records: readonly VectorRecord[], signal?: AbortSignal): Promise<void> {
    if (records.length === 0) return;
    // Requests stay under Pinecone's 2 MB / 1000-record limits (about 12 bytes per JSON number).
    const per = Math.max(1, Math.min(100, Math.floor(1_800_000 / (this.spec.dimension * 12 + 300))));
    const overwritten: VectorRecord[] = [];
    for (const batch of chunks(records, per)) {
      await this.t.call(signal, 'upsert', () =>
        this.ns.index.upsert({
          // NaN and ±Infinity leave as JSON null (JSON has no such numbers): the endpoint must reject them.
          records: batch.map((r) => ({ id: r.id, values: Array.from(r.values), ...(r.metadata ? { metadata: { ...r.metadata } } : {}) })),
        }),
      );
      for (const r of batch) {
        if (this.ns.ids.has(r.id)) overwritten.push(r);
        this.ns.ids.add(r.id);
      }
    }
    await this.namespaces.settle(this.ns, signal, overwritten);
  }

  async delete(ids: readonly string[], signal?: AbortSignal): Promise<void> {
    if (ids.length === 0) return;
    for (const batch of chunks(ids, 1000)) {
      await this.t.call(signal, 'delete', () => this.ns.index.deleteMany({ ids: [...batch] }));
      for (const id of batch) this.ns.ids.delete(id);
    }
    await this.namespaces.settle(this.ns, signal);
  }

  async fetch(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, { values: Float32Array; metadata?: VectorRecordMetadata }>> {
    const out = new Map<string, { values: Float32Array; metadata?: VectorRecordMetadata }>();
    for (const batch of chunks(ids, 100)) {
      const res = await this.t.call(signal, 'fetch', () => this.ns.index.fetch({ ids: [...batch] }));
      for (const [id, rec] of Object.entries(res.records ?? {})) {
        out.set(id, { values: Float32Array.from(rec.values ?? []), ...(rec.metadata ? { metadata: rec.metadata as VectorRecordMetadata } : {}) });
      }
    }
    return out;
  }

  async query(req: QueryRequest, signal?: AbortSignal): Promise<QueryMatch[]> {
    if (req.topK === 0) return [];
    const filter = toPineconeFilter(req.filter);
    const res = await this.t.call(signal, 'query', () =>
      this.ns.index.query({
        vector: Array.from(req.vector),
        topK: req.topK,
        ...(filter ? { filter } : {}),
        includeValues: req.includeValues === true,
        includeMetadata: req.includeMetadata === true,
      }),
    );
    return (res.matches ?? []).map((m) => ({
      id: m.id,
      distance: scoreToDistance(this.spec.metric, m.score),
      ...(req.includeValues && m.values ? { values: Float32Array.from(m.values) } : {}),
      ...(req.includeMetadata && m.metadata ? { metadata: m.metadata as VectorRecordMetadata } : {}),
    }));
  }

  async buildIndex(): Promise<number | undefined> {
    return undefined;
  }

  async setSearchParams(): Promise<void> {
    // Pinecone has no search-time parameters; the store does not declare `search-params`.
  }

  async explain(): Promise<QueryPlan> {
    return { path: 'unknown', detail: 'Pinecone does not expose how a query was executed' };
  }

  count(signal?: AbortSignal): Promise<number> {
    return this.namespaces.count(this.ns, signal);
  }

  async drop(signal?: AbortSignal): Promise<void> {
    try {
      await this.t.call(signal, 'delete all', () => this.ns.index.deleteAll());
    } catch (e) {
      if (!isRequestError(e, 'PineconeNotFoundError')) throw e;
    }
    this.ns.ids.clear();
    await this.namespaces.settle(this.ns, signal);
  }
}
