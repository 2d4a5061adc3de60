/**
 * The dialect-neutral SQL session: one contract for both wire families (PostgreSQL over `pg`,
 * MySQL/MariaDB over `mysql2`), for suites that judge behaviour rather than a protocol (acid,
 * ha-dr, stress). Open one with `openSqlEndpoint(dsn)`.
 *
 * Every call takes an AbortSignal: a blocked statement is an *outcome* a suite may record, so
 * callers race statements against a deadline instead of waiting forever.
 */
import type { ClassifiedError } from './errors.js';

/** Isolation levels by their ANSI names; `snapshot` only where the endpoint offers it separately. */
export type IsolationLevel = 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable' | 'snapshot';

/** Every isolation level, weakest name first. */
export const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read uncommitted', 'read committed', 'repeatable read', 'snapshot', 'serializable'];

/** Result of one statement: rows as plain objects keyed by column name (lower-case). */
export interface SqlResult {
  rows: Record<string, unknown>[];
  /** Rows affected for INSERT/UPDATE/DELETE when the server reports it. */
  affected: number | undefined;
}

/** SQL dialect a session speaks, used to build statements (placeholders, quoting, upsert). */
export type SqlDialect = 'postgres' | 'mysql';

/** One open connection. Not safe for concurrent use: one statement at a time, like a human at psql. */
export interface SqlSession {
  readonly dialect: SqlDialect;
  /** Server-side id of this session's backend (pg_backend_pid() / CONNECTION_ID()). */
  readonly backendId: number;
  /**
   * Runs one statement with `?`-style positional parameters (`?` is rewritten to `$n` for
   * PostgreSQL). Rejects with an error {@link SqlEndpoint.classify} understands.
   */
  query(sql: string, params?: readonly unknown[], signal?: AbortSignal): Promise<SqlResult>;
  /** Starts a transaction at `level` (the statement the dialect needs, e.g. SET TRANSACTION then BEGIN). */
  begin(level: IsolationLevel, signal?: AbortSignal): Promise<void>;
  commit(signal?: AbortSignal): Promise<void>;
  /** Never throws: a session that is already gone counts as rolled back. */
  rollback(signal?: AbortSignal): Promise<void>;
  /** Ends the connection; never throws, never hangs. */
  close(): Promise<void>;
  /** Destroys the socket at once without a goodbye (a client crash). */
  destroy(): void;
}

/** A handle on one endpoint for one run: sessions in the run's namespace. */
export interface SqlEndpoint {
  readonly dialect: SqlDialect;
  /** The run's namespace (schema or database `hc_<run id>`); every table lives there. */
  readonly namespace: string;
  /** A table name qualified with the namespace, quoted for the dialect. */
  qualify(table: string): string;
  /** Opens a new session with the namespace selected. */
  open(signal?: AbortSignal): Promise<SqlSession>;
  /** Levels the endpoint accepts in `begin` (observed at open: a level it rejects is absent). */
  readonly levels: readonly IsolationLevel[];
  /** What the endpoint reported as its version (`SELECT version()`), for reports; never for a verdict. */
  readonly server: string;
  /** Classifies any error thrown by a session call. */
  classify(error: unknown): ClassifiedError;
  /** Terminates another session's backend from a fresh connection (pg_terminate_backend / KILL). */
  killSession(backendId: number, signal?: AbortSignal): Promise<void>;
  /**
   * Does the endpoint answer? A fresh session and a trivial query, ended at once; rejects with the
   * reason. For the runner's liveness probe (`SuiteSession.probe`): pass a signal with a deadline.
   */
  probe(signal?: AbortSignal): Promise<void>;
  /** Drops the namespace and ends every session still open. Idempotent. */
  close(): Promise<void>;
}

/**
 * Control over the server process itself, only for endpoints a run started (kill -9 and start
 * again on the same data directory and port).
 */
export interface ServerControl {
  /** SIGKILL to the server's process group; resolves when it is gone. */
  crash(): Promise<void>;
  /** Starts the server again on the same data directory and port; resolves when it accepts logins. */
  restart(): Promise<void>;
}

/** Options of `openSqlEndpoint` and the per-family endpoint openers. */
export interface EndpointOptions {
  /** Aborts opening the endpoint (login, namespace, level probe). */
  signal?: AbortSignal;
  /** Budget to reach the server and log in. */
  timeoutMs?: number;
  log?: (message: string) => void;
  /** Run id for the namespace `hc_<runId>`; random when omitted. */
  runId?: string;
}
