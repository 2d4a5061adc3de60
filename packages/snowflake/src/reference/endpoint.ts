// The protocol reference endpoint: Snowflake's REST/JSON API as snowflake-sdk 3.x calls it
// (lib/services/sf.js, lib/connection/statement.js, lib/connection/result/*), executing the SQL
// on a PostgreSQL-wire backend (the embedded PGlite child or a PostgreSQL server). It exists to
// prove that the suite drives the real driver end to end; it is not Snowflake, and every run
// against it is labelled "protocol reference endpoint, not verified against Snowflake".
//
// Facts copied from the driver (not code): the URLs, the `Snowflake Token="…"` header, the JSON
// envelope `{ data, code, message, success }`, the in-progress codes 333333 / 333334 with a
// `getResultUrl`, the result's rowtype/rowset/chunks fields, chunk bodies as rows without the
// enclosing brackets, abort by request id or query id, the GS codes of login, token expiry and
// cancel, and the exact `Content-Type: application/json` the driver parses.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { BAD_LOGIN, CANCELED, fromPgError, statementCount, TOKEN_EXPIRED, TOKEN_INVALID, type SfFailure } from './errors.js';
import { encodeValue, rowTypeOf, type PgField, type RowType } from './results.js';
import { splitStatements, translate, type Plan } from './translate.js';

/** Label of every run against this endpoint (console, JSON, HTML, README). */
export const REFERENCE_LABEL = 'protocol reference endpoint, not verified against Snowflake';

/** What `SELECT CURRENT_VERSION()` answers here: the suite recognises the endpoint by it, to label the run. */
export const REFERENCE_VERSION = `helios-conformance snowflake reference endpoint (${REFERENCE_LABEL})`;

/**
 * One broken behaviour (for the suite's own tests: every case must be shown able to fail).
 * - `types-as-text`: every result column is declared TEXT
 * - `binds-ignored`: bind values are dropped (every bind is NULL)
 * - `fetch-short`: every query result of several rows is one row short
 * - `cancel-ignored`: abort-request answers success and cancels nothing
 * - `chunks-swapped`: the URLs of the first two result chunks are exchanged
 * - `error-shape`: a failed statement answers a bare message (no Snowflake code, no SQLSTATE)
 * - `any-password`: login accepts any password
 * - `async-blocking`: asyncExec is ignored (the submission returns only when the query finished)
 * - `multi-first-only`: a multi-statement request returns only its first result
 * - `session-ignored`: ALTER SESSION and login-time session parameters are acknowledged and dropped
 * - `tls-legacy`: the HTTPS listener also accepts TLS 1.0 and 1.1 handshakes
 * - `rollback-ignored`: BEGIN, COMMIT and ROLLBACK are acknowledged and do nothing (every statement commits at once)
 * - `renew-refused`: a session token renewal with a valid master token is refused with 390104 (the driver does not retry it)
 * - `renew-new-session`: a renewal hands out the token of a new session (the session's parameters are gone)
 * - `expiry-ignored`: session tokens never expire (an expired one is accepted, so the driver never renews it)
 */
export type ReferenceMutant =
  | 'types-as-text'
  | 'binds-ignored'
  | 'fetch-short'
  | 'cancel-ignored'
  | 'chunks-swapped'
  | 'error-shape'
  | 'any-password'
  | 'async-blocking'
  | 'multi-first-only'
  | 'session-ignored'
  | 'tls-legacy'
  | 'rollback-ignored'
  | 'renew-refused'
  | 'renew-new-session'
  | 'expiry-ignored';

/** Every mutant, for tests that walk them. */
export const REFERENCE_MUTANTS: readonly ReferenceMutant[] = ['types-as-text', 'binds-ignored', 'fetch-short', 'cancel-ignored', 'chunks-swapped', 'error-shape', 'any-password', 'async-blocking', 'multi-first-only', 'session-ignored', 'tls-legacy', 'rollback-ignored', 'renew-refused', 'renew-new-session', 'expiry-ignored'];

/** The HTTPS identity of the endpoint (PEM), e.g. from `@helios-conformance/testbed`'s `generateTlsMaterial`. */
export interface ReferenceTls {
  cert: string;
  key: string;
  /** A file holding the CA that signed `cert`: {@link ReferenceEndpoint.dsn} names it as `ca=`. */
  caFile?: string;
}

/** Options of {@link startReferenceEndpoint}. */
export interface ReferenceEndpointOptions {
  /** The PostgreSQL-wire backend that runs the SQL (`postgres://…`: the embedded PGlite child, or a PostgreSQL server). */
  backendDsn: string;
  /** The one user and password the endpoint accepts. */
  user: string;
  password: string;
  /** Loopback address to listen on (default 127.0.0.1) and port (default: a free one). */
  host?: string;
  port?: number;
  /** Rows returned inline with the query response (default 1000); the rest come as result chunks. */
  inlineRows?: number;
  /** Rows per result chunk (default 8000). */
  chunkRows?: number;
  /** A statement still running after this long is answered 333333 and polled by the driver (default 500 ms). */
  inProgressAfterMs?: number;
  /** Validity of a session token in seconds (default 3600); the driver renews an expired one with the master token. */
  sessionTokenValiditySeconds?: number;
  /** Serve HTTPS (TLS 1.2 and 1.3) with this certificate; without it plain HTTP. */
  tls?: ReferenceTls;
  mutant?: ReferenceMutant;
}

/** A running reference endpoint. */
export interface ReferenceEndpoint {
  readonly host: string;
  readonly port: number;
  /** `https://host:port` (or `http://` without TLS): what snowflake-sdk's accessUrl would be. */
  readonly url: string;
  /** A `snowflake://` DSN for the suite: the endpoint's user and password, `database`/`schema` in the path, `protocol=https&ca=FILE` with TLS. */
  dsn(database?: string, schema?: string): string;
  /** How many times the mutant changed an answer (tests assert that it acted). */
  mutations(): number;
  /** How many result chunks the driver downloaded (a large result came in chunks). */
  chunkDownloads(): number;
  /** How many session tokens were renewed with a master token (after 390112). */
  renewals(): number;
  /** Closes the listener, aborts running statements and closes the backend connection. */
  stop(): Promise<void>;
}

interface Session {
  id: number;
  token: string;
  masterToken: string;
  tokenExpiresAt: number;
  database: string;
  schema: string;
  warehouse: string;
  role: string;
  params: Map<string, string | number | boolean>;
  /** The session's open transaction (BEGIN … COMMIT/ROLLBACK). */
  tx?: Tx;
}

/** A transaction: a backend connection of its own, so that no other session's statement lands in it. */
interface Tx {
  client: PgClient;
  serial: Serial;
}

interface PgResult {
  fields: PgField[];
  rows: Array<Array<string | null>>;
  command: string;
  rowCount: number;
}

/** The part of pg's Client the endpoint uses. */
interface PgClient {
  query(q: string | { text: string; values: unknown[]; rowMode: 'array' }): Promise<{ fields: unknown[]; rows: unknown[]; command: string; rowCount: number | null }>;
  connect(): Promise<void>;
  end(): Promise<void>;
  on(event: 'error', f: () => void): unknown;
}

type Body = Record<string, unknown>;

interface Query {
  id: string;
  requestId: string | undefined;
  session: Session;
  status: 'RUNNING' | 'SUCCESS' | 'FAILED_WITH_ERROR' | 'ABORTED';
  /** The answer once the statement has finished (a result or a failure envelope). */
  done: Promise<Body>;
  answer?: Body;
  abort: AbortController;
  error?: SfFailure;
  /** Chunk bodies of the result, by index. */
  chunks: string[];
  startedAt: number;
}

/** The JSON envelope of every answer. */
const ok = (data: unknown, code: string | null = null, message: string | null = null): Body => ({ data, code, message, success: true });
const failure = (f: SfFailure, data: Record<string, unknown> = {}): Body => ({ data: { ...data, sqlState: f.sqlState, errorCode: f.code, internalError: false }, code: f.code, message: f.message, success: false });

const STATEMENT_TYPE = { select: 0x1000, insert: 0x3100, update: 0x3200, delete: 0x3300, ddl: 0x6000, session: 0x4000, transaction: 0x5000 } as const;

/** Snowflake's defaults of the session parameters the endpoint reports. */
const DEFAULT_PARAMETERS: Readonly<Record<string, string | number | boolean>> = {
    TIMEZONE: 'UTC',
    TIME_OUTPUT_FORMAT: 'HH24:MI:SS',
    DATE_OUTPUT_FORMAT: 'YYYY-MM-DD',
    TIMESTAMP_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM',
    TIMESTAMP_NTZ_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3',
    TIMESTAMP_LTZ_OUTPUT_FORMAT: '',
    TIMESTAMP_TZ_OUTPUT_FORMAT: '',
    BINARY_OUTPUT_FORMAT: 'HEX',
    CLIENT_RESULT_CHUNK_SIZE: 160,
    CLIENT_SESSION_KEEP_ALIVE: false,
    CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY: 3600,
    MULTI_STATEMENT_COUNT: 1,
    QUERY_TAG: '',
};

/** Snowflake's session parameters as a login and every result report them (the driver reads its formats from here). */
function parameterList(session: Session): Array<{ name: string; value: string | number | boolean }> {
  const all: Record<string, string | number | boolean> = { ...DEFAULT_PARAMETERS };
  for (const [k, v] of session.params) all[k] = v;
  return Object.entries(all).map(([name, value]) => ({ name, value }));
}

/** A serial queue: PGlite multiplexes its sockets onto one backend, so session state (search_path) must not interleave. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Snowflake's unquoted names are upper case; PostgreSQL folds them to lower case. */
const pgName = (name: string): string => (/^[A-Z_][A-Z0-9_$]*$/.test(name) ? name.toLowerCase() : name);

/** Starts the reference endpoint on loopback. */
export async function startReferenceEndpoint(o: ReferenceEndpointOptions): Promise<ReferenceEndpoint> {
  const pg = await import('pg');
  const Client = (pg as unknown as { default?: typeof pg }).default?.Client ?? pg.Client;
  /** A backend connection; every value arrives as PostgreSQL's text, converted by results.ts (never by pg's parsers). */
  const backendClient = async (): Promise<PgClient> => {
    const c = new Client({ connectionString: o.backendDsn, types: { getTypeParser: () => (v: string) => v } as never }) as unknown as PgClient;
    c.on('error', () => undefined);
    await c.connect();
    try {
      await c.query("SET TIME ZONE 'UTC'");
    } catch (e) {
      await c.end().catch(() => undefined);
      throw e;
    }
    return c;
  };
  const backend = await backendClient();
  const transactions = new Set<Tx>();
  const serial = new Serial();
  const inlineRows = o.inlineRows ?? 1000;
  const chunkRows = o.chunkRows ?? 8000;
  const inProgressAfterMs = o.inProgressAfterMs ?? 500;
  const tokenValidity = o.sessionTokenValiditySeconds ?? 3600;
  const mutant = o.mutant;
  let mutations = 0;
  let chunkDownloads = 0;
  let renewals = 0;
  const mark = (): void => void mutations++;
  const sessions = new Map<string, Session>();
  const byMaster = new Map<string, Session>();
  const queries = new Map<string, Query>();
  let nextSessionId = 1;
  let address = '';

  const newToken = (): string => `ref-${randomBytes(24).toString('hex')}`;

  /** Keeps the result store bounded: a run makes a few hundred statements at most. */
  const remember = (q: Query): void => {
    queries.set(q.id, q);
    if (queries.size > 500) {
      for (const [id, old] of queries) {
        if (old.status === 'RUNNING') continue;
        queries.delete(id);
        if (queries.size <= 400) break;
      }
    }
  };

  /**
   * Runs one translated statement in the session's schema, once per row of values (an array
   * bind: all rows or none). Outside a transaction on the shared backend connection, each
   * statement committing on its own (Snowflake's AUTOCOMMIT default); inside one on the
   * transaction's connection, under a savepoint: a failed statement leaves the transaction open,
   * as in Snowflake (PostgreSQL would abort the whole transaction).
   */
  async function runSql(session: Session, sql: string, rowsOfValues: unknown[][], signal: AbortSignal): Promise<PgResult> {
    const tx = session.tx;
    const client = tx?.client ?? backend;
    const [open, done, undo] = tx ? ['SAVEPOINT hc_statement', 'RELEASE SAVEPOINT hc_statement', 'ROLLBACK TO SAVEPOINT hc_statement'] : ['BEGIN', 'COMMIT', 'ROLLBACK'];
    return (tx?.serial ?? serial).run(async () => {
      await client.query(`SET search_path TO ${quoteIdent(session.schema)}, public`);
      const guarded = tx !== undefined || rowsOfValues.length > 1;
      if (guarded) await client.query(open);
      try {
        let last: PgResult | undefined;
        let affected = 0;
        for (const values of rowsOfValues) {
          if (signal.aborted) throw Object.assign(new Error('canceled'), { sf: CANCELED });
          const r = await client.query({ text: sql, values, rowMode: 'array' });
          affected += r.rowCount ?? 0;
          last = { fields: r.fields as PgField[], rows: r.rows as Array<Array<string | null>>, command: r.command, rowCount: affected };
        }
        if (guarded) await client.query(done);
        return last as PgResult;
      } catch (e) {
        if (guarded) await client.query(undo).catch(() => undefined);
        throw e;
      }
    });
  }

  /** BEGIN: the session's statements go to a connection of their own until COMMIT or ROLLBACK. */
  async function beginTx(session: Session): Promise<void> {
    // BEGIN inside a transaction changes nothing (Snowflake does not nest transactions).
    if (session.tx) return;
    const client = await backendClient();
    try {
      await client.query('BEGIN');
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    const tx: Tx = { client, serial: new Serial() };
    transactions.add(tx);
    session.tx = tx;
  }

  /** COMMIT or ROLLBACK the session's transaction (none open: nothing to do, as in Snowflake). */
  async function endTx(session: Session, how: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const tx = session.tx;
    if (!tx) return;
    session.tx = undefined;
    try {
      await tx.serial.run(() => tx.client.query(how));
    } finally {
      transactions.delete(tx);
      await tx.client.end().catch(() => undefined);
    }
  }

  /** The bind values of one execution (row `row` of an array binding). */
  function bindValues(bindings: Record<string, { type: string; value: unknown }> | undefined, row: number): unknown[] {
    if (!bindings) return [];
    const out: unknown[] = [];
    for (const [k, b] of Object.entries(bindings)) {
      const v = Array.isArray(b.value) ? b.value[row] : b.value;
      out[Number(k) - 1] = mutant === 'binds-ignored' ? (mark(), null) : v;
    }
    return out;
  }

  /** The PostgreSQL cast a bind needs where Snowflake would convert implicitly. */
  const castFor =
    (bindings: Record<string, { type: string }> | undefined, textToo: boolean) =>
    (n: number): string | undefined => {
      const t = bindings?.[String(n)]?.type;
      if (t === 'FIXED') return '::numeric';
      if (t === 'REAL') return '::float8';
      if (t === 'BOOLEAN') return '::boolean';
      if (t === 'VARIANT') return '::jsonb';
      return textToo ? '::text' : undefined;
    };

  /** A successful result body from rows and fields, split into inline rows and chunks. */
  function resultBody(q: Query, fields: PgField[], rows: Array<Array<string | null>>, statementTypeId: number): Body {
    const rowtype: RowType[] = fields.map((f, i) =>
      rowTypeOf(
        f,
        rows.map((r) => r[i] ?? null),
        mutant === 'types-as-text' ? (mark(), true) : false,
      ),
    );
    let rowset = rows.map((r) => r.map((v, i) => encodeValue((rowtype[i] as RowType).type, v)));
    if (mutant === 'fetch-short' && statementTypeId === STATEMENT_TYPE.select && rowset.length > 1) {
      mark();
      rowset = rowset.slice(0, -1);
    }
    const inline = rowset.slice(0, inlineRows);
    const rest = rowset.slice(inlineRows);
    const chunks: Array<{ url: string; rowCount: number; uncompressedSize: number; compressedSize: number }> = [];
    q.chunks = [];
    for (let i = 0; i < rest.length; i += chunkRows) {
      const part = rest.slice(i, i + chunkRows);
      // A chunk file is the rows without the enclosing brackets (chunk.js wraps them in [ ]).
      const text = part.map((r) => JSON.stringify(r)).join(',');
      const index = q.chunks.push(text) - 1;
      chunks.push({ url: `${address}/hc-result-chunks/${q.id}/${index}`, rowCount: part.length, uncompressedSize: Buffer.byteLength(text), compressedSize: Buffer.byteLength(text) });
    }
    if (mutant === 'chunks-swapped' && chunks.length >= 2) {
      mark();
      const a = chunks[0] as (typeof chunks)[number];
      const b = chunks[1] as (typeof chunks)[number];
      [a.url, b.url] = [b.url, a.url];
    }
    return ok({
      parameters: parameterList(q.session),
      rowtype,
      rowset: inline,
      total: rowset.length,
      returned: rowset.length,
      queryId: q.id,
      databaseProvider: null,
      finalDatabaseName: q.session.database,
      finalSchemaName: q.session.schema.toUpperCase(),
      finalWarehouseName: q.session.warehouse,
      finalRoleName: q.session.role,
      numberOfBinds: 0,
      arrayBindSupported: true,
      statementTypeId,
      version: 1,
      sendResultTime: Date.now(),
      queryResultFormat: 'json',
      ...(chunks.length ? { chunks, chunkHeaders: {} } : {}),
    });
  }

  /** A one-column status result (DDL, USE, ALTER SESSION). */
  const statusBody = (q: Query, text: string, statementTypeId: number = STATEMENT_TYPE.ddl): Body =>
    resultBody(q, [{ name: 'status', dataTypeID: 25, dataTypeModifier: -1 }], [[text]], statementTypeId);

  /** Runs one statement of a request; throws an SfFailure-like error. */
  async function execute(q: Query, statement: string, json: Body): Promise<Body> {
    const bindings = json.bindings as Record<string, { type: string; value: unknown }> | undefined;
    const plan: Plan = translate(statement, castFor(bindings, false));
    switch (plan.kind) {
      case 'wait': {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, plan.ms);
          q.abort.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              reject(Object.assign(new Error('canceled'), { sf: CANCELED }));
            },
            { once: true },
          );
        });
        return resultBody(q, [{ name: plan.column, dataTypeID: 25, dataTypeModifier: -1 }], [[`waited ${plan.seconds} ${plan.unit}`]], STATEMENT_TYPE.select);
      }
      case 'transaction': {
        if (mutant === 'rollback-ignored') mark();
        else if (plan.action === 'begin') await beginTx(q.session);
        else await endTx(q.session, plan.action === 'commit' ? 'COMMIT' : 'ROLLBACK');
        return statusBody(q, 'Statement executed successfully.', STATEMENT_TYPE.transaction);
      }
      case 'use-schema': {
        q.session.schema = plan.schema;
        return statusBody(q, 'Statement executed successfully.', STATEMENT_TYPE.session);
      }
      case 'alter-session': {
        if (mutant === 'session-ignored') mark();
        else q.session.params.set(plan.name, plan.value);
        return statusBody(q, 'Statement executed successfully.', STATEMENT_TYPE.session);
      }
      case 'show-parameters': {
        // SHOW's columns are lower case in Snowflake (quoted names), as the driver keys them.
        const text = (name: string): PgField => ({ name: `"${name}"`, dataTypeID: 25, dataTypeModifier: -1 });
        const like = plan.like === undefined ? null : new RegExp(`^${plan.like.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 'i');
        const rows = parameterList(q.session)
          .filter((p) => !like || like.test(p.name))
          .map((p) => [p.name, String(p.value), String(DEFAULT_PARAMETERS[p.name] ?? ''), q.session.params.has(p.name) ? 'SESSION' : '', '', typeof p.value === 'number' ? 'NUMBER' : typeof p.value === 'boolean' ? 'BOOLEAN' : 'STRING']);
        const body = resultBody(q, ['key', 'value', 'default', 'level', 'description', 'type'].map(text), rows, STATEMENT_TYPE.select);
        for (const c of (body.data as { rowtype: RowType[] }).rowtype) c.name = c.name.replace(/^"|"$/g, '');
        return body;
      }
      case 'sql': {
        if (/^\s*SELECT\s+CURRENT_VERSION\s*\(\s*\)\s*(?:AS\s+\w+)?\s*$/i.test(plan.sql)) {
          const alias = /AS\s+(\w+)\s*$/i.exec(plan.sql)?.[1];
          return resultBody(q, [{ name: alias ?? 'CURRENT_VERSION()', dataTypeID: 25, dataTypeModifier: -1 }], [[REFERENCE_VERSION]], STATEMENT_TYPE.select);
        }
        const rowsOfArray = bindings ? Math.max(1, ...Object.values(bindings).map((b) => (Array.isArray(b.value) ? b.value.length : 1))) : 1;
        const values = Array.from({ length: rowsOfArray }, (_v, row) => bindValues(bindings, row));
        let r: Awaited<ReturnType<typeof runSql>>;
        try {
          r = await runSql(q.session, plan.sql, values, q.abort.signal);
        } catch (e) {
          // A TEXT bind in a place PostgreSQL cannot type (`SELECT ? AS X`): the driver's TEXT, as text.
          if ((e as { code?: string }).code !== '42P18') throw e;
          const typed = translate(statement, castFor(bindings, true));
          if (typed.kind !== 'sql') throw e;
          r = await runSql(q.session, typed.sql, values, q.abort.signal);
        }
        if (q.abort.signal.aborted) throw Object.assign(new Error('canceled'), { sf: CANCELED });
        const affected = r.rowCount;
        const res = r;
        const dml = ({ INSERT: ['number of rows inserted', STATEMENT_TYPE.insert], UPDATE: ['number of rows updated', STATEMENT_TYPE.update], DELETE: ['number of rows deleted', STATEMENT_TYPE.delete] } as const)[res.command as 'INSERT'];
        if (dml && res.fields.length === 0) return resultBody(q, [{ name: dml[0], dataTypeID: 20, dataTypeModifier: -1 }], [[String(affected)]], dml[1]);
        if (res.fields.length === 0) return statusBody(q, `${res.command} executed successfully.`);
        return resultBody(q, res.fields, res.rows, STATEMENT_TYPE.select);
      }
    }
  }

  /** Starts a query-request; resolves its answer (result or failure) when the statement ends. */
  function submit(session: Session, json: Body, requestId: string | undefined): Query {
    const q: Query = { id: randomUUID(), requestId, session, status: 'RUNNING', done: Promise.resolve({}), abort: new AbortController(), chunks: [], startedAt: Date.now() };
    remember(q);
    const sqlText = String(json.sqlText ?? '');
    const desired = Number((json.parameters as Record<string, unknown> | undefined)?.MULTI_STATEMENT_COUNT ?? session.params.get('MULTI_STATEMENT_COUNT') ?? 1);
    q.done = (async (): Promise<Body> => {
      try {
        const statements = splitStatements(sqlText);
        if (statements.length > 1 || desired !== 1) {
          if (desired !== 0 && statements.length !== desired) throw Object.assign(new Error('count'), { sf: statementCount(statements.length, desired) });
          if (statements.length > 1) {
            const children: Query[] = [];
            for (const st of statements) {
              const child: Query = { id: randomUUID(), requestId: undefined, session, status: 'RUNNING', done: Promise.resolve({}), abort: q.abort, chunks: [], startedAt: Date.now() };
              remember(child);
              children.push(child);
              try {
                child.answer = await execute(child, st, { ...json, bindings: undefined });
                child.status = 'SUCCESS';
              } catch (e) {
                child.status = 'FAILED_WITH_ERROR';
                child.error = sfOf(e);
                child.answer = failure(child.error, { queryId: child.id });
                throw e;
              } finally {
                child.done = Promise.resolve(child.answer as Body);
              }
            }
            const shown = mutant === 'multi-first-only' ? (mark(), children.slice(0, 1)) : children;
            const body = statusBody(q, 'Multiple statements executed successfully.', STATEMENT_TYPE.select);
            Object.assign(body.data as Body, { resultIds: shown.map((c) => c.id).join(','), resultTypes: shown.map(() => String(STATEMENT_TYPE.select)).join(',') });
            return body;
          }
        }
        return await execute(q, statements[0] ?? sqlText, json);
      } catch (e) {
        q.error = sfOf(e);
        q.status = q.error === CANCELED ? 'ABORTED' : 'FAILED_WITH_ERROR';
        return failure(q.error, { queryId: q.id });
      }
    })().then((answer) => {
      if (q.status === 'RUNNING') q.status = 'SUCCESS';
      q.answer = answer;
      return answer;
    });
    return q;
  }

  const sfOf = (e: unknown): SfFailure => (e as { sf?: SfFailure }).sf ?? fromPgError(e as { code?: string; message?: string; position?: string });

  /** The answer within `ms`, else Snowflake's "still running, poll this URL". */
  async function answerWithin(q: Query, ms: number): Promise<Body> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
    const answer = await Promise.race([q.done, late]);
    clearTimeout(timer);
    if (answer) return answer;
    return ok({ queryId: q.id, getResultUrl: `/queries/${q.id}/result`, progressDesc: null, queryAbortsAfterSecs: 300 }, '333333', 'Query execution in progress.');
  }

  function sessionOf(req: IncomingMessage): Session | SfFailure {
    const token = /Snowflake Token="([^"]+)"/.exec(req.headers.authorization ?? '')?.[1];
    const s = token ? sessions.get(token) : undefined;
    if (!s) return TOKEN_INVALID;
    if (Date.now() > s.tokenExpiresAt) {
      if (mutant !== 'expiry-ignored') return TOKEN_EXPIRED;
      mark();
    }
    return s;
  }

  async function readJson(req: IncomingMessage): Promise<Body> {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    let raw = Buffer.concat(parts);
    if (/gzip/i.test(String(req.headers['content-encoding'] ?? ''))) raw = gunzipSync(raw);
    if (!raw.length) return {};
    return JSON.parse(raw.toString('utf8')) as Body;
  }

  function send(res: ServerResponse, body: Body | string, status = 200): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    // The driver parses a body as JSON only when Content-Type is exactly application/json.
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** A failed statement in the mutant's wrong shape, or Snowflake's. */
  function sendAnswer(res: ServerResponse, body: Body): void {
    if (mutant === 'error-shape' && body.success === false && body.code !== '333333') {
      mark();
      send(res, { success: false, message: 'statement failed', data: null, code: null });
      return;
    }
    send(res, body);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (req.method === 'POST' && path === '/session/v1/login-request') {
      const json = await readJson(req);
      const data = (json.data ?? {}) as Record<string, unknown>;
      const passwordOk = data.PASSWORD === o.password || (mutant === 'any-password' && (mark(), true));
      if (data.LOGIN_NAME !== o.user || !passwordOk) return send(res, failure(BAD_LOGIN));
      const session: Session = {
        id: nextSessionId++,
        token: newToken(),
        masterToken: newToken(),
        tokenExpiresAt: Date.now() + tokenValidity * 1000,
        database: url.searchParams.get('databaseName') ?? 'HELIOS',
        schema: pgName(url.searchParams.get('schemaName') ?? 'PUBLIC'),
        warehouse: url.searchParams.get('warehouse') ?? 'DEFAULT',
        role: url.searchParams.get('roleName') ?? 'PUBLIC',
        params: new Map(mutant === 'session-ignored' ? (mark(), []) : Object.entries((data.SESSION_PARAMETERS ?? {}) as Record<string, string | number | boolean>)),
      };
      sessions.set(session.token, session);
      byMaster.set(session.masterToken, session);
      return send(
        res,
        ok({
          masterToken: session.masterToken,
          token: session.token,
          validityInSeconds: tokenValidity,
          masterValidityInSeconds: 14_400,
          displayUserName: o.user,
          serverVersion: REFERENCE_VERSION,
          firstLogin: false,
          remMeToken: null,
          remMeValidityInSeconds: 0,
          healthCheckInterval: 45,
          newClientForUpgrade: null,
          sessionId: session.id,
          parameters: parameterList(session),
          sessionInfo: { databaseName: session.database, schemaName: session.schema.toUpperCase(), warehouseName: session.warehouse, roleName: session.role },
          idToken: null,
          idTokenValidityInSeconds: 0,
          responseData: null,
          mfaToken: null,
          mfaTokenValidityInSeconds: 0,
        }),
      );
    }
    if (req.method === 'POST' && path === '/session/token-request') {
      const json = await readJson(req);
      const master = /Snowflake Token="([^"]+)"/.exec(req.headers.authorization ?? '')?.[1];
      const s = master ? byMaster.get(master) : undefined;
      // snowflake-sdk 3.x sends requestType (older drivers REQUEST_TYPE).
      if (!s || (json.requestType ?? json.REQUEST_TYPE) !== 'RENEW') return send(res, failure(TOKEN_INVALID));
      if (mutant === 'renew-refused') {
        mark();
        return send(res, failure(TOKEN_INVALID));
      }
      renewals++;
      if (mutant === 'renew-new-session') {
        mark();
        // What a new login would give: the same user, database and schema, none of the session's state.
        const fresh: Session = { ...s, id: nextSessionId++, token: newToken(), masterToken: newToken(), tokenExpiresAt: Date.now() + tokenValidity * 1000, params: new Map(), tx: undefined };
        sessions.set(fresh.token, fresh);
        byMaster.set(fresh.masterToken, fresh);
        return send(res, ok({ sessionToken: fresh.token, validityInSecondsST: tokenValidity, masterToken: fresh.masterToken, validityInSecondsMT: 14_400, sessionId: fresh.id }));
      }
      sessions.delete(s.token);
      s.token = newToken();
      s.tokenExpiresAt = Date.now() + tokenValidity * 1000;
      sessions.set(s.token, s);
      return send(res, ok({ sessionToken: s.token, validityInSecondsST: tokenValidity, masterToken: s.masterToken, validityInSecondsMT: 14_400, sessionId: s.id }));
    }
    if (req.method === 'GET' && path.startsWith('/hc-result-chunks/')) {
      const [, , id, index] = path.split('/');
      const text = queries.get(id ?? '')?.chunks[Number(index)];
      if (text === undefined) return send(res, { success: false, message: 'no such chunk', data: null, code: null }, 404);
      chunkDownloads++;
      // Chunks come from cloud storage in Snowflake: not JSON envelopes, and not JSON as a whole.
      res.writeHead(200, { 'Content-Type': 'binary/octet-stream', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (req.method === 'POST' && path === '/telemetry/send') {
      await readJson(req).catch(() => ({}));
      return send(res, ok(null));
    }
    const session = sessionOf(req);
    if (!('token' in session)) {
      await readJson(req).catch(() => ({}));
      return send(res, failure(session));
    }
    if (req.method === 'POST' && path === '/session' && url.searchParams.get('delete') === 'true') {
      sessions.delete(session.token);
      byMaster.delete(session.masterToken);
      for (const q of queries.values()) if (q.session === session && q.status === 'RUNNING') q.abort.abort();
      // A session that ends inside a transaction rolls it back (Snowflake's default on logout).
      await endTx(session, 'ROLLBACK').catch(() => undefined);
      return send(res, ok(null));
    }
    if (req.method === 'POST' && path === '/session/heartbeat') return send(res, ok(null));
    if (req.method === 'POST' && path === '/queries/v1/query-request') {
      const json = await readJson(req);
      const q = submit(session, json, url.searchParams.get('requestId') ?? undefined);
      if (json.asyncExec === true && mutant !== 'async-blocking') {
        return send(res, ok({ queryId: q.id, getResultUrl: `/queries/${q.id}/result`, progressDesc: null, queryAbortsAfterSecs: 300 }, '333334', 'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.'));
      }
      if (json.asyncExec === true) {
        mark();
        return sendAnswer(res, await q.done);
      }
      return sendAnswer(res, await answerWithin(q, inProgressAfterMs));
    }
    const result = /^\/queries\/([\w-]+)\/result$/.exec(path);
    if (req.method === 'GET' && result) {
      const q = queries.get(result[1] as string);
      if (!q || q.session !== session) return send(res, failure({ code: '000709', sqlState: '02000', message: `Statement ${result[1]} not found` }));
      return sendAnswer(res, await answerWithin(q, inProgressAfterMs));
    }
    const abortById = /^\/queries\/([\w-]+)\/abort-request$/.exec(path);
    if (req.method === 'POST' && (path === '/queries/v1/abort-request' || abortById)) {
      const json = await readJson(req);
      const q = abortById ? queries.get(abortById[1] as string) : [...queries.values()].find((x) => x.session === session && x.requestId !== undefined && x.requestId === json.requestId);
      if (q && q.session === session && q.status === 'RUNNING') {
        if (mutant === 'cancel-ignored') mark();
        else q.abort.abort();
      }
      return send(res, ok(null));
    }
    const monitoring = /^\/monitoring\/queries\/([\w-]+)$/.exec(path);
    if (req.method === 'GET' && monitoring) {
      const q = queries.get(monitoring[1] as string);
      if (!q || q.session !== session) return send(res, ok({ queries: [] }));
      return send(
        res,
        ok({
          queries: [
            {
              id: q.id,
              status: q.status,
              state: q.status === 'RUNNING' ? 'RUNNING' : 'SUCCEEDED',
              sqlText: '',
              startTime: q.startedAt,
              endTime: q.status === 'RUNNING' ? 0 : Date.now(),
              ...(q.error ? { errorCode: q.error.code, errorMessage: q.error.message } : {}),
            },
          ],
        }),
      );
    }
    await readJson(req).catch(() => ({}));
    return send(res, { success: false, message: `the reference endpoint does not serve ${req.method} ${path}`, data: null, code: null }, 404);
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, { success: false, message: `reference endpoint: ${(e as Error)?.message ?? String(e)}`, data: null, code: null }, 500);
      else res.destroy();
    });
  };
  const legacy = mutant === 'tls-legacy';
  // TLS 1.2 and 1.3, as Snowflake serves; the mutant also accepts 1.0 and 1.1 (OpenSSL 3 needs
  // security level 0 for their signatures).
  const server: Server = o.tls
    ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key, minVersion: legacy ? 'TLSv1' : 'TLSv1.2', ...(legacy ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}) }, handler)
    : createServer(handler);
  if (o.tls) {
    server.on('secureConnection', (s: TLSSocket) => {
      if (legacy && /^TLSv1(\.1)?$/.test(s.getProtocol() ?? '')) mark();
    });
    // A handshake that fails (the driver's or a probe's refusal) is the client's to report.
    server.on('tlsClientError', () => undefined);
  }
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `${o.tls ? 'https' : 'http'}://${host}:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    url: address,
    dsn: (database = 'HELIOS', schema = 'PUBLIC') =>
      `snowflake://${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@${host}:${port}/${database}/${schema}?protocol=${o.tls ? 'https' : 'http'}${o.tls?.caFile ? `&ca=${encodeURIComponent(o.tls.caFile)}` : ''}&account=reference&warehouse=DEFAULT`,
    mutations: () => mutations,
    chunkDownloads: () => chunkDownloads,
    renewals: () => renewals,
    stop() {
      stopped ??= (async () => {
        for (const q of queries.values()) if (q.status === 'RUNNING') q.abort.abort();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        for (const tx of transactions) await tx.client.end().catch(() => undefined);
        transactions.clear();
        await backend.end().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
