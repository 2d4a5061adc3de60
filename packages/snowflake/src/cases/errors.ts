// Errors in the shape snowflake-sdk surfaces them: Snowflake's error code and SQLSTATE on the
// error object, the query id of the failed statement, and a login refused with 390100 at once
// (not after the driver's retries).
import assert from 'node:assert/strict';
import { codeOf, connect, defineSnowflakeCase, exec, rejectionOf } from '../_internal/case-kit.js';
import type { SfError } from '../_internal/driver.js';

const ERRORS = 'https://docs.snowflake.com/en/developer-guide/sql-api/reference#error-codes (SQL compilation errors 001003, 002003; 000904; 100051)';

function describe(e: SfError | null): string {
  return e ? `code ${JSON.stringify(e.code)}, sqlState ${JSON.stringify(e.sqlState)}: ${e.message?.split('\n').join(' ')}` : 'no error';
}

export const sf007 = defineSnowflakeCase({
  id: 'SF-007',
  title: 'errors carry Snowflake codes and SQLSTATEs: syntax 001003/42000, unknown table 002003/42S02, invalid identifier 000904/42000, division by zero 100051/22012',
  priority: 'p1',
  area: 'errors',
  spec: ERRORS,
  async run(ctx) {
    const conn = await connect(ctx);
    const expectations: Array<[string, string, string, RegExp]> = [
      ['SELEC 1', '001003', '42000', /syntax error/i],
      ['SELECT * FROM SF007_NO_SUCH_TABLE', '002003', '42S02', /SF007_NO_SUCH_TABLE.*does not exist/i],
      ['SELECT SF007_NO_SUCH_COLUMN FROM (SELECT 1 AS X) AS T', '000904', '42000', /invalid identifier/i],
      ['SELECT 1/0 AS Q', '100051', '22012', /division by zero/i],
    ];
    const wrong: string[] = [];
    for (const [sql, code, sqlState, message] of expectations) {
      const e = await rejectionOf(exec(ctx, conn, sql));
      ctx.log(`${sql}: ${describe(e)}`);
      if (!e) {
        wrong.push(`${sql} succeeded`);
        continue;
      }
      if (codeOf(e) !== code || e.sqlState !== sqlState || !message.test(e.message ?? '')) wrong.push(`${sql}: expected ${code}/${sqlState} ${message}, got ${describe(e)}`);
      else if (typeof e.data?.queryId !== 'string') wrong.push(`${sql}: the error names no query id (error.data.queryId)`);
    }
    assert.deepEqual(wrong, [], wrong.join('; '));
    // A failed statement leaves the session usable.
    const { rows } = await exec(ctx, conn, 'SELECT 3 AS AFTER_ERRORS');
    assert.deepEqual(rows, [{ AFTER_ERRORS: 3 }], 'the session does not answer after the errors');
  },
});

export const sf008 = defineSnowflakeCase({
  id: 'SF-008',
  title: 'a wrong password is refused with 390100 within 10 s (not retried as a network error); the right one still logs in',
  priority: 'p1',
  area: 'auth',
  spec: 'https://docs.snowflake.com/en/user-guide/admin-user-management (390100: Incorrect username or password was specified)',
  async run(ctx) {
    const t0 = Date.now();
    const e = await rejectionOf(ctx.target.connect({ password: `${ctx.target.dsn.password}-wrong-${ctx.rng.int(1000, 9999)}` }));
    const ms = Date.now() - t0;
    ctx.metric('refusedAfterMs', ms);
    assert.ok(e, 'a login with a wrong password succeeded');
    assert.equal(codeOf(e), '390100', `the wrong password was refused with ${describe(e)}, not 390100`);
    assert.ok(ms < 10_000, `the refusal took ${ms} ms (the driver retried a refusal as if it were a network error)`);
    // The right password still logs in: the refusal was about the password, not the endpoint.
    const conn = await connect(ctx);
    assert.equal(conn.isUp(), true, 'the right password does not log in after a refusal');
  },
});
