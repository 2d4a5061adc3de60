import { CannotRunError } from '@helios-conformance/core';
import { closeClient, destroyClient, fromDsn, probeTarget, type PgTarget } from '@helios-conformance/sql/postgres';
import type {
  Collection,
  CollectionSpec,
  MetadataFilter,
  QueryMatch,
  QueryPlan,
  QueryRequest,
  SearchParams,
  VectorMetric,
  VectorRecord,
  VectorRecordMetadata,
  VectorStore,
} from '../adapter.js';

/** Options of {@link fromPgvector}. */
export interface PgvectorOptions {
  signal?: AbortSignal;
  /** Budget to reach the server and log in (passed to the SQL layer's `fromDsn`). */
  timeoutMs?: number;
  log?: (message: string) => void;
  /** Run id for the namespace `hc_<runId>` (random when omitted). */
  runId?: string;
}

/** A pgvector store plus what was observed while opening it (for reports). */
export interface PgvectorStore extends VectorStore {
  /** `SELECT version()` as the server reported it, e.g. `PostgreSQL 17.5`. */
  readonly server: string;
  /** Installed `vector` extension version and schema, as observed in `pg_extension`. */
  readonly extension: { version: string; schema: string; createdByRun: boolean };
  /** The run's schema. */
  readonly namespace: string;
  /** Does the endpoint answer? A fresh login and SELECT 1 (the runner's liveness probe). */
  probe(signal: AbortSignal): Promise<void>;
}

const OPS: Record<VectorMetric, { op: string; opclass: string }> = {
  l2: { op: '<->', opclass: 'vector_l2_ops' },
  cosine: { op: '<=>', opclass: 'vector_cosine_ops' },
  ip: { op: '<#>', opclass: 'vector_ip_ops' },
};

const quoteIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** pgvector's text form. Float32 values print as the shortest double that parses back to the same float. */
export function toVectorLiteral(v: Float32Array | readonly number[]): string {
  let s = '[';
  for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + String(v[i]);
  return s + ']';
}

/** Parses pgvector's text form `[1,2,3]`. */
export function parseVectorLiteral(s: string): Float32Array {
  const inner = s.trim().replace(/^\[/, '').replace(/\]$/, '');
  return inner === '' ? new Float32Array(0) : Float32Array.from(inner.split(','), Number);
}

function filterSql(filter: MetadataFilter, params: unknown[]): string {
  const walk = (f: MetadataFilter): string => {
    if ('and' in f) return f.and.length === 0 ? 'TRUE' : `(${f.and.map(walk).join(' AND ')})`;
    params.push(f.value);
    if (f.field === 'price') return `price < $${params.length}`;
    return `category ${f.op === 'eq' ? '=' : '<>'} $${params.length}`;
  };
  return walk(filter);
}

function rejectOnAbort(signal: AbortSignal | undefined, onAbort: () => void): { promise: Promise<never>; dispose(): void } {
  let dispose = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    if (!signal) return;
    const fire = (): void => {
      onAbort();
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted')));
    };
    if (signal.aborted) return fire();
    signal.addEventListener('abort', fire, { once: true });
    dispose = () => signal.removeEventListener('abort', fire);
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => dispose() };
}

/** A `pg` client as the SQL layer opens it. */
type Client = Awaited<ReturnType<PgTarget['connect']>>;

/**
 * One PostgreSQL session of the store, opened lazily. An aborted query destroys the socket (the
 * only way to stop a query mid-flight without a second connection); the next call reconnects and
 * re-applies the search parameters, so one timed-out case does not break the following ones.
 */
class PgSessionHandle {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  /** Statements replayed after a reconnect (search_path, search params). */
  private readonly settings = new Map<string, string>();
  constructor(
    private readonly target: PgTarget,
    private readonly searchPath: string,
  ) {}

  private async get(signal?: AbortSignal): Promise<Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const c = await this.target.connect({ searchPath: false, signal: undefined, applicationName: 'helios-vector' });
      try {
        await c.query(`SET search_path TO ${this.searchPath}`);
        for (const sql of this.settings.values()) await c.query(sql);
      } catch (e) {
        destroyClient(c);
        throw e;
      }
      c.once('end', () => {
        if (this.client === c) this.client = undefined;
      });
      this.client = c;
      return c;
    })().finally(() => {
      this.connecting = undefined;
    });
    const abort = rejectOnAbort(signal, () => undefined);
    try {
      return await Promise.race([this.connecting, abort.promise]);
    } finally {
      abort.dispose();
    }
  }

  async query<R = Record<string, unknown>>(sql: string, params: unknown[] = [], signal?: AbortSignal): Promise<R[]> {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    const client = await this.get(signal);
    const abort = rejectOnAbort(signal, () => {
      this.client = undefined;
      destroyClient(client);
    });
    try {
      const r = await Promise.race([client.query(sql, params), abort.promise]);
      return r.rows as R[];
    } finally {
      abort.dispose();
    }
  }

  /** Runs a SET and remembers it for reconnects (`key` replaces an earlier setting of the same name). */
  async set(key: string, sql: string, signal?: AbortSignal): Promise<void> {
    await this.query(sql, [], signal);
    this.settings.set(key, sql);
  }

  async close(): Promise<void> {
    const c = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    if (c) await closeClient(c);
  }
}

class PgvectorCollection implements Collection {
  private readonly table: string;
  private readonly indexName: string;
  constructor(
    readonly spec: CollectionSpec,
    private readonly session: PgSessionHandle,
    private readonly store: PgvectorStoreImpl,
  ) {
    this.table = quoteIdent(spec.name);
    this.indexName = `${spec.name}_ann`;
  }

  async upsert(records: readonly VectorRecord[], signal?: AbortSignal): Promise<void> {
    // Multi-row INSERTs with parameters, never COPY: COPY FROM STDIN crashes PGlite's socket server.
    for (let i = 0; i < records.length; i += this.store.maxBatch) {
      const batch = records.slice(i, i + this.store.maxBatch);
      const params: unknown[] = [];
      const rows = batch.map((r) => {
        params.push(r.id, toVectorLiteral(r.values), r.metadata?.category ?? null, r.metadata?.price ?? null);
        const n = params.length;
        return `($${n - 3}, $${n - 2}::vector, $${n - 1}, $${n})`;
      });
      await this.session.query(
        `INSERT INTO ${this.table} (id, embedding, category, price) VALUES ${rows.join(', ')} ` +
          'ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, category = EXCLUDED.category, price = EXCLUDED.price',
        params,
        signal,
      );
    }
  }

  async delete(ids: readonly string[], signal?: AbortSignal): Promise<void> {
    if (ids.length) await this.session.query(`DELETE FROM ${this.table} WHERE id = ANY($1::text[])`, [[...ids]], signal);
  }

  async fetch(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, { values: Float32Array; metadata?: VectorRecordMetadata }>> {
    const out = new Map<string, { values: Float32Array; metadata?: VectorRecordMetadata }>();
    if (!ids.length) return out;
    const rows = await this.session.query<{ id: string; v: string; category: string | null; price: number | null }>(
      `SELECT id, embedding::text AS v, category, price FROM ${this.table} WHERE id = ANY($1::text[])`,
      [[...ids]],
      signal,
    );
    for (const r of rows) {
      out.set(r.id, {
        values: parseVectorLiteral(r.v),
        ...(r.category !== null || r.price !== null ? { metadata: { category: r.category ?? '', price: Number(r.price) } } : {}),
      });
    }
    return out;
  }

  private sql(req: QueryRequest): { sql: string; params: unknown[] } {
    if (!Number.isSafeInteger(req.topK) || req.topK < 0) throw new RangeError(`topK must be a non-negative integer, got ${req.topK}`);
    const params: unknown[] = [toVectorLiteral(req.vector)];
    const { op } = OPS[this.spec.metric];
    const where = req.filter ? ` WHERE ${filterSql(req.filter, params)}` : '';
    params.push(req.topK);
    const cols = ['id', `embedding ${op} $1::vector AS distance`];
    if (req.includeValues) cols.push('embedding::text AS v');
    if (req.includeMetadata) cols.push('category', 'price');
    return { sql: `SELECT ${cols.join(', ')} FROM ${this.table}${where} ORDER BY embedding ${op} $1::vector LIMIT $${params.length}`, params };
  }

  async query(req: QueryRequest, signal?: AbortSignal): Promise<QueryMatch[]> {
    const { sql, params } = this.sql(req);
    const rows = await this.session.query<{ id: string; distance: number; v?: string; category?: string; price?: number }>(sql, params, signal);
    return rows.map((r) => ({
      id: r.id,
      distance: Number(r.distance),
      ...(r.v !== undefined ? { values: parseVectorLiteral(r.v) } : {}),
      ...(req.includeMetadata ? { metadata: { category: r.category ?? '', price: Number(r.price) } } : {}),
    }));
  }

  async buildIndex(signal?: AbortSignal): Promise<number | undefined> {
    const { kind, m, efConstruction, lists } = this.spec.index;
    if (kind !== 'hnsw' && kind !== 'ivfflat') {
      await this.session.query(`ANALYZE ${this.table}`, [], signal);
      return undefined;
    }
    const withs =
      kind === 'hnsw'
        ? [m !== undefined ? `m = ${int(m, 'm')}` : '', efConstruction !== undefined ? `ef_construction = ${int(efConstruction, 'efConstruction')}` : '']
        : [lists !== undefined ? `lists = ${int(lists, 'lists')}` : ''];
    const w = withs.filter(Boolean);
    // A graph that outgrows maintenance_work_mem builds far slower; ask for room, accept a refusal.
    await this.session.query(`SET maintenance_work_mem = '512MB'`, [], signal).catch(() => undefined);
    const t0 = performance.now();
    await this.session.query(
      `CREATE INDEX ${quoteIdent(this.indexName)} ON ${this.table} USING ${kind} (embedding ${OPS[this.spec.metric].opclass})${w.length ? ` WITH (${w.join(', ')})` : ''}`,
      [],
      signal,
    );
    const ms = performance.now() - t0;
    // Fresh statistics so the planner's choice between the index and an exact scan is informed.
    await this.session.query(`ANALYZE ${this.table}`, [], signal);
    return ms;
  }

  async setSearchParams(p: SearchParams, signal?: AbortSignal): Promise<void> {
    // Exactly `SET hnsw.ef_search = N`: the mutant proxy in the tests rewrites this statement.
    if (p.efSearch !== undefined) await this.session.set('ef_search', `SET hnsw.ef_search = ${int(p.efSearch, 'efSearch')}`, signal);
    if (p.probes !== undefined) await this.session.set('probes', `SET ivfflat.probes = ${int(p.probes, 'probes')}`, signal);
    if (p.iterativeScan !== undefined) {
      if (!this.store.capabilities.has('iterative-scan')) throw new Error('this endpoint has no hnsw.iterative_scan setting (pgvector < 0.8)');
      if (!['off', 'relaxed_order', 'strict_order'].includes(p.iterativeScan)) throw new RangeError(`bad iterativeScan ${String(p.iterativeScan)}`);
      await this.session.set('iterative_scan', `SET hnsw.iterative_scan = ${p.iterativeScan}`, signal);
      await this.session.set('ivf_iterative_scan', `SET ivfflat.iterative_scan = ${p.iterativeScan === 'strict_order' ? 'relaxed_order' : p.iterativeScan}`, signal).catch(() => undefined);
    }
    if (p.forceIndex !== undefined) {
      await this.session.set('seqscan', p.forceIndex ? 'SET enable_seqscan = off' : 'RESET enable_seqscan', signal);
      // The primary key's btree could otherwise serve a filtered query through a bitmap scan.
      await this.session.set('bitmapscan', p.forceIndex ? 'SET enable_bitmapscan = off' : 'RESET enable_bitmapscan', signal);
    }
  }

  async explain(req: QueryRequest, signal?: AbortSignal): Promise<QueryPlan> {
    const { sql, params } = this.sql(req);
    const rows = await this.session.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params, signal);
    const lines = rows.map((r) => r['QUERY PLAN']);
    return classifyPlan(lines, this.indexName);
  }

  async count(signal?: AbortSignal): Promise<number> {
    const rows = await this.session.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table}`, [], signal);
    return Number(rows[0]?.n ?? 0);
  }

  async drop(signal?: AbortSignal): Promise<void> {
    await this.session.query(`DROP TABLE IF EXISTS ${this.table}`, [], signal);
  }
}

/**
 * Reads an EXPLAIN plan: `index` when a node scans the collection's ANN index (pgvector's HNSW or
 * IVFFlat), `exact` for a sequential scan / sort, `unknown` otherwise. The detail lists the plan's
 * node lines with vector literals elided.
 */
export function classifyPlan(lines: readonly string[], indexName: string): QueryPlan {
  const nodes = lines
    .filter((l) => /->|^\S/.test(l.trimEnd()) && !/^\s*(Order By|Sort Key|Filter|Index Cond):/.test(l))
    .map((l) => l.replace(/'\[[^\]]*\]'/g, "'[…]'").replace(/\s+\(cost=[^)]*\)/, '').trim());
  const detail = nodes.join(' / ');
  const usesIndex = lines.some((l) => l.includes('Index Scan') && (l.includes(` ${indexName} `) || l.includes(`"${indexName}"`) || l.endsWith(` ${indexName}`)));
  if (usesIndex) return { path: 'index', detail };
  if (lines.some((l) => /Seq Scan|Sort\b/.test(l))) return { path: 'exact', detail };
  return { path: 'unknown', detail };
}

function int(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${what} must be a positive integer, got ${v}`);
  return v;
}

class PgvectorStoreImpl implements PgvectorStore {
  readonly kind = 'pgvector';
  readonly maxBatch = 500;
  private readonly sessions = new Set<PgSessionHandle>();
  private readonly created = new Set<string>();
  private closed: Promise<void> | undefined;
  constructor(
    readonly capabilities: ReadonlySet<string>,
    readonly server: string,
    readonly extension: { version: string; schema: string; createdByRun: boolean },
    readonly namespace: string,
    private readonly target: PgTarget,
    private readonly main: PgSessionHandle,
    private readonly searchPath: string,
    private readonly onClose: () => Promise<void>,
  ) {
    this.sessions.add(main);
  }

  probe(signal: AbortSignal): Promise<void> {
    return probeTarget(this.target, signal);
  }

  private check(spec: CollectionSpec): void {
    if (!/^[a-z_][a-z0-9_]{0,50}$/.test(spec.name)) throw new RangeError(`collection name must be lower-case [a-z0-9_], got ${JSON.stringify(spec.name)}`);
    if (!OPS[spec.metric]) throw new RangeError(`unknown metric ${String(spec.metric)}`);
    int(spec.dimension, 'dimension');
  }

  async createCollection(spec: CollectionSpec, signal?: AbortSignal): Promise<Collection> {
    this.check(spec);
    await this.main.query(
      `CREATE TABLE ${quoteIdent(spec.name)} (id text PRIMARY KEY, embedding vector(${spec.dimension}) NOT NULL, category text, price float8)`,
      [],
      signal,
    );
    this.created.add(spec.name);
    return new PgvectorCollection(spec, this.main, this);
  }

  async openCollection(spec: CollectionSpec, signal?: AbortSignal): Promise<Collection> {
    this.check(spec);
    const s = new PgSessionHandle(this.target, this.searchPath);
    this.sessions.add(s);
    await s.query('SELECT 1', [], signal);
    return new PgvectorCollection(spec, s, this);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      for (const name of this.created) await this.main.query(`DROP TABLE IF EXISTS ${quoteIdent(name)}`, [], AbortSignal.timeout(5_000)).catch(() => undefined);
      await Promise.all([...this.sessions].map((s) => s.close()));
      await this.onClose();
    })();
    return this.closed;
  }
}

/**
 * Opens a pgvector store on any PostgreSQL endpoint with the `vector` extension: a DSN (the run
 * gets its own schema `hc_<runId>`, dropped by `close()`) or an already open {@link PgTarget}
 * from `@helios-conformance/sql/postgres` (its owner drops the schema). Capabilities are observed:
 * the extension (`CREATE EXTENSION IF NOT EXISTS vector`), the index methods in `pg_am`, the
 * distance operators in `pg_operator`, the `hnsw.iterative_scan` setting, and whether two
 * sessions really run at the same time (`concurrency`). An endpoint without pgvector is a
 * {@link CannotRunError}: nothing in this suite can be judged there.
 */
export async function fromPgvector(source: string | PgTarget, o: PgvectorOptions = {}): Promise<PgvectorStore> {
  let target: PgTarget;
  let server = 'unknown';
  let closeSession: () => Promise<void> = async () => undefined;
  if (typeof source === 'string') {
    const session = await fromDsn(source, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log, runId: o.runId });
    target = session.target;
    server = session.server;
    closeSession = () => session.close();
  } else {
    target = source;
  }
  const where = `${target.connection.host}:${target.connection.port}`;
  const ns = quoteIdent(target.namespace);
  const probe = new PgSessionHandle(target, ns);
  try {
    if (server === 'unknown') server = String((await probe.query<{ v: string }>('SELECT version() AS v', [], o.signal))[0]?.v ?? 'unknown').split(/ on |,/)[0] ?? 'unknown';
    let ext = (await probe.query<{ v: string; s: string }>(`SELECT e.extversion AS v, n.nspname AS s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`, [], o.signal))[0];
    let createdByRun = false;
    if (!ext) {
      try {
        // Created in the run's schema, so dropping the schema at the end removes it again.
        await probe.query(`CREATE EXTENSION IF NOT EXISTS vector SCHEMA ${ns}`, [], o.signal);
        createdByRun = true;
      } catch (e) {
        const err = e as { code?: string; message?: string };
        throw new CannotRunError(
          `the endpoint at ${where} has no usable pgvector extension (CREATE EXTENSION vector failed: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}); install pgvector there or point --dsn at a server that has it`,
        );
      }
      ext = (await probe.query<{ v: string; s: string }>(`SELECT e.extversion AS v, n.nspname AS s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`, [], o.signal))[0];
      if (!ext) throw new CannotRunError(`CREATE EXTENSION vector succeeded at ${where} but pg_extension does not list it`);
    }
    const searchPath = ext.s === target.namespace ? ns : `${ns}, ${quoteIdent(ext.s)}`;
    await probe.set('search_path', `SET search_path TO ${searchPath}`, o.signal);
    const caps = new Set<string>(['vector', 'filter', 'explain']);
    const am = await probe.query<{ amname: string }>(`SELECT amname FROM pg_am WHERE amname IN ('hnsw', 'ivfflat')`, [], o.signal);
    for (const r of am) caps.add(`index:${r.amname}`);
    const ops = await probe.query<{ oprname: string }>(`SELECT DISTINCT oprname FROM pg_operator WHERE oprleft = 'vector'::regtype AND oprright = 'vector'::regtype AND oprname IN ('<->', '<=>', '<#>')`, [], o.signal);
    const opNames = new Set(ops.map((r) => r.oprname));
    for (const [metric, { op }] of Object.entries(OPS)) if (opNames.has(op)) caps.add(`metric:${metric}`);
    // The library defines its GUCs when it loads; a vector operation loads it in this session.
    await probe.query(`SELECT '[1]'::vector <-> '[1]'::vector`, [], o.signal);
    const gucs = new Set((await probe.query<{ name: string }>(`SELECT name FROM pg_settings WHERE name LIKE 'hnsw.%' OR name LIKE 'ivfflat.%'`, [], o.signal)).map((r) => r.name));
    if (gucs.has('hnsw.ef_search') || gucs.has('ivfflat.probes')) caps.add('search-params');
    if (gucs.has('hnsw.iterative_scan')) caps.add('iterative-scan');
    if (await observeConcurrency(target, searchPath, o.signal)) caps.add('concurrency');
    o.log?.(`pgvector ${ext.v} in schema ${ext.s}; capabilities: ${[...caps].sort().join(', ')}`);
    return new PgvectorStoreImpl(caps, server, { version: ext.v, schema: ext.s, createdByRun }, target.namespace, target, probe, searchPath, closeSession);
  } catch (e) {
    await probe.close();
    await closeSession().catch(() => undefined);
    if (e instanceof CannotRunError) throw e;
    const err = e as { code?: string; message?: string };
    throw new CannotRunError(`could not inspect the pgvector endpoint at ${where}: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`);
  }
}

/**
 * Two sessions, one sleeping 300 ms: if the other's `SELECT` ran while the sleep was running, by
 * the server's own clock, the endpoint runs sessions in parallel. (PGlite serves every socket from
 * one backend: it does not.) Judged by the server's timestamps, never by which answer reached us
 * first: through a proxy or pooler the second session's answer can arrive before the sleeper's
 * although the server ran it afterwards (issue 19). A hop that delays the second statement by more
 * than ~250 ms makes this say "not concurrent" (its case n/a), never the reverse.
 * @internal exported for the package's tests, not from the package.
 */
export async function observeConcurrency(target: PgTarget, searchPath: string, signal?: AbortSignal): Promise<boolean> {
  const a = new PgSessionHandle(target, searchPath);
  const b = new PgSessionHandle(target, searchPath);
  // Microseconds since the epoch as text: exact, and comparable as BigInt.
  const now = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text";
  try {
    await Promise.all([a.query('SELECT 1', [], signal), b.query('SELECT 1', [], signal)]);
    const sleeping = a.query<{ t0: string; t1: string }>(`SELECT ${now} AS t0, pg_sleep(0.3), ${now} AS t1`, [], signal);
    sleeping.catch(() => undefined); // awaited below; a failure of b's query first must not leave it unhandled
    await new Promise((r) => setTimeout(r, 50));
    const [ran] = await b.query<{ t: string }>(`SELECT ${now} AS t`, [], signal);
    const [slept] = await sleeping;
    if (!ran || !slept) return false;
    const t = BigInt(ran.t);
    return t > BigInt(slept.t0) && t < BigInt(slept.t1);
  } catch {
    return false;
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}
