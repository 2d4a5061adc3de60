/**
 * The vector-store adapter: the small surface every vector case drives. One implementation
 * per ecosystem (pgvector over the PostgreSQL wire, Pinecone over its HTTP API). Cases never
 * look at which implementation they hold; what an endpoint cannot do is declared in
 * {@link VectorStore.capabilities} and turns the case into `n/a`.
 */

/** Distance functions with pgvector's conventions: smaller is closer. */
export type VectorMetric = 'l2' | 'cosine' | 'ip';

/** Index kinds a collection can be built with; `flat` means no ANN index (exact scan). */
export type IndexKind = 'hnsw' | 'ivfflat' | 'flat' | 'managed';

/** What to build. Parameters an implementation ignores are reported back in {@link Collection.index}. */
export interface CollectionSpec {
  /** Collection / table / index name; the adapter adds the run's namespace. Lower-case `[a-z0-9_]`. */
  name: string;
  dimension: number;
  metric: VectorMetric;
  index: { kind: IndexKind; m?: number; efConstruction?: number; lists?: number };
}

/** Metadata carried by each record; filters compare `category` and `price`. */
export interface VectorRecordMetadata {
  category: string;
  price: number;
  [key: string]: string | number | boolean;
}

export interface VectorRecord {
  id: string;
  values: Float32Array | readonly number[];
  metadata?: VectorRecordMetadata;
}

/** Same shape as `@helios-conformance/fixtures`' VectorFilter (category eq/ne, price lt, and). */
export type MetadataFilter =
  | { field: 'category'; op: 'eq' | 'ne'; value: string }
  | { field: 'price'; op: 'lt'; value: number }
  | { and: readonly MetadataFilter[] };

/** Search-time knobs (pgvector `hnsw.ef_search`, `ivfflat.probes`, iterative scans; Pinecone has none). */
export interface SearchParams {
  efSearch?: number;
  probes?: number;
  /** pgvector ≥ 0.8 `hnsw.iterative_scan`: keep scanning the index until enough rows pass the filter. */
  iterativeScan?: 'off' | 'relaxed_order' | 'strict_order';
  /** Forbid the exact-scan fallback (e.g. `enable_seqscan = off`) so the index path is measured. */
  forceIndex?: boolean;
}

export interface QueryRequest {
  vector: Float32Array | readonly number[];
  topK: number;
  filter?: MetadataFilter;
  /** Return stored values with each match (for round-trip checks). */
  includeValues?: boolean;
  includeMetadata?: boolean;
}

export interface QueryMatch {
  id: string;
  /** Distance in the collection's metric, smaller is closer (pgvector's convention: ip is negated). */
  distance: number;
  values?: Float32Array;
  metadata?: VectorRecordMetadata;
}

/** How a query was executed, as observed (EXPLAIN), never assumed. */
export interface QueryPlan {
  /** `index`: an ANN index scan; `exact`: a sequential / brute-force scan; `unknown`: not observable. */
  path: 'index' | 'exact' | 'unknown';
  /** Free text the endpoint gave (e.g. the first EXPLAIN line). */
  detail?: string;
}

/** An open collection. */
export interface Collection {
  readonly spec: CollectionSpec;
  upsert(records: readonly VectorRecord[], signal?: AbortSignal): Promise<void>;
  delete(ids: readonly string[], signal?: AbortSignal): Promise<void>;
  fetch(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, { values: Float32Array; metadata?: VectorRecordMetadata }>>;
  query(req: QueryRequest, signal?: AbortSignal): Promise<QueryMatch[]>;
  /** Builds the ANN index after bulk load (no-op where the store indexes on write). Returns the build time in ms, or undefined if not observable. */
  buildIndex(signal?: AbortSignal): Promise<number | undefined>;
  /** Sets search-time parameters for later queries of this collection. */
  setSearchParams(params: SearchParams, signal?: AbortSignal): Promise<void>;
  /** How `req` would run with the current search params. */
  explain(req: QueryRequest, signal?: AbortSignal): Promise<QueryPlan>;
  /** Number of records visible to queries (after eventual consistency settles). */
  count(signal?: AbortSignal): Promise<number>;
  /** Removes the collection and everything in it. Idempotent. */
  drop(signal?: AbortSignal): Promise<void>;
}

/** The suite's handle on one endpoint for one run. */
export interface VectorStore {
  /** `pgvector`, `pinecone`, …: shown in reports, never used to decide a verdict. */
  readonly kind: string;
  /**
   * Declared / observed abilities: `index:hnsw`, `index:ivfflat`, `metric:l2`, `metric:cosine`,
   * `metric:ip`, `filter`, `search-params`, `explain`, `concurrency` (sessions run in parallel).
   */
  readonly capabilities: ReadonlySet<string>;
  /** Largest batch `upsert` should receive. */
  readonly maxBatch: number;
  createCollection(spec: CollectionSpec, signal?: AbortSignal): Promise<Collection>;
  /** A second, independent handle on an existing collection (for concurrency-4 latency runs). */
  openCollection(spec: CollectionSpec, signal?: AbortSignal): Promise<Collection>;
  /** Drops every collection the run created and releases connections. Idempotent. */
  close(): Promise<void>;
}
