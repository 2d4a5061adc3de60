// The Pinecone vector store, assembled from its phases: settings (options checked, defaults),
// transport (the SDK client, signals, deadlines, scrubbed errors), indexes (the control plane),
// namespaces (the data plane and eventual consistency), collections, and the cleanup at close.
import { CannotRunError } from '@helios-conformance/core';
import type { Collection, CollectionSpec, VectorStore } from '../adapter.js';
import { PineconeCollection } from './pinecone/collection.js';
import { createIndexes, indexInfo } from './pinecone/indexes.js';
import { createNamespaces } from './pinecone/namespaces.js';
import { resolveSettings } from './pinecone/settings.js';
import { createTransport, isRequestError } from './pinecone/transport.js';

export { scoreToDistance, toPineconeFilter } from './pinecone/collection.js';
export { PineconeRequestError } from './pinecone/transport.js';

/** Options of {@link fromPinecone}. */
export interface PineconeStoreOptions {
  /**
   * Control-plane URL (the SDK's `controllerHostUrl`). Default `https://api.pinecone.io`; a local
   * emulator such as Pinecone Local or the kit's fake is `http://127.0.0.1:PORT`.
   */
  host?: string;
  /** API key, from the caller (e.g. an environment variable). Never logged; listed in {@link PineconeStore.secrets}. */
  apiKey: string;
  /** Run id (`[a-z0-9]{8}`): indexes are named `hc-<runId>-<metric>-<dim>`, namespaces `hc_<runId>_<name>`. Random when omitted. */
  runId?: string;
  /**
   * Put every collection into this existing index (as a namespace) instead of creating indexes;
   * its dimension and metric must fit every collection. The index itself is never deleted.
   */
  index?: string;
  /** Serverless spec of the indexes the run creates (default `aws` / `us-east-1`). */
  cloud?: string;
  region?: string;
  /** Deadline of each HTTP request (default 30 000 ms). */
  requestTimeoutMs?: number;
  /** How long a new index may take to report ready (default 300 000 ms). */
  readyTimeoutMs?: number;
  /** How long writes may take to become visible before the adapter stops waiting (default 60 000 ms). */
  consistencyTimeoutMs?: number;
  /** SDK retries after a 5xx (default 2). */
  maxRetries?: number;
}

/** One index as the control plane describes it. */
export interface PineconeIndexInfo {
  name: string;
  dimension: number | undefined;
  /** Pinecone's own metric name. */
  metric: 'cosine' | 'euclidean' | 'dotproduct' | string;
  ready: boolean;
  state: string;
  host: string;
}

/**
 * Control-plane introspection a store may offer beyond {@link VectorStore} (the Pinecone adapter
 * does; PC-001 needs it). Detect it with {@link hasIndexCatalog}.
 */
export interface IndexCatalog {
  listIndexes(signal?: AbortSignal): Promise<PineconeIndexInfo[]>;
  describeIndex(name: string, signal?: AbortSignal): Promise<PineconeIndexInfo>;
}

/** A collection that lives in a named Pinecone index (a namespace inside it). */
export interface IndexedCollection extends Collection {
  readonly indexName: string;
  readonly namespace: string;
}

/** The Pinecone vector store: a {@link VectorStore} plus the control plane and the secrets to redact. */
export interface PineconeStore extends VectorStore, IndexCatalog {
  readonly runId: string;
  /** Strings every report must scrub (the API key). */
  readonly secrets: readonly string[];
  /**
   * Checks the endpoint answers and accepts the key (lists indexes). Throws
   * {@link CannotRunError} with one line saying what to fix.
   */
  connect(signal?: AbortSignal): Promise<void>;
}

/** True when `store` also offers the control-plane calls of {@link IndexCatalog}. */
export function hasIndexCatalog(store: VectorStore): store is VectorStore & IndexCatalog {
  const s = store as Partial<IndexCatalog>;
  return typeof s.listIndexes === 'function' && typeof s.describeIndex === 'function';
}

/**
 * A {@link VectorStore} over Pinecone through the official SDK `@pinecone-database/pinecone` 8.
 *
 * Collections are namespaces (`hc_<runId>_<name>`) inside one index per (metric, dimension),
 * created by the run as `hc-<runId>-<metric>-<dim>` (serverless) and deleted by {@link VectorStore.close}.
 * Why not one index per collection: dimension and metric are fixed per index anyway, creating an
 * index takes seconds to minutes and plans cap the number of indexes (Starter: 5), while a
 * namespace is created by its first upsert and emptied in one call.
 *
 * Pinecone is eventually consistent: after each write the adapter polls `describe_index_stats`
 * until the namespace's count equals the ids the run holds there (and, for overwrites, until
 * `fetch` returns the new metadata), up to `consistencyTimeoutMs`; then the cases judge what they
 * observe. Pinecone has no query plans (`explain` → `unknown`) and no search-time knobs.
 */
export function fromPinecone(options: PineconeStoreOptions): PineconeStore {
  const settings = resolveSettings(options);
  const t = createTransport(settings);
  const indexes = createIndexes(settings, t);
  const namespaces = createNamespaces(settings, t, indexes);
  const { controller, apiKey } = settings;

  return {
    kind: 'pinecone',
    runId: settings.runId,
    capabilities: new Set(['metric:l2', 'metric:cosine', 'metric:ip', 'filter', 'index:managed', 'concurrency', 'pinecone-api']),
    maxBatch: 100,
    secrets: [apiKey],
    async connect(signal?: AbortSignal): Promise<void> {
      try {
        await t.call(signal, 'list indexes', (c) => c.listIndexes());
      } catch (e) {
        if (signal?.aborted) throw e;
        if (isRequestError(e, 'PineconeAuthorizationError')) throw new CannotRunError(`Pinecone at ${controller} rejected the API key (401): check PINECONE_API_KEY`);
        throw new CannotRunError(`cannot reach Pinecone at ${controller}: ${t.scrub(e instanceof Error ? e.message : String(e))}`);
      }
    },
    async listIndexes(signal?: AbortSignal): Promise<PineconeIndexInfo[]> {
      const list = await t.call(signal, 'list indexes', (c) => c.listIndexes());
      return (list.indexes ?? []).map(indexInfo);
    },
    describeIndex: indexes.describeIndex,
    async createCollection(spec: CollectionSpec, signal?: AbortSignal): Promise<Collection> {
      return new PineconeCollection(spec, await namespaces.open(spec, true, signal), t, namespaces);
    },
    async openCollection(spec: CollectionSpec, signal?: AbortSignal): Promise<Collection> {
      return new PineconeCollection(spec, await namespaces.open(spec, false, signal), t, namespaces);
    },
    async close(): Promise<void> {
      if (namespaces.closed) return;
      namespaces.close();
      const signal = AbortSignal.timeout(Math.max(60_000, settings.requestTimeoutMs * 2));
      const errors: string[] = [];
      const notFound = (e: unknown): boolean => isRequestError(e, 'PineconeNotFoundError');
      for (const ns of namespaces.all()) {
        // Deleting an index the run created removes its namespaces too.
        if (indexes.created.has(ns.indexName)) continue;
        try {
          await t.call(signal, 'delete all', () => ns.index.deleteAll());
        } catch (e) {
          if (!notFound(e)) errors.push(String((e as Error).message));
        }
      }
      for (const name of indexes.created) {
        try {
          await t.call(signal, `delete index ${name}`, (c) => c.deleteIndex(name));
        } catch (e) {
          if (!notFound(e)) errors.push(String((e as Error).message));
        }
      }
      namespaces.clear();
      indexes.created.clear();
      if (errors.length) throw new Error(`Pinecone cleanup failed: ${errors.join('; ')}`);
    },
  };
}
