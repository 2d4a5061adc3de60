import assert from 'node:assert/strict';

/** A server error as mysql2 and the MariaDB connector raise it (an ERR packet). */
export interface MysqlServerError extends Error {
  errno?: number;
  sqlState?: string;
  code?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

/** What {@link expectSqlError} requires: the errno (one of them), and the SQLSTATE when given. */
export interface ExpectedMysqlError {
  errno: number | readonly number[];
  sqlState?: string | readonly string[];
}

/**
 * Requires `work` to be rejected by the server with one of the expected errnos (and SQLSTATEs,
 * when given), and returns that error for further checks. A statement that succeeded, or failed
 * with another error, is an assertion failure (`fail`); an error that is no server answer at all
 * (a lost connection) is rethrown as is, so the run reports it as `error`.
 *
 * ```ts
 * await expectSqlError(conn.query('INSERT INTO t VALUES (1)'), { errno: 1062, sqlState: '23000' }, 'duplicate key');
 * ```
 */
export async function expectSqlError(work: Promise<unknown> | (() => Promise<unknown>), expected: ExpectedMysqlError, what: string): Promise<MysqlServerError> {
  const errnos = typeof expected.errno === 'number' ? [expected.errno] : expected.errno;
  const states = expected.sqlState === undefined ? undefined : typeof expected.sqlState === 'string' ? [expected.sqlState] : expected.sqlState;
  let error: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    error = e ?? new Error('rejected with nothing');
  }
  if (error === undefined) assert.fail(`${what}: expected error ${errnos.join(' or ')}, but the statement succeeded`);
  const e = error as MysqlServerError;
  if (typeof e?.errno !== 'number' || e.errno < 1000 || e.errno >= 10000) throw error; // not a server answer
  assert.ok(
    errnos.includes(e.errno),
    `${what}: expected error ${errnos.join(' or ')}, got ${e.errno} ${e.sqlState ?? ''}: ${e.message}`,
  );
  if (states) assert.ok(states.includes(e.sqlState ?? ''), `${what}: error ${e.errno} came with SQLSTATE ${e.sqlState ?? '(none)'}, expected ${states.join(' or ')}`);
  return e;
}
