// The protocol reference endpoint: TCLIService (Thrift, binary protocol, buffered transport) over
// HTTPS POST, authenticated by `Authorization: Bearer <token>`, as @databricks/sql 2.x speaks it
// (see the README: what it does and does not do). It executes the SQL on PostgreSQL (PGlite or a
// real server) through node-postgres. It is not Databricks: every run against it is labelled
// "protocol reference endpoint, not verified against Databricks".
import { randomBytes, randomUUID } from 'node:crypto';
import https from 'node:https';
import Int64 from 'node-int64';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { arrowBatchOf, arrowSchemaOf, cellValue, describeColumns, rowSetOf, schemaOf, settleDecimals, type ColumnMeta } from './columns.js';
import { T, TCLIService, thrift } from './thrift.js';
import { statementKind, toPostgres } from './translate.js';

/** What GetInfo(CLI_DBMS_NAME) answers: the suite labels every run that reaches it. */
export const REFERENCE_DBMS_NAME = 'Helios Conformance protocol reference endpoint (Databricks SQL Thrift over HTTP)';

/**
 * One deliberate defect, for the suite's own tests (every case must be shown able to fail):
 * - `short-fetch`: every FetchResults page leaves out its last row;
 * - `ignore-binds`: parameters are bound as NULL;
 * - `late-cancel`: CancelOperation answers success at once but takes effect only 4.5 s later;
 * - `bare-errors`: a failed statement reports PostgreSQL's message, no error class, no SQLSTATE;
 * - `any-token`: any bearer token is accepted;
 * - `types-as-strings`: every result column is described and sent as STRING;
 * - `drop-session-conf`: the configuration sent with OpenSession is dropped;
 * - `close-fails`: CloseOperation and CloseSession answer ERROR_STATUS;
 * - `closed-session-served`: CloseSession answers success but the session stays open, its handle
 *   still served (counted in `calls.closedSessionServed`).
 */
export type ReferenceMutant = 'short-fetch' | 'ignore-binds' | 'late-cancel' | 'bare-errors' | 'any-token' | 'types-as-strings' | 'drop-session-conf' | 'close-fails' | 'closed-session-served';

/** Options of {@link startReferenceEndpoint}. */
export interface ReferenceEndpointOptions {
  /** PostgreSQL DSN the SQL runs on (PGlite through testbed, or a real server). */
  backendDsn: string;
  /** The bearer token the endpoint accepts. */
  token: string;
  /** PEM certificate and key of the HTTPS server. */
  tls: { cert: string; key: string };
  /** HTTP path of the "warehouse" (default `/sql/1.0/warehouses/hc-reference`). */
  path?: string;
  /** Rows per FetchResults page at most, whatever the client asks (default 20 000). */
  pageRows?: number;
  /** Rows a result may hold at most (default 1 000 000): more ends the statement with an error. */
  maxResultRows?: number;
  /**
   * Row sets: `arrow` (the default) answers a driver that says it can read Arrow with Arrow batches,
   * as a warehouse does, and others with column-based row sets; `column` always column-based.
   */
  rowSets?: 'arrow' | 'column';
  /**
   * How long ExecuteStatement waits for a statement to end when the driver asks for direct results
   * (default 250 ms): a statement that ended by then is answered with its status, metadata, first
   * page and, when that page holds every row, its CloseOperation, as a warehouse does; 0 never.
   */
  directResultsWaitMs?: number;
  /** Connections to the backend (default 4). */
  backendConnections?: number;
  /**
   * A session without a request for longer than this (and no statement running) is ended by the
   * endpoint, as a warehouse ends idle sessions: its handle is then answered INVALID_HANDLE_STATUS
   * (counted in `calls.sessionsExpired`). Default 0: sessions end only with CloseSession.
   */
  sessionIdleTimeoutMs?: number;
  mutant?: ReferenceMutant;
}

/** A running reference endpoint. */
export interface ReferenceEndpoint {
  host: string;
  port: number;
  path: string;
  /**
   * Requests answered per Thrift method, `directResults`: ExecuteStatements answered with their
   * results, `closedSessionServed`: statements the `closed-session-served` mutant ran on a closed session (for tests).
   */
  calls: Record<string, number>;
  stop(): Promise<void>;
}

type OpState = 'RUNNING_STATE' | 'FINISHED_STATE' | 'CANCELED_STATE' | 'CLOSED_STATE' | 'ERROR_STATE';

interface Operation {
  handle: unknown;
  session: string;
  state: OpState;
  hasResultSet: boolean;
  columns: ColumnMeta[];
  rows: unknown[][];
  offset: number;
  cancelRequested: boolean;
  /** Results go out as Arrow batches (the driver asked for them and the endpoint serves them). */
  arrow: boolean;
  error?: { message: string; sqlState?: string };
  /** Settles when the statement has ended (finished, failed or stopped after a cancel). */
  done?: Promise<void>;
}

interface Session {
  conf: Map<string, string>;
  lastUsedAt: number;
}

const ok = (): unknown => new T.TStatus({ statusCode: T.TStatusCode.SUCCESS_STATUS });
const failed = (message: string, sqlState?: string): unknown => new T.TStatus({ statusCode: T.TStatusCode.ERROR_STATUS, errorMessage: message, sqlState });
const invalidHandle = (what: string): unknown => new T.TStatus({ statusCode: T.TStatusCode.INVALID_HANDLE_STATUS, errorMessage: `Invalid ${what}` });
const guidHex = (h: any): string => Buffer.from(h?.guid ?? []).toString('hex');
/** A session handle the endpoint does not (or no longer) serve, named as the driver prints it. */
const invalidSession = (key: string): unknown =>
  new T.TStatus({ statusCode: T.TStatusCode.INVALID_HANDLE_STATUS, errorMessage: `Invalid SessionHandle: ${key.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')} is not an open session (closed, expired or unknown)` });
// The driver prints handle guids with uuid's stringify, which accepts only well-formed UUIDs.
const newHandleId = (): unknown => new T.THandleIdentifier({ guid: Buffer.from(randomUUID().replace(/-/g, ''), 'hex'), secret: randomBytes(16) });

// PostgreSQL's text output, never its JS parsing: the endpoint converts each value for its column type.
const RAW_TYPES = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

/** Spark's parameter types as PostgreSQL casts. */
const PARAM_CAST: Record<string, string> = {
  STRING: 'text',
  DATE: 'date',
  TIMESTAMP: 'timestamptz',
  TIMESTAMP_NTZ: 'timestamp',
  TIMESTAMP_LTZ: 'timestamptz',
  FLOAT: 'real',
  DOUBLE: 'double precision',
  DECIMAL: 'numeric',
  INTEGER: 'integer',
  INT: 'integer',
  BIGINT: 'bigint',
  SMALLINT: 'smallint',
  TINYINT: 'smallint',
  BOOLEAN: 'boolean',
};

/** A PostgreSQL error in the shape of a Databricks error class (`[CLASS] message SQLSTATE: xxxxx`). */
export function databricksError(e: { code?: string; message?: string }): { message: string; sqlState?: string } {
  const code = e.code ?? 'XX000';
  const msg = e.message ?? String(e);
  const relation = /relation "([^"]+)" does not exist/.exec(msg)?.[1];
  const cls: Record<string, string> = { '42601': 'PARSE_SYNTAX_ERROR', '42P01': 'TABLE_OR_VIEW_NOT_FOUND', '42703': 'UNRESOLVED_COLUMN', '22012': 'DIVIDE_BY_ZERO', '42883': 'UNRESOLVED_ROUTINE', '42P07': 'TABLE_OR_VIEW_ALREADY_EXISTS', '3F000': 'SCHEMA_NOT_FOUND', '42P06': 'SCHEMA_ALREADY_EXISTS', '22P02': 'CAST_INVALID_INPUT', '23505': 'DUPLICATE_KEY' };
  const name = cls[code] ?? 'INTERNAL_ERROR';
  const text =
    code === '42601' ? `Syntax error ${msg.replace(/^syntax error\s*/i, '')}.` : code === '42P01' && relation ? `The table or view \`${relation}\` cannot be found.` : `${msg.charAt(0).toUpperCase()}${msg.slice(1)}.`;
  return { message: `[${name}] ${text} SQLSTATE: ${code}`, sqlState: code };
}

/** Starts the reference endpoint on 127.0.0.1 at a free port. */
export async function startReferenceEndpoint(o: ReferenceEndpointOptions): Promise<ReferenceEndpoint> {
  const path = o.path ?? '/sql/1.0/warehouses/hc-reference';
  const pageRows = o.pageRows ?? 20_000;
  const maxResultRows = o.maxResultRows ?? 1_000_000;
  const mutant = o.mutant;
  const pool = new pg.Pool({ connectionString: o.backendDsn, max: o.backendConnections ?? 4, connectionTimeoutMillis: 10_000 });
  // A backend that goes away (the PGlite child stopped) must not crash the process hosting the endpoint.
  pool.on('error', () => undefined);
  pool.on('connect', (c) => {
    c.on('error', () => undefined);
    // Timestamps are printed in UTC, the default session time zone of a SQL warehouse.
    c.query("SET TIME ZONE 'UTC'").catch(() => undefined);
  });
  const sessions = new Map<string, Session>();
  const operations = new Map<string, Operation>();
  /** Sessions the `closed-session-served` mutant acknowledged closing and kept serving. */
  const closedSessions = new Set<string>();
  const calls: Record<string, number> = {};
  const running = new Set<Promise<void>>();
  const idleMs = o.sessionIdleTimeoutMs ?? 0;

  const endSession = (key: string): void => {
    sessions.delete(key);
    for (const [k, op] of operations) if (op.session === key) operations.delete(k);
  };
  /** Ends the sessions idle for longer than `sessionIdleTimeoutMs` (checked on every request). */
  const expireIdle = (): void => {
    if (idleMs <= 0) return;
    const now = Date.now();
    for (const [key, session] of sessions) {
      if (now - session.lastUsedAt <= idleMs) continue;
      if ([...operations.values()].some((op) => op.session === key && op.state === 'RUNNING_STATE')) continue;
      endSession(key);
      calls.sessionsExpired = (calls.sessionsExpired ?? 0) + 1;
    }
  };
  const touch = (key: string | undefined): void => {
    const session = key === undefined ? undefined : sessions.get(key);
    if (session) session.lastUsedAt = Date.now();
  };
  /** The operation a request names; a request on it keeps its session alive. */
  const opOf = (req: any): Operation | undefined => {
    const op = operations.get(guidHex(req.operationHandle?.operationId));
    touch(op?.session);
    return op;
  };
  let stopping = false;

  async function execute(op: Operation, sql: string, params: any[]): Promise<void> {
    const session = sessions.get(op.session);
    const kind = statementKind(sql);
    if (kind === 'set') {
      // Spark's SET: `SET`, `SET key`, `SET key = value`, each answered with (key, value) rows.
      const m = /^\s*SET(?:\s+([^\s=]+)\s*(?:=\s*(.*?))?)?\s*;?\s*$/is.exec(sql);
      if (!m) throw Object.assign(new Error(`syntax error at or near "${sql.trim().slice(0, 20)}"`), { code: '42601' });
      const [, key, raw] = m;
      if (key !== undefined && raw !== undefined) session?.conf.set(key, raw.replace(/^'(.*)'$/, '$1'));
      op.columns = [
        { name: 'key', type: 'STRING_TYPE', oid: 25 },
        { name: 'value', type: 'STRING_TYPE', oid: 25 },
      ];
      op.rows = key === undefined ? [...(session?.conf ?? new Map())].map(([k, v]) => [k, v]) : [[key, session?.conf.get(key) ?? '<undefined>']];
      return;
    }
    const { text, markers } = toPostgres(sql);
    const values: unknown[] = [];
    const casts: string[] = [];
    for (const m of markers) {
      const p = m.name === undefined ? params[m.index - 1] : params.find((x) => x.name === m.name);
      if (p === undefined) throw Object.assign(new Error(m.name === undefined ? `no value for parameter ${m.index}` : `no value for parameter :${m.name}`), { code: '42P02' });
      values.push(mutant === 'ignore-binds' ? null : (p.value?.stringValue ?? null));
      casts[m.index] = p.type ? (PARAM_CAST[String(p.type).toUpperCase()] ?? '') : '';
    }
    // Every marker carries the type the driver sent, as Databricks binds it.
    const typed = text.replace(/\$(\d+)/g, (s, n: string) => (casts[Number(n)] ? `${s}::${casts[Number(n)]}` : s));
    const client = await pool.connect();
    try {
      if (kind === 'query') await readCursor(client, op, typed, values);
      else {
        const r = await client.query({ text: typed, values, types: RAW_TYPES, rowMode: 'array' });
        if (kind === 'other' && r.fields?.length) {
          op.columns = describeColumns(r.fields);
          op.rows = (r.rows as unknown as string[][]).map((row) => op.columns.map((c, i) => cellValue(c, row[i] ?? null)));
        }
        if (kind === 'dml') {
          op.columns = [{ name: 'num_affected_rows', type: 'BIGINT_TYPE', oid: 20 }];
          op.rows = [[r.rowCount ?? 0]];
          if (/^\s*INSERT/i.test(sql)) {
            op.columns.push({ name: 'num_inserted_rows', type: 'BIGINT_TYPE', oid: 20 });
            op.rows[0]?.push(r.rowCount ?? 0);
          }
        }
      }
    } finally {
      client.release();
    }
  }

  /**
   * A query is read through a portal in batches sized to take about 100 ms each, so that a
   * CancelOperation takes effect between two batches even on PGlite, which cannot interrupt a
   * running statement: the portal is closed and the rest of the query never runs.
   */
  async function readCursor(client: pg.PoolClient, op: Operation, text: string, values: unknown[]): Promise<void> {
    const cursor = client.query(new Cursor(text, values, { rowMode: 'array', types: RAW_TYPES }));
    // One row first: a query whose rows come slowly is then read a row at a time (cancel stays prompt).
    let batch = 1;
    try {
      for (;;) {
        if (op.cancelRequested || stopping) return;
        const t0 = Date.now();
        const { rows, fields } = await new Promise<{ rows: string[][]; fields: any[] }>((resolve, reject) =>
          cursor.read(batch, (err: Error | undefined, rows: any[], result: any) => (err ? reject(err) : resolve({ rows, fields: result?.fields ?? (cursor as any)._result?.fields ?? [] }))),
        );
        if (op.columns.length === 0 && fields.length) op.columns = describeColumns(fields);
        for (const r of rows) op.rows.push(op.columns.map((c, i) => cellValue(c, r[i] ?? null)));
        if (op.rows.length > maxResultRows) throw Object.assign(new Error(`the result holds more than ${maxResultRows} rows, the reference endpoint's limit`), { code: '54000' });
        if (rows.length < batch) break;
        const ms = Date.now() - t0;
        batch = ms < 50 ? Math.min(batch * 2, 8192) : ms > 200 ? Math.max(1, batch >> 1) : batch;
      }
    } finally {
      await new Promise<void>((resolve) => cursor.close(() => resolve()));
    }
    settleDecimals(op.columns, op.rows);
    if (mutant === 'types-as-strings') {
      op.rows = op.rows.map((r) => r.map((v) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('hex') : String(v))));
      op.columns = op.columns.map((c) => ({ name: c.name, type: 'STRING_TYPE', oid: 25 }));
    }
  }

  /** Results are asked for only once the statement has ended: a request made earlier waits for it (bounded). */
  async function settled(op: Operation): Promise<unknown | undefined> {
    if (op.state === 'RUNNING_STATE') await Promise.race([op.done, new Promise((r) => setTimeout(r, 30_000).unref())]);
    if (op.state === 'ERROR_STATE') return failed(op.error?.message ?? 'the statement failed', op.error?.sqlState);
    if (op.state !== 'FINISHED_STATE') return failed(`the operation is in ${op.state}, not FINISHED_STATE`);
    return undefined;
  }

  const statusOf = (op: Operation): unknown =>
    new T.TGetOperationStatusResp({
      status: ok(),
      operationState: T.TOperationState[op.state],
      hasResultSet: op.hasResultSet,
      ...(op.error ? { errorMessage: op.error.message, displayMessage: mutant === 'bare-errors' ? undefined : op.error.message, sqlState: op.error.sqlState } : {}),
    });
  const metadataOf = (op: Operation): unknown =>
    new T.TGetResultSetMetadataResp({
      status: ok(),
      schema: schemaOf(op.columns),
      resultFormat: op.arrow ? T.TSparkRowSetType.ARROW_BASED_SET : T.TSparkRowSetType.COLUMN_BASED_SET,
      lz4Compressed: false,
      ...(op.arrow ? { arrowSchema: arrowSchemaOf(op.columns) } : {}),
    });
  /** The next page of a finished operation (at most `maxRows`, at most the endpoint's page size). */
  const pageOf = (op: Operation, maxRows: number): unknown => {
    const want = Math.max(1, Math.min(maxRows, pageRows));
    const start = op.offset;
    let page = op.rows.slice(start, start + want);
    op.offset = start + page.length;
    if (mutant === 'short-fetch' && page.length > 0) page = page.slice(0, -1);
    const results = op.arrow
      ? new T.TRowSet({ startRowOffset: new Int64(start), rows: [], arrowBatches: page.length ? [new T.TSparkArrowBatch({ batch: arrowBatchOf(op.columns, page), rowCount: new Int64(page.length) })] : [] })
      : rowSetOf(op.columns, page, start);
    return new T.TFetchResultsResp({ status: ok(), hasMoreRows: op.offset < op.rows.length, results });
  };
  const int = (v: any, fallback: number): number => Number(v?.toNumber?.() ?? v ?? fallback);

  const handler = {
    async OpenSession(req: any) {
      const id = newHandleId() as any;
      const conf = new Map<string, string>();
      if (mutant !== 'drop-session-conf') for (const [k, v] of Object.entries(req.configuration ?? {})) conf.set(k, String(v));
      sessions.set(guidHex(id), { conf, lastUsedAt: Date.now() });
      const asked = Number(req.client_protocol_i64?.toNumber?.() ?? req.client_protocol ?? T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8);
      return new T.TOpenSessionResp({
        status: ok(),
        serverProtocolVersion: Math.min(asked, T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8),
        sessionHandle: new T.TSessionHandle({ sessionId: id }),
        configuration: Object.fromEntries(conf),
      });
    },
    async CloseSession(req: any) {
      if (mutant === 'close-fails') return new T.TCloseSessionResp({ status: failed('CloseSession refused (mutant)') });
      const key = guidHex(req.sessionHandle?.sessionId);
      if (mutant === 'closed-session-served' && sessions.has(key)) {
        closedSessions.add(key);
        return new T.TCloseSessionResp({ status: ok() });
      }
      if (!sessions.has(key)) return new T.TCloseSessionResp({ status: invalidSession(key) });
      endSession(key);
      return new T.TCloseSessionResp({ status: ok() });
    },
    async GetInfo(req: any) {
      touch(guidHex(req.sessionHandle?.sessionId));
      const value = req.infoType === T.TGetInfoType.CLI_DBMS_NAME ? REFERENCE_DBMS_NAME : req.infoType === T.TGetInfoType.CLI_DBMS_VER ? '0.1.0' : req.infoType === T.TGetInfoType.CLI_SERVER_NAME ? 'helios-reference' : undefined;
      if (value === undefined) return new T.TGetInfoResp({ status: failed(`GetInfo type ${req.infoType} is not supported`), infoValue: new T.TGetInfoValue({ stringValue: '' }) });
      return new T.TGetInfoResp({ status: ok(), infoValue: new T.TGetInfoValue({ stringValue: value }) });
    },
    async ExecuteStatement(req: any) {
      const sessionKey = guidHex(req.sessionHandle?.sessionId);
      if (!sessions.has(sessionKey)) return new T.TExecuteStatementResp({ status: invalidSession(sessionKey) });
      touch(sessionKey);
      if (closedSessions.has(sessionKey)) calls.closedSessionServed = (calls.closedSessionServed ?? 0) + 1;
      const sql = String(req.statement ?? '');
      const kind = statementKind(sql);
      const handle = new T.TOperationHandle({ operationId: newHandleId(), operationType: T.TOperationType.EXECUTE_STATEMENT, hasResultSet: kind !== 'ddl' });
      const op: Operation = { handle, session: sessionKey, state: 'RUNNING_STATE', hasResultSet: kind !== 'ddl', columns: [], rows: [], offset: 0, cancelRequested: false, arrow: req.canReadArrowResult === true && (o.rowSets ?? 'arrow') === 'arrow' };
      operations.set(guidHex(handle.operationId), op);
      const run = execute(op, sql, req.parameters ?? [])
        .then(() => {
          if (op.state === 'RUNNING_STATE') op.state = op.cancelRequested ? 'CANCELED_STATE' : 'FINISHED_STATE';
        })
        .catch((e: { code?: string; message?: string }) => {
          if (op.state !== 'RUNNING_STATE') return;
          op.state = 'ERROR_STATE';
          op.error = mutant === 'bare-errors' ? { message: e.message ?? String(e) } : databricksError(e);
        })
        .finally(() => running.delete(run));
      running.add(run);
      op.done = run;
      if (req.runAsync === false) await run;
      const waitMs = o.directResultsWaitMs ?? 250;
      if (req.getDirectResults && waitMs > 0) {
        await Promise.race([run, new Promise((r) => setTimeout(r, waitMs).unref())]);
        if (op.state !== 'RUNNING_STATE') {
          const finished = op.state === 'FINISHED_STATE';
          const resultSet = finished && op.hasResultSet ? pageOf(op, int(req.getDirectResults.maxRows, pageRows)) : undefined;
          // Every row in the first page: the operation is closed with the answer, as a warehouse does. A
          // failed one stays open: a driver that asks for its metadata later is told the error again.
          const closeOperation = finished && op.offset >= op.rows.length ? new T.TCloseOperationResp({ status: mutant === 'close-fails' ? failed('CloseOperation refused (mutant)') : ok() }) : undefined;
          if (closeOperation) operations.delete(guidHex(handle.operationId));
          calls.directResults = (calls.directResults ?? 0) + 1;
          return new T.TExecuteStatementResp({
            status: ok(),
            operationHandle: handle,
            directResults: new T.TSparkDirectResults({ operationStatus: statusOf(op), ...(finished ? { resultSetMetadata: metadataOf(op) } : {}), ...(resultSet ? { resultSet } : {}), ...(closeOperation ? { closeOperation } : {}) }),
          });
        }
      }
      return new T.TExecuteStatementResp({ status: ok(), operationHandle: handle });
    },
    async GetOperationStatus(req: any) {
      const op = opOf(req);
      if (!op) return new T.TGetOperationStatusResp({ status: invalidHandle('OperationHandle') });
      return statusOf(op);
    },
    async CancelOperation(req: any) {
      const op = opOf(req);
      if (!op) return new T.TCancelOperationResp({ status: invalidHandle('OperationHandle') });
      const apply = (): void => {
        if (op.state !== 'RUNNING_STATE') return;
        op.cancelRequested = true;
        op.state = 'CANCELED_STATE';
      };
      if (mutant === 'late-cancel') setTimeout(apply, 4_500).unref();
      else apply();
      return new T.TCancelOperationResp({ status: ok() });
    },
    async CloseOperation(req: any) {
      if (mutant === 'close-fails') return new T.TCloseOperationResp({ status: failed('CloseOperation refused (mutant)') });
      const key = guidHex(req.operationHandle?.operationId);
      const op = opOf(req);
      if (!op) return new T.TCloseOperationResp({ status: invalidHandle('OperationHandle') });
      op.cancelRequested = true;
      operations.delete(key);
      return new T.TCloseOperationResp({ status: ok() });
    },
    async GetResultSetMetadata(req: any) {
      const op = opOf(req);
      if (!op) return new T.TGetResultSetMetadataResp({ status: invalidHandle('OperationHandle') });
      const notReady = await settled(op);
      if (notReady) return new T.TGetResultSetMetadataResp({ status: notReady });
      return metadataOf(op);
    },
    async FetchResults(req: any) {
      const op = opOf(req);
      if (!op) return new T.TFetchResultsResp({ status: invalidHandle('OperationHandle') });
      // fetchType 1 asks for the operation's log: there is none.
      if (req.fetchType === 1) return new T.TFetchResultsResp({ status: ok(), hasMoreRows: false, results: rowSetOf([], [], 0) });
      const notReady = await settled(op);
      if (notReady) return new T.TFetchResultsResp({ status: notReady });
      if (req.orientation === T.TFetchOrientation.FETCH_FIRST) op.offset = 0;
      return pageOf(op, int(req.maxRows, pageRows));
    },
  };
  const processor = new TCLIService.Processor(handler);

  const server = https.createServer({ cert: o.tls.cert, key: o.tls.key }, (req, res) => {
    const reply = (code: number, body = ''): void => {
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(body);
    };
    if (req.method !== 'POST') return reply(405, 'POST only');
    if ((req.url ?? '').split('?')[0] !== path) return reply(404, `no warehouse at ${req.url}`);
    const auth = req.headers.authorization ?? '';
    if (mutant !== 'any-token' && auth !== `Bearer ${o.token}`) return reply(401, 'Invalid access token');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        thrift.TBufferedTransport.receiver((transport: any) => {
          const input = new thrift.TBinaryProtocol(transport);
          const method = (() => {
            const save = transport.readCursor;
            const name = input.readMessageBegin().fname as string;
            transport.readCursor = save;
            return name;
          })();
          calls[method] = (calls[method] ?? 0) + 1;
          expireIdle();
          const out = new thrift.TBufferedTransport(undefined, (buf: Buffer) => {
            res.writeHead(200, { 'content-type': 'application/x-thrift', 'content-length': String(buf.length) });
            res.end(buf);
          });
          processor.process(input, new thrift.TBinaryProtocol(out));
        })(body);
      } catch (e) {
        reply(400, `not a TCLIService request: ${(e as Error).message}`);
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    path,
    calls,
    async stop() {
      if (stopping) return;
      stopping = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // A statement still running on the backend ends with the pool (its child may be gone already).
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await Promise.race([pool.end().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
}
