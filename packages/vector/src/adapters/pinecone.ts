import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { CannotRunError } from '@helios-conformance/core';
import type { Index, Pinecone, RecordMetadata } from '@pinecone-database/pinecone';
import type {
  Collection,
  CollectionSpec,
  MetadataFilter,
  QueryMatch,
  QueryPlan,
  QueryRequest,
  VectorMetric,
  VectorRecord,
  VectorRecordMetadata,
  VectorStore,
} from '../adapter.js';

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

const PINECONE_METRIC: Record<VectorMetric, 'cosine' | 'euclidean' | 'dotproduct'> = { cosine: 'cosine', l2: 'euclidean', ip: 'dotproduct' };
const SHORT_METRIC: Record<VectorMetric, string> = { cosine: 'cos', l2: 'l2', ip: 'ip' };

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

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function sameMetadata(a: unknown, b: unknown): boolean {
  const norm = (m: unknown): string =>
    m && typeof m === 'object' ? JSON.stringify(Object.fromEntries(Object.entries(m).sort(([x], [y]) => (x < y ? -1 : 1)))) : JSON.stringify(m ?? null);
  return norm(a) === norm(b);
}

/** The SDK puts the raw response body into its messages; keep the service's own message when the body is JSON. */
function bodyMessage(message: string): string {
  try {
    const body = JSON.parse(message) as { error?: { message?: unknown; code?: unknown }; message?: unknown };
    const text = body.error?.message ?? body.message;
    if (typeof text === 'string' && text) return body.error?.code ? `${String(body.error.code)}: ${text}` : text;
  } catch {
    // not JSON: the SDK's own sentence
  }
  return message;
}

/** An error from Pinecone, with the HTTP status when there was one; the message never holds the API key. */
export class PineconeRequestError extends Error {
  override readonly name = 'PineconeRequestError';
  constructor(
    message: string,
    /** The SDK's error class, e.g. `PineconeBadRequestError`. */
    readonly kind: string,
  ) {
    super(message);
  }
}

interface Namespaced {
  index: Index<RecordMetadata>;
  indexName: string;
  namespace: string;
  /** Ids this run wrote to the namespace and has not deleted: what a settled count must equal. */
  ids: Set<string>;
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
  if (!options.apiKey) throw new CannotRunError('Pinecone needs an API key (set PINECONE_API_KEY)');
  const apiKey = options.apiKey;
  const controller = (options.host ?? 'https://api.pinecone.io').replace(/\/+$/, '');
  const runId = options.runId ?? randomBytes(8).toString('hex').slice(0, 8);
  if (!/^[a-z0-9]{8}$/.test(runId)) throw new TypeError(`runId must be 8 characters [a-z0-9], got ${JSON.stringify(runId)}`);
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 300_000;
  const consistencyTimeoutMs = options.consistencyTimeoutMs ?? 60_000;
  const dataScheme = controller.startsWith('http://') ? 'http://' : 'https://';

  // The SDK takes no per-call AbortSignal: the caller's signal travels to our fetch through
  // async context, combined with a per-request deadline.
  const callSignal = new AsyncLocalStorage<AbortSignal | undefined>();
  const fetchApi = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const outer = callSignal.getStore();
    if (outer?.aborted) return Promise.reject(outer.reason instanceof Error ? outer.reason : new Error('aborted'));
    const signals = [AbortSignal.timeout(requestTimeoutMs)];
    if (outer) signals.push(outer);
    if (init?.signal) signals.push(init.signal);
    return fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };

  const scrub = (s: string): string => s.split(apiKey).join('***');
  let client: Promise<Pinecone> | undefined;
  const pc = (): Promise<Pinecone> =>
    (client ??= import('@pinecone-database/pinecone').then((mod) => {
      const Ctor = (mod as { Pinecone?: typeof Pinecone }).Pinecone ?? (mod as unknown as { default: { Pinecone: typeof Pinecone } }).default.Pinecone;
      return new Ctor({ apiKey, controllerHostUrl: controller, fetchApi: fetchApi as never, maxRetries: options.maxRetries ?? 2, sourceTag: 'helios_conformance' });
    }));

  const call = async <R>(signal: AbortSignal | undefined, what: string, fn: (client: Pinecone) => Promise<R>): Promise<R> => {
    signal?.throwIfAborted();
    const c = await pc();
    try {
      return await callSignal.run(signal, () => fn(c));
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const err = e as { name?: string; message?: string };
      throw new PineconeRequestError(`Pinecone ${what}: ${scrub(bodyMessage(err.message ?? String(e)))}`, err.name ?? 'Error');
    }
  };

  const info = (m: { name: string; dimension?: number; metric: string; host: string; status?: { ready: boolean; state: string } }): PineconeIndexInfo => ({
    name: m.name,
    dimension: m.dimension,
    metric: m.metric,
    ready: m.status?.ready === true,
    state: m.status?.state ?? 'unknown',
    host: m.host,
  });
  const describeIndex = async (name: string, signal?: AbortSignal): Promise<PineconeIndexInfo> => info(await call(signal, `describe index ${name}`, (c) => c.describeIndex(name)));

  const createdIndexes = new Set<string>();
  const indexes = new Map<string, Promise<PineconeIndexInfo>>();
  const namespaces = new Map<string, Namespaced>();
  let closed = false;

  const waitReady = async (name: string, signal?: AbortSignal): Promise<PineconeIndexInfo> => {
    const deadline = Date.now() + readyTimeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
      const d = await describeIndex(name, signal);
      if (d.ready) return d;
      if (Date.now() + delay > deadline) throw new Error(`Pinecone index ${name} was not ready within ${readyTimeoutMs} ms (state ${d.state})`);
      await sleep(delay, signal);
    }
  };

  const indexFor = (spec: CollectionSpec, create: boolean, signal?: AbortSignal): Promise<PineconeIndexInfo> => {
    const name = options.index ?? `hc-${runId}-${SHORT_METRIC[spec.metric]}-${spec.dimension}`;
    const key = options.index ? name : `${spec.metric}/${spec.dimension}`;
    let p = indexes.get(key);
    if (!p) {
      p = (async () => {
        if (!options.index && create) {
          try {
            await call(signal, `create index ${name}`, (c) =>
              c.createIndex({
                name,
                dimension: spec.dimension,
                metric: PINECONE_METRIC[spec.metric],
                spec: { serverless: { cloud: options.cloud ?? 'aws', region: options.region ?? 'us-east-1' } },
                deletionProtection: 'disabled',
                waitUntilReady: false,
              }),
            );
            createdIndexes.add(name);
          } catch (e) {
            // A conflict means it exists already (a retried create); anything else is fatal.
            if (!(e instanceof PineconeRequestError && e.kind === 'PineconeConflictError')) throw e;
            createdIndexes.add(name);
          }
        }
        return waitReady(name, signal);
      })();
      indexes.set(key, p);
      p.catch(() => indexes.delete(key));
    }
    return p.then((d) => {
      if (d.dimension !== spec.dimension || d.metric !== PINECONE_METRIC[spec.metric]) {
        throw new Error(`Pinecone index ${d.name} has dimension ${d.dimension} and metric ${d.metric}; collection ${spec.name} needs ${spec.dimension} and ${PINECONE_METRIC[spec.metric]}`);
      }
      return d;
    });
  };

  const namespaced = async (spec: CollectionSpec, create: boolean, signal?: AbortSignal): Promise<Namespaced> => {
    if (closed) throw new Error('the Pinecone store is closed');
    if (!/^[a-z0-9_]+$/.test(spec.name)) throw new TypeError(`collection name must be [a-z0-9_], got ${JSON.stringify(spec.name)}`);
    const d = await indexFor(spec, create, signal);
    const nsName = `hc_${runId}_${spec.name}`;
    let ns = namespaces.get(`${d.name}/${nsName}`);
    if (!ns) {
      const host = /^https?:\/\//.test(d.host) ? d.host : dataScheme + d.host;
      const client = await pc();
      ns = { index: client.index({ name: d.name, host, namespace: nsName }), indexName: d.name, namespace: nsName, ids: new Set() };
      namespaces.set(`${d.name}/${nsName}`, ns);
    }
    return ns;
  };

  const count = async (ns: Namespaced, signal?: AbortSignal): Promise<number> => {
    const stats = await call(signal, 'describe index stats', () => ns.index.describeIndexStats());
    return stats.namespaces?.[ns.namespace]?.recordCount ?? 0;
  };

  /** Waits (bounded, never throwing on timeout) until the namespace shows what the run wrote. */
  const settle = async (ns: Namespaced, signal: AbortSignal | undefined, overwritten: readonly VectorRecord[] = []): Promise<void> => {
    const deadline = Date.now() + consistencyTimeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      let ok = (await count(ns, signal)) === ns.ids.size;
      if (ok && overwritten.length) {
        const probe = overwritten.slice(0, 100);
        const got = await call(signal, 'fetch', () => ns.index.fetch({ ids: probe.map((r) => r.id) }));
        ok = probe.every((r) => got.records[r.id] !== undefined && sameMetadata(got.records[r.id]!.metadata, r.metadata));
      }
      if (ok || Date.now() + delay > deadline) return;
      await sleep(delay, signal);
    }
  };

  class PineconeCollection implements IndexedCollection {
    readonly spec: CollectionSpec;
    readonly indexName: string;
    readonly namespace: string;
    constructor(
      spec: CollectionSpec,
      private readonly ns: Namespaced,
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
        await call(signal, 'upsert', () =>
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
      await settle(this.ns, signal, overwritten);
    }

    async delete(ids: readonly string[], signal?: AbortSignal): Promise<void> {
      if (ids.length === 0) return;
      for (const batch of chunks(ids, 1000)) {
        await call(signal, 'delete', () => this.ns.index.deleteMany({ ids: [...batch] }));
        for (const id of batch) this.ns.ids.delete(id);
      }
      await settle(this.ns, signal);
    }

    async fetch(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, { values: Float32Array; metadata?: VectorRecordMetadata }>> {
      const out = new Map<string, { values: Float32Array; metadata?: VectorRecordMetadata }>();
      for (const batch of chunks(ids, 100)) {
        const res = await call(signal, 'fetch', () => this.ns.index.fetch({ ids: [...batch] }));
        for (const [id, rec] of Object.entries(res.records ?? {})) {
          out.set(id, { values: Float32Array.from(rec.values ?? []), ...(rec.metadata ? { metadata: rec.metadata as VectorRecordMetadata } : {}) });
        }
      }
      return out;
    }

    async query(req: QueryRequest, signal?: AbortSignal): Promise<QueryMatch[]> {
      if (req.topK === 0) return [];
      const filter = toPineconeFilter(req.filter);
      const res = await call(signal, 'query', () =>
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
      return count(this.ns, signal);
    }

    async drop(signal?: AbortSignal): Promise<void> {
      try {
        await call(signal, 'delete all', () => this.ns.index.deleteAll());
      } catch (e) {
        if (!(e instanceof PineconeRequestError && e.kind === 'PineconeNotFoundError')) throw e;
      }
      this.ns.ids.clear();
      await settle(this.ns, signal);
    }
  }

  return {
    kind: 'pinecone',
    runId,
    capabilities: new Set(['metric:l2', 'metric:cosine', 'metric:ip', 'filter', 'index:managed', 'concurrency', 'pinecone-api']),
    maxBatch: 100,
    secrets: [apiKey],
    async connect(signal?: AbortSignal): Promise<void> {
      try {
        await call(signal, 'list indexes', (c) => c.listIndexes());
      } catch (e) {
        if (signal?.aborted) throw e;
        const kind = e instanceof PineconeRequestError ? e.kind : '';
        if (kind === 'PineconeAuthorizationError') throw new CannotRunError(`Pinecone at ${controller} rejected the API key (401): check PINECONE_API_KEY`);
        throw new CannotRunError(`cannot reach Pinecone at ${controller}: ${scrub(e instanceof Error ? e.message : String(e))}`);
      }
    },
    async listIndexes(signal?: AbortSignal): Promise<PineconeIndexInfo[]> {
      const list = await call(signal, 'list indexes', (c) => c.listIndexes());
      return (list.indexes ?? []).map(info);
    },
    describeIndex,
    async createCollection(spec: CollectionSpec, signal?: AbortSignal): Promise<Collection> {
      return new PineconeCollection(spec, await namespaced(spec, true, signal));
    },
    async openCollection(spec: CollectionSpec, signal?: AbortSignal): Promise<Collection> {
      return new PineconeCollection(spec, await namespaced(spec, false, signal));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const signal = AbortSignal.timeout(Math.max(60_000, requestTimeoutMs * 2));
      const errors: string[] = [];
      for (const ns of namespaces.values()) {
        // Deleting an index the run created removes its namespaces too.
        if (createdIndexes.has(ns.indexName)) continue;
        try {
          await call(signal, 'delete all', () => ns.index.deleteAll());
        } catch (e) {
          if (!(e instanceof PineconeRequestError && e.kind === 'PineconeNotFoundError')) errors.push(String((e as Error).message));
        }
      }
      for (const name of createdIndexes) {
        try {
          await call(signal, `delete index ${name}`, (c) => c.deleteIndex(name));
        } catch (e) {
          if (!(e instanceof PineconeRequestError && e.kind === 'PineconeNotFoundError')) errors.push(String((e as Error).message));
        }
      }
      namespaces.clear();
      createdIndexes.clear();
      if (errors.length) throw new Error(`Pinecone cleanup failed: ${errors.join('; ')}`);
    },
  };
}
