import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/postgres';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

/** PG-070: integrity violations carry their SQLSTATE and name the constraint / column. */
export const integrityViolations = definePgCase({
  id: 'PG-070',
  title: 'integrity errors: 23503 on a foreign key violation (naming the constraint), 23502 on a NULL into NOT NULL (naming the column)',
  priority: 'p0',
  area: 'errors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/errcodes-appendix.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-070');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg070_parent')} (id int PRIMARY KEY)`);
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg070_child')} (id int PRIMARY KEY, parent_id int NOT NULL CONSTRAINT pg070_child_parent_fk REFERENCES ${ctx.target.qualify('pg070_parent')} (id), note text NOT NULL)`);
    await c.query(`INSERT INTO ${ctx.target.qualify('pg070_parent')} VALUES (1)`);
    await c.query(`INSERT INTO ${ctx.target.qualify('pg070_child')} VALUES (1, 1, 'ok')`);

    const fk = await expectSqlError(c.query(`INSERT INTO ${ctx.target.qualify('pg070_child')} VALUES (2, 99, 'orphan')`), '23503', 'insert of a row whose parent does not exist');
    assert.equal(fk.constraint, 'pg070_child_parent_fk', `23503 must name the violated constraint (field n): expected pg070_child_parent_fk, got ${JSON.stringify(fk.constraint)}`);
    assert.equal(fk.table, 'pg070_child', `23503 must name the table (field t): expected pg070_child, got ${JSON.stringify(fk.table)}`);
    await expectSqlError(c.query(`DELETE FROM ${ctx.target.qualify('pg070_parent')} WHERE id = 1`), '23503', 'delete of a parent row that is still referenced');

    const nn = await expectSqlError(c.query(`INSERT INTO ${ctx.target.qualify('pg070_child')} VALUES (3, 1, NULL)`), '23502', 'insert of NULL into a NOT NULL column');
    assert.equal(nn.column, 'note', `23502 must name the column (field c): expected note, got ${JSON.stringify(nn.column)}`);
    await expectSqlError(c.query(`UPDATE ${ctx.target.qualify('pg070_child')} SET note = NULL WHERE id = $1`, [1]), '23502', 'update of a NOT NULL column to NULL (extended query)');

    const n = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg070_child')}`);
    assert.equal(n.rows[0]?.n, 1, `the failed statements must change nothing: expected 1 child row, found ${n.rows[0]?.n}`);
  },
});

/** PG-071: references to what does not exist. */
export const undefinedObjects = definePgCase({
  id: 'PG-071',
  title: 'errors: 42P01 on an undefined table, 42703 on an undefined column, in simple and extended query',
  priority: 'p0',
  area: 'errors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/errcodes-appendix.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-071');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg071_t')} (id int PRIMARY KEY, name text)`);
    await expectSqlError(c.query(`SELECT * FROM ${ctx.target.qualify('pg071_missing')}`), '42P01', 'SELECT from a table that does not exist');
    await expectSqlError(c.query(`INSERT INTO ${ctx.target.qualify('pg071_missing')} VALUES ($1)`, [1]), '42P01', 'parameterised INSERT into a table that does not exist');
    await expectSqlError(c.query(`SELECT nope FROM ${ctx.target.qualify('pg071_t')}`), '42703', 'SELECT of a column that does not exist');
    await expectSqlError(c.query(`UPDATE ${ctx.target.qualify('pg071_t')} SET nope = $1`, [1]), '42703', 'parameterised UPDATE of a column that does not exist');
    const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg071_t')}`);
    assert.equal(r.rows[0]?.n, 0, 'the session must keep working after the errors (count of the empty table)');
  },
});

/** PG-072: a run-time error (division by zero) raised during execution. */
export const divisionByZero = definePgCase({
  id: 'PG-072',
  title: 'errors: 22012 on division by zero, raised at execution in simple and extended query; the session survives',
  priority: 'p1',
  area: 'errors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/errcodes-appendix.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-072');
    await expectSqlError(c.query('SELECT 1 / 0'), '22012', 'SELECT 1 / 0');
    await expectSqlError(c.query('SELECT 10 / $1::int AS q', [0]), '22012', 'SELECT 10 / $1 with $1 = 0 (extended query)');
    await expectSqlError(c.query({ name: `pg072_div_${ctx.target.runId}`, text: 'SELECT 10 / $1::int AS q', values: [0] }), '22012', 'named prepared statement with $1 = 0');
    // The same named statement must still work with a valid parameter: the error did not destroy it.
    const ok = await c.query<{ q: number }>({ name: `pg072_div_${ctx.target.runId}`, text: 'SELECT 10 / $1::int AS q', values: [5] });
    assert.equal(ok.rows[0]?.q, 2, `after the error the prepared statement must still answer 10 / 5 = 2, got ${JSON.stringify(ok.rows[0])}`);
    // Rows already produced before the error must not be mistaken for a result.
    await expectSqlError(c.query('SELECT 10 / (3 - g) FROM generate_series(1, 5) g'), '22012', 'a division by zero on the third row');
  },
});

/** PG-073: after an error inside a transaction, every statement gets 25P02 until ROLLBACK. */
export const abortedTransaction = definePgCase({
  id: 'PG-073',
  title: 'an error inside a transaction makes every later statement fail with 25P02 until ROLLBACK, which undoes the earlier work',
  priority: 'p0',
  area: 'errors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/errcodes-appendix.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-073');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg073_t')} (id int PRIMARY KEY)`);
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg073_t')} VALUES (1)`);
    await expectSqlError(c.query('SELECT 1 / 0'), '22012', 'the statement that aborts the transaction');
    await expectSqlError(c.query('SELECT 1'), '25P02', 'a plain SELECT after the error');
    await expectSqlError(c.query(`INSERT INTO ${ctx.target.qualify('pg073_t')} VALUES (2)`), '25P02', 'an INSERT after the error');
    await expectSqlError(c.query('SELECT $1::int AS x', [7]), '25P02', 'an extended-query statement after the error');
    await expectSqlError(c.query(`CREATE TABLE ${ctx.target.qualify('pg073_other')} (id int)`), '25P02', 'DDL after the error');
    await expectSqlError(c.query('SET search_path TO public'), '25P02', 'SET after the error');
    await c.query('ROLLBACK');
    const n = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg073_t')}`);
    assert.equal(n.rows[0]?.n, 0, `ROLLBACK must undo the insert made before the error: found ${n.rows[0]?.n} rows`);
    const t = await c.query<{ r: string | null }>(`SELECT to_regclass('${ctx.target.qualify('pg073_other')}')::text AS r`);
    assert.equal(t.rows[0]?.r, null, 'the DDL refused with 25P02 must not have happened');
  },
});
