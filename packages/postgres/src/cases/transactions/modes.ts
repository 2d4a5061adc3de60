import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/postgres';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

/** PG-079: a READ ONLY transaction refuses writes with 25006. */
export const readOnlyTransaction = definePgCase({
  id: 'PG-079',
  title: 'START TRANSACTION READ ONLY: INSERT, UPDATE and CREATE TABLE fail with 25006; SHOW transaction_read_only reports on',
  priority: 'p1',
  area: 'transactions',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-set-transaction.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-079');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg079_t')} (id int PRIMARY KEY)`);
    await c.query(`INSERT INTO ${ctx.target.qualify('pg079_t')} VALUES (1)`);

    await c.query('START TRANSACTION READ ONLY');
    const ro = await c.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
    assert.equal(ro.rows[0]?.transaction_read_only, 'on', `SHOW transaction_read_only inside START TRANSACTION READ ONLY must be on, got ${ro.rows[0]?.transaction_read_only}`);
    const n = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg079_t')}`);
    assert.equal(n.rows[0]?.n, 1, 'a READ ONLY transaction must still read');
    await expectSqlError(c.query(`INSERT INTO ${ctx.target.qualify('pg079_t')} VALUES (2)`), '25006', 'INSERT in a READ ONLY transaction');
    await c.query('ROLLBACK');

    await c.query('BEGIN');
    await c.query('SET TRANSACTION READ ONLY');
    await expectSqlError(c.query(`UPDATE ${ctx.target.qualify('pg079_t')} SET id = 3`), '25006', 'UPDATE after SET TRANSACTION READ ONLY');
    await c.query('ROLLBACK');

    await c.query('BEGIN READ ONLY');
    await expectSqlError(c.query(`CREATE TABLE ${ctx.target.qualify('pg079_other')} (id int)`), '25006', 'CREATE TABLE in a BEGIN READ ONLY transaction');
    await c.query('ROLLBACK');

    // The mode ends with the transaction.
    await c.query(`INSERT INTO ${ctx.target.qualify('pg079_t')} VALUES (2)`);
    const rw = await c.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
    assert.equal(rw.rows[0]?.transaction_read_only, 'off', `after the READ ONLY transactions ended, transaction_read_only must be off, got ${rw.rows[0]?.transaction_read_only}`);
  },
});

const LEVELS = ['READ UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'] as const;

/** PG-080: the four isolation level names are accepted and reported. */
export const isolationLevels = definePgCase({
  id: 'PG-080',
  title: 'SET TRANSACTION ISOLATION LEVEL and BEGIN ISOLATION LEVEL accept all four levels; SHOW transaction_isolation reports each',
  priority: 'p1',
  area: 'transactions',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-set-transaction.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-080');
    const show = async (): Promise<string | undefined> =>
      (await c.query<{ transaction_isolation: string }>('SHOW transaction_isolation')).rows[0]?.transaction_isolation;
    const observed: Record<string, string | undefined> = {};
    for (const level of LEVELS) {
      await c.query('BEGIN');
      await c.query(`SET TRANSACTION ISOLATION LEVEL ${level}`);
      const seen = await show();
      observed[level] = seen;
      await c.query('COMMIT');
      assert.equal(seen, level.toLowerCase(), `after SET TRANSACTION ISOLATION LEVEL ${level}, SHOW transaction_isolation must report "${level.toLowerCase()}", got ${JSON.stringify(seen)}`);

      await c.query(`BEGIN ISOLATION LEVEL ${level}`);
      const seen2 = await show();
      await c.query('ROLLBACK');
      assert.equal(seen2, level.toLowerCase(), `inside BEGIN ISOLATION LEVEL ${level}, SHOW transaction_isolation must report "${level.toLowerCase()}", got ${JSON.stringify(seen2)}`);
    }
    ctx.metric('observed', observed);
    // The default level comes back once the transaction is over; SET TRANSACTION ... after a query is refused.
    const def = await c.query<{ default_transaction_isolation: string }>('SHOW default_transaction_isolation');
    assert.equal(await show(), def.rows[0]?.default_transaction_isolation, 'outside a transaction, transaction_isolation must equal default_transaction_isolation');
    await c.query('BEGIN');
    await c.query('SELECT 1');
    await expectSqlError(c.query('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE'), '25001', 'SET TRANSACTION ISOLATION LEVEL after the first query of the transaction');
    await c.query('ROLLBACK');
  },
});

/** PG-083: COMMIT of an aborted transaction answers ROLLBACK and keeps nothing. */
export const commitOfFailedTransaction = definePgCase({
  id: 'PG-083',
  title: 'COMMIT of a transaction aborted by an error is answered with command tag ROLLBACK, and none of its work persists',
  priority: 'p1',
  area: 'transactions',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-commit.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-083');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg083_t')} (id int PRIMARY KEY)`);
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg083_t')} VALUES (1)`);
    await expectSqlError(c.query(`INSERT INTO ${ctx.target.qualify('pg083_t')} VALUES (1)`), '23505', 'duplicate insert inside the transaction');
    const r = await c.query('COMMIT');
    assert.equal(r.command, 'ROLLBACK', `COMMIT of an aborted transaction must be answered with command tag ROLLBACK, got ${r.command}`);
    const n = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg083_t')}`);
    assert.equal(n.rows[0]?.n, 0, `nothing of the aborted transaction may persist, found ${n.rows[0]?.n} rows`);
    // The session is out of the transaction: a new one starts and commits normally.
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg083_t')} VALUES (2)`);
    const ok = await c.query('COMMIT');
    assert.equal(ok.command, 'COMMIT', `the next transaction's COMMIT must report COMMIT, got ${ok.command}`);
  },
});
