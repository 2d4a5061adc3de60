// Transactions in one session: BEGIN … ROLLBACK leaves nothing, BEGIN … COMMIT keeps the row,
// and outside BEGIN every statement commits on its own (AUTOCOMMIT is on by default).
import assert from 'node:assert/strict';
import { connect, defineSnowflakeCase, exec, type Ctx } from '../_internal/case-kit.js';
import type { SfConnection } from '../_internal/driver.js';

/** The IDs in the case's table, in order. */
async function ids(ctx: Ctx, conn: SfConnection): Promise<unknown[]> {
  const { rows } = await exec(ctx, conn, 'SELECT ID FROM SF014_TX ORDER BY ID');
  return rows.map((r) => r.ID);
}

export const sf014 = defineSnowflakeCase({
  id: 'SF-014',
  title: 'transactions in one session: BEGIN … INSERT … ROLLBACK leaves no row, BEGIN … INSERT … COMMIT keeps it, a statement outside BEGIN commits on its own (AUTOCOMMIT)',
  priority: 'p1',
  area: 'transactions',
  spec: 'https://docs.snowflake.com/en/sql-reference/transactions (explicit transactions, AUTOCOMMIT); https://docs.snowflake.com/en/sql-reference/sql/begin',
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(ctx, conn, 'CREATE TABLE SF014_TX (ID INTEGER, NOTE VARCHAR)');
    await exec(ctx, conn, 'BEGIN');
    await exec(ctx, conn, 'INSERT INTO SF014_TX (ID, NOTE) VALUES (?, ?)', [1, 'rolled back']);
    assert.deepEqual(await ids(ctx, conn), [1], 'the session does not see the row it inserted in its open transaction');
    await exec(ctx, conn, 'ROLLBACK');
    assert.deepEqual(await ids(ctx, conn), [], 'ROLLBACK left the row inserted after BEGIN');
    await exec(ctx, conn, 'BEGIN TRANSACTION');
    await exec(ctx, conn, 'INSERT INTO SF014_TX (ID, NOTE) VALUES (?, ?)', [2, 'committed']);
    await exec(ctx, conn, 'COMMIT');
    assert.deepEqual(await ids(ctx, conn), [2], 'the row inserted between BEGIN TRANSACTION and COMMIT is not there after COMMIT');
    // No transaction open: the INSERT commits at once, the ROLLBACK has nothing to undo.
    await exec(ctx, conn, 'INSERT INTO SF014_TX (ID, NOTE) VALUES (?, ?)', [3, 'autocommitted']);
    await exec(ctx, conn, 'ROLLBACK');
    assert.deepEqual(await ids(ctx, conn), [2, 3], 'a ROLLBACK without BEGIN undid a statement that AUTOCOMMIT had committed');
    // Committed is committed for everyone: another session reads the same rows.
    const other = await connect(ctx);
    assert.deepEqual(await ids(ctx, other), [2, 3], 'another session does not read the committed rows');
  },
});
