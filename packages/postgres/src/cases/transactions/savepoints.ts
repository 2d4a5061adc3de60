import assert from 'node:assert/strict';
import type { Client } from 'pg';
import { expectSqlError } from '@helios-conformance/sql/postgres';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

/** The ids in `table` (schema-qualified), in order. */
async function ids(c: Client, table: string): Promise<number[]> {
  const r = await c.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`);
  return r.rows.map((row) => row.id);
}

/** PG-077: SAVEPOINT / ROLLBACK TO SAVEPOINT / RELEASE SAVEPOINT. */
export const savepoints = definePgCase({
  id: 'PG-077',
  title: 'SAVEPOINT: ROLLBACK TO undoes only the work after the savepoint, RELEASE keeps it, COMMIT persists the rest',
  priority: 'p0',
  area: 'transactions',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-savepoint.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-077');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg077_t')} (id int PRIMARY KEY)`);
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg077_t')} VALUES (1)`);
    await c.query('SAVEPOINT s1');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg077_t')} VALUES (2)`);
    await c.query('SAVEPOINT s2');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg077_t')} VALUES (3)`);
    await c.query('ROLLBACK TO SAVEPOINT s2');
    assert.deepEqual(await ids(c, ctx.target.qualify('pg077_t')), [1, 2], 'ROLLBACK TO SAVEPOINT s2 must undo only the insert made after s2');
    // The savepoint survives ROLLBACK TO: it can be rolled back to again.
    await c.query(`INSERT INTO ${ctx.target.qualify('pg077_t')} VALUES (4)`);
    await c.query('ROLLBACK TO s2');
    assert.deepEqual(await ids(c, ctx.target.qualify('pg077_t')), [1, 2], 'a savepoint must stay defined after ROLLBACK TO it (second ROLLBACK TO s2)');
    await c.query('RELEASE SAVEPOINT s2');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg077_t')} VALUES (5)`);
    await c.query('RELEASE s1');
    assert.deepEqual(await ids(c, ctx.target.qualify('pg077_t')), [1, 2, 5], 'RELEASE SAVEPOINT must keep the work done under the savepoint');
    await expectSqlError(c.query('ROLLBACK TO SAVEPOINT s1'), '3B001', 'ROLLBACK TO a released savepoint');
    await c.query('ROLLBACK');

    // A second transaction, committed: the savepoint's rolled-back part must not come back.
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg077_t')} VALUES (10)`);
    await c.query('SAVEPOINT a');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg077_t')} VALUES (11)`);
    await c.query('SAVEPOINT b');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg077_t')} VALUES (12)`);
    await c.query('ROLLBACK TO SAVEPOINT a'); // also discards savepoint b
    await expectSqlError(c.query('RELEASE SAVEPOINT b'), '3B001', 'RELEASE of a savepoint discarded by ROLLBACK TO an earlier one');
    await c.query('ROLLBACK TO SAVEPOINT a'); // the 3B001 above aborted the transaction; this recovers it
    await c.query(`INSERT INTO ${ctx.target.qualify('pg077_t')} VALUES (13)`);
    await c.query('COMMIT');
    assert.deepEqual(await ids(c, ctx.target.qualify('pg077_t')), [10, 13], 'after COMMIT only the work outside the rolled-back savepoints may persist');
  },
});

/** PG-078: the ORM pattern "savepoint, try, on error ROLLBACK TO" recovers an aborted transaction. */
export const savepointErrorRecovery = definePgCase({
  id: 'PG-078',
  title: 'an error after a SAVEPOINT is undone by ROLLBACK TO SAVEPOINT: the transaction continues (no 25P02) and commits the earlier work',
  priority: 'p0',
  area: 'transactions',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-rollback-to.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-078');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg078_t')} (id int PRIMARY KEY, v text)`);
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg078_t')} VALUES (1, 'before')`);
    for (let i = 0; i < 3; i++) {
      await c.query(`SAVEPOINT try_${i}`);
      await expectSqlError(c.query(`INSERT INTO ${ctx.target.qualify('pg078_t')} VALUES ($1, 'dup')`, [1]), '23505', `duplicate insert #${i + 1} under a savepoint`);
      await expectSqlError(c.query('SELECT 1'), '25P02', `a statement after error #${i + 1}, before ROLLBACK TO`);
      await c.query(`ROLLBACK TO SAVEPOINT try_${i}`);
      const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg078_t')}`);
      assert.equal(r.rows[0]?.n, 1, `after ROLLBACK TO SAVEPOINT try_${i} the transaction must work again and still see its first insert`);
    }
    await c.query(`INSERT INTO ${ctx.target.qualify('pg078_t')} VALUES (2, 'after')`);
    const commit = await c.query('COMMIT');
    assert.equal(commit.command, 'COMMIT', `COMMIT of the recovered transaction must report COMMIT, got ${commit.command}`);
    const rows = await c.query<{ id: number; v: string }>(`SELECT id, v FROM ${ctx.target.qualify('pg078_t')} ORDER BY id`);
    assert.deepEqual(rows.rows, [{ id: 1, v: 'before' }, { id: 2, v: 'after' }], `both rows must be committed, got ${JSON.stringify(rows.rows)}`);
  },
});
