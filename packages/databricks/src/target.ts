// The suite's handle on an endpoint: connections made with the official @databricks/sql driver,
// bounded (the driver's own defaults retry for 15 minutes and wait 15 minutes on a socket).
import { createRequire } from 'node:module';
import { CannotRunError } from '@helios-conformance/core';
import type { DatabricksDsn } from './dsn.js';

const require = createRequire(import.meta.url);

/** The parts of @databricks/sql's operation the cases use (its IOperation). */
export interface DbxOperation {
  readonly id: string;
  fetchChunk(options?: { maxRows?: number; disableBuffering?: boolean }): Promise<Array<Record<string, unknown>>>;
  fetchAll(options?: { maxRows?: number }): Promise<Array<Record<string, unknown>>>;
  status(progress?: boolean): Promise<{ operationState?: number | null; [k: string]: unknown }>;
  cancel(): Promise<{ isSuccess: boolean }>;
  close(): Promise<{ isSuccess: boolean }>;
  hasMoreRows(): Promise<boolean>;
  getSchema(): Promise<{ columns: Array<{ columnName: string; position: number; typeDesc: { types: Array<{ primitiveEntry?: { type: number; typeQualifiers?: { qualifiers?: Record<string, { i32Value?: number | null }> } | null } }> } }> } | null>;
}

/** Options of one statement, as @databricks/sql takes them. */
export interface ExecuteOptions {
  namedParameters?: Record<string, unknown>;
  ordinalParameters?: unknown[];
  maxRows?: number | null;
}

/** The parts of @databricks/sql's session the cases use (its IDBSQLSession). */
export interface DbxSession {
  readonly id: string;
  executeStatement(sql: string, options?: ExecuteOptions): Promise<DbxOperation>;
  getInfo(infoType: number): Promise<{ getValue(): unknown }>;
  close(): Promise<{ isSuccess: boolean }>;
}

/** A TStatus as the driver's Thrift bindings decode it. */
export interface ThriftStatus {
  statusCode: number;
  errorMessage?: string | null;
  displayMessage?: string | null;
  sqlState?: string | null;
}

/**
 * The driver's own Thrift layer (its HiveDriver: the TCLIService client, connection, retry policy and
 * auth headers the driver itself uses), for requests its public API refuses to send.
 */
export interface DbxThriftDriver {
  executeStatement(req: { sessionHandle: unknown; statement: string; runAsync?: boolean }): Promise<{ status?: ThriftStatus; operationHandle?: unknown }>;
  getOperationStatus(req: { operationHandle: unknown }): Promise<{ status?: ThriftStatus; operationState?: number | null }>;
  closeOperation(req: { operationHandle: unknown }): Promise<{ status?: ThriftStatus }>;
}

/** One driver client with one open session. */
export interface DbxConnection {
  client: { close(): Promise<void>; getDriver(): Promise<DbxThriftDriver> };
  session: DbxSession;
  /** Closes the session and the client; never throws, bounded. */
  close(): Promise<void>;
}

/** What a case gets as `ctx.target`. */
export interface DbxTarget {
  dsn: DatabricksDsn;
  /** `hc_<run id>`: the schema this run created, dropped at close. */
  schema: string;
  /** The session opened at the start of the run (cases that need no session of their own use it). */
  session: DbxSession;
  /** A new client and session (configuration: OpenSession's), closed by the caller. */
  connect(o?: { token?: string; configuration?: Record<string, string>; timeoutMs?: number }): Promise<DbxConnection>;
  /** The driver module (DBSQLParameter, DBSQLParameterType, thrift types). */
  driver: DriverModule;
  /** True when GetInfo(CLI_DBMS_NAME) says this is the protocol reference endpoint. */
  reference: boolean;
}

/** The @databricks/sql exports the suite uses. */
export interface DriverModule {
  DBSQLClient: new (o?: { logger?: unknown }) => any;
  DBSQLParameter: new (o: { type?: string; value: unknown }) => unknown;
  DBSQLParameterType: Record<string, string>;
  thrift: { TCLIService_types: any };
}

/** Loads @databricks/sql (CommonJS) once. */
export function loadDriver(): DriverModule {
  return require('@databricks/sql') as DriverModule;
}

// The driver's default logger writes info lines to the console; the suite keeps its output its own.
const quietLogger = { log: async () => undefined, getLevel: () => 'error', onLevelChange: () => () => undefined, setLevel: () => undefined };

/**
 * The TSessionHandle the driver holds for `session`. Not public API (DBSQLSession keeps it in its
 * Thrift backend): a case that must send a request on a session the driver already closed needs the
 * very handle the server issued, secret included, not one rebuilt from the session id.
 */
export function sessionHandleOf(session: DbxSession): unknown {
  const handle = (session as unknown as { backend?: { sessionHandle?: { sessionId?: unknown } } }).backend?.sessionHandle;
  if (!handle?.sessionId) throw new Error('@databricks/sql no longer keeps the session handle at session.backend.sessionHandle: the case cannot reach it');
  return handle;
}

/** Races a promise against a deadline (the driver takes no AbortSignal). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { code: 'HC_TIMEOUT' })), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Opens a client and a session with the driver, bounded by `timeoutMs` and by the retry options. */
export async function connectDriver(driver: DriverModule, dsn: DatabricksDsn, o: { token?: string; configuration?: Record<string, string>; timeoutMs: number; ca?: string }): Promise<DbxConnection> {
  const client = new driver.DBSQLClient({ logger: quietLogger });
  // The driver emits 'error' for transport failures; without a listener that would crash the process.
  client.on?.('error', () => undefined);
  const ca = o.ca ?? dsn.ca;
  const closeClient = (): Promise<void> => within(client.close() as Promise<void>, 3_000, 'client close').catch(() => undefined);
  try {
    await within(
      client.connect({
        host: dsn.host,
        port: dsn.port,
        path: dsn.path,
        token: o.token ?? dsn.token,
        ...(ca ? { customCaCert: ca } : {}),
        checkServerCertificate: dsn.verify,
        socketTimeout: o.timeoutMs,
        // Bounded retries: a dead endpoint must end the run in seconds, not the driver's 15 minutes.
        retryMaxAttempts: 2,
        retriesTimeout: Math.min(o.timeoutMs, 10_000),
        retryDelayMin: 100,
        retryDelayMax: 500,
        // Telemetry fetches feature flags from the host and posts events: not part of the protocol judged.
        telemetryEnabled: false,
        userAgentEntry: 'helios-conformance',
      }),
      o.timeoutMs,
      'connect',
    );
    const session = (await within(client.openSession(o.configuration ? { configuration: o.configuration } : {}), o.timeoutMs, 'OpenSession')) as DbxSession;
    let closed = false;
    return {
      client,
      session,
      async close() {
        if (closed) return;
        closed = true;
        await within(session.close(), 3_000, 'CloseSession').catch(() => undefined);
        await closeClient();
      },
    };
  } catch (e) {
    await closeClient();
    throw e;
  }
}

/** One line saying what to fix, for an error from connect/OpenSession (a CLI exit 2). */
export function openError(e: unknown, dsn: DatabricksDsn): CannotRunError {
  const err = e as { code?: string; statusCode?: number; message?: string; errno?: string; type?: string; cause?: { code?: string } };
  const where = `${dsn.host}:${dsn.port}`;
  const code = err.code ?? err.errno ?? err.cause?.code;
  const msg = err.message ?? String(e);
  if (err.statusCode === 401 || err.statusCode === 403) return new CannotRunError(`authentication failed: ${where}${dsn.path} answered HTTP ${err.statusCode} to OpenSession; check the token in --dsn`);
  if (err.statusCode === 404) return new CannotRunError(`no warehouse at ${where}${dsn.path} (HTTP 404): check the HTTP path in --dsn`);
  if (err.statusCode !== undefined) return new CannotRunError(`${where}${dsn.path} answered HTTP ${err.statusCode} to OpenSession: is this a Databricks SQL endpoint?`);
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(msg)) return new CannotRunError(`nothing is listening at ${where}: check the host and port in --dsn`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CannotRunError(`host ${dsn.host} not found: check the host in --dsn`);
  if (/certificate|self[- ]signed|CERT_|unable to verify/i.test(`${code} ${msg}`)) return new CannotRunError(`TLS verification of ${where} failed (${code ?? msg}): pass the endpoint's CA with ?ca=FILE in --dsn`);
  if (/EPROTO|wrong version number|packet length too long|ssl3_get_record/i.test(`${code} ${msg}`)) return new CannotRunError(`${where} does not speak HTTPS (${code ?? 'TLS handshake failed'}): the driver always connects with TLS`);
  if (code === 'HC_TIMEOUT' || /timed? ?out/i.test(msg)) return new CannotRunError(`${where} gave no answer in time (${msg}): is it a Databricks SQL endpoint, and reachable?`);
  return new CannotRunError(`could not open a session on ${where}${dsn.path}: ${msg.split('\n')[0]}`);
}
