/**
 * What an error from a SQL endpoint means, in one vocabulary for both wire families. Each family
 * has one classifier (`classifyPgError` in `@helios-conformance/sql/postgres`,
 * `classifyMysqlError` in `@helios-conformance/sql/mysql`); cases, sessions and the runner all
 * ask it, so a SQLSTATE or errno means the same thing in every suite.
 */

/**
 * What happened:
 * - `serialization-failure`: the server aborted the transaction to keep it serializable or to
 *   refuse a write conflict (PostgreSQL 40001, MariaDB 1020 "Record has changed since last read"
 *   under `innodb_snapshot_isolation`, SQLSTATE 40001 in general);
 * - `deadlock`: PostgreSQL 40P01, MySQL 1213;
 * - `lock-timeout`: PostgreSQL 55P03, MySQL 1205;
 * - `connection-lost`: the session is gone (killed, shut down, network); the statement's fate is unknown;
 * - `refused`: any other error the endpoint answered with (a SQLSTATE / errno it sent);
 * - `other`: not an answer from the endpoint (a driver or harness error, a timeout).
 */
export type SqlErrorKind = 'serialization-failure' | 'deadlock' | 'lock-timeout' | 'connection-lost' | 'refused' | 'other';

/** Every error kind. */
export const SQL_ERROR_KINDS: readonly SqlErrorKind[] = ['serialization-failure', 'deadlock', 'lock-timeout', 'connection-lost', 'refused', 'other'];

/** An error from an endpoint, classified. */
export interface ClassifiedError {
  kind: SqlErrorKind;
  /** The SQLSTATE (PostgreSQL) or errno (MySQL) as the server sent it, else the driver's code. */
  code: string | undefined;
  message: string;
  /**
   * What the error means when a case did not expect it: `fail` when the endpoint answered with
   * an error (it rejected what the case asked for), `error` when the harness or the connection
   * broke (lost connection, timeout, driver bug).
   */
  verdict: 'fail' | 'error';
}

/** The three kinds that abort a transaction for concurrency reasons: a client may retry it. */
export const ABORT_KINDS: ReadonlySet<SqlErrorKind> = new Set(['serialization-failure', 'deadlock', 'lock-timeout']);

/** Builds a {@link ClassifiedError}: an endpoint's answer is a `fail`, unless the connection is gone. */
export function classified(kind: SqlErrorKind, code: string | undefined, message: string, fromServer: boolean): ClassifiedError {
  return { kind, code, message, verdict: fromServer && kind !== 'connection-lost' && kind !== 'other' ? 'fail' : 'error' };
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  const m = (error as { message?: unknown } | null | undefined)?.message;
  return typeof m === 'string' ? m : String(error);
}
