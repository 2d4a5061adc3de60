import assert from 'node:assert/strict';

/** The fields of a PostgreSQL ErrorResponse a driver exposes on its error (`pg`, postgres.js, the raw wire). */
export interface PgServerError extends Error {
  code: string;
  severity?: string;
  detail?: string;
  hint?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

const isSqlstate = (code: unknown): code is string => typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);

/**
 * Requires `work` to be rejected by the server with SQLSTATE `expected` (or one of them),
 * severity ERROR and a non-empty message, and returns that error for further checks. A
 * statement that succeeded, or failed with another SQLSTATE, is an assertion failure (`fail`);
 * an error that is no server answer at all (a lost connection) is rethrown as is, so the run
 * reports it as `error`.
 *
 * ```ts
 * const e = await expectSqlError(c.query('INSERT INTO child VALUES (2, 99)'), '23503', 'insert of an orphan row');
 * assert.equal(e.constraint, 'child_parent_fk', '23503 names the constraint');
 * ```
 */
export async function expectSqlError(work: Promise<unknown> | (() => Promise<unknown>), expected: string | readonly string[], what: string): Promise<PgServerError> {
  const codes = typeof expected === 'string' ? [expected] : expected;
  let error: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    error = e;
  }
  if (error === undefined) assert.fail(`${what}: must fail with SQLSTATE ${codes.join(' or ')}, but it succeeded`);
  return checkSqlError(error, expected, what);
}

/** {@link expectSqlError} for an error already caught. */
export function checkSqlError(error: unknown, expected: string | readonly string[], what: string): PgServerError {
  const codes = typeof expected === 'string' ? [expected] : expected;
  const e = error as PgServerError;
  if (!isSqlstate(e?.code)) throw error; // not a server answer: the harness reports it as `error`
  assert.ok(codes.includes(e.code), `${what}: expected SQLSTATE ${codes.join(' or ')}, got ${e.code} (${e.message})`);
  assert.equal(e.severity, 'ERROR', `${what}: the ErrorResponse must carry severity ERROR, got ${JSON.stringify(e.severity)}`);
  assert.ok(typeof e.message === 'string' && e.message.trim() !== '', `${what}: the ErrorResponse must carry a message`);
  return e;
}
