import assert from 'node:assert/strict';
import type { Client, QueryResult } from 'pg';
import { checkSqlError } from '@helios-conformance/sql/postgres';
import { definePgCase, openSession, sqlstate } from '../../_internal/case-kit.js';

type Outcome = { kind: 'new-shape'; result: QueryResult } | { kind: 'refused-0A000'; message: string };

/** Executes a named prepared statement again; a server error other than 0A000 fails the case. */
async function reExecute(c: Client, name: string, text: string, what: string): Promise<Outcome> {
  try {
    return { kind: 'new-shape', result: await c.query({ name, text }) };
  } catch (e) {
    if (sqlstate(e) === undefined) throw e;
    return { kind: 'refused-0A000', message: checkSqlError(e, '0A000', what).message };
  }
}

const names = (r: QueryResult): string[] => r.fields.map((f) => f.name);

/** PG-091: a named prepared statement executed after DDL changed the table it reads. */
export const preparedAfterDdl = definePgCase({
  id: 'PG-091',
  title: 'a named prepared statement after ALTER TABLE: re-executed with the new result shape or refused with 0A000, never with a stale shape',
  priority: 'p1',
  area: 'errors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-prepare.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-091');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg091_t')} (id int PRIMARY KEY, name text)`);
    await c.query(`INSERT INTO ${ctx.target.qualify('pg091_t')} VALUES (1, 'one'), (2, 'two')`);
    const star = { name: `pg091_star_${ctx.target.runId}`, text: `SELECT * FROM ${ctx.target.qualify('pg091_t')} ORDER BY id` };
    const cols = { name: `pg091_cols_${ctx.target.runId}`, text: `SELECT id, name FROM ${ctx.target.qualify('pg091_t')} ORDER BY id` };
    const before = await c.query(star);
    assert.deepEqual(names(before), ['id', 'name'], `before the DDL, SELECT * must return columns id, name, got ${names(before).join(', ')}`);
    await c.query(cols);

    await c.query(`ALTER TABLE ${ctx.target.qualify('pg091_t')} ADD COLUMN extra text NOT NULL DEFAULT 'x'`);
    const outcomes: Record<string, string> = {};

    // SELECT * now has three columns: new shape, or 0A000 "cached plan must not change result type".
    const o1 = await reExecute(c, star.name, star.text, 'SELECT * prepared before ADD COLUMN');
    outcomes.selectStarAfterAddColumn = o1.kind;
    if (o1.kind === 'new-shape') {
      assert.deepEqual(names(o1.result), ['id', 'name', 'extra'], `SELECT * re-executed after ADD COLUMN must return the new shape (id, name, extra) or fail with 0A000; it returned the stale shape ${names(o1.result).join(', ')}`);
      assert.deepEqual(o1.result.rows, [{ id: 1, name: 'one', extra: 'x' }, { id: 2, name: 'two', extra: 'x' }], `the new column must carry its default, got ${JSON.stringify(o1.result.rows)}`);
    } else ctx.log(`SELECT * after ADD COLUMN: refused with 0A000 (${o1.message})`);

    // A statement naming its columns is unaffected by an added column: it must simply work.
    const same = await c.query(cols);
    assert.deepEqual(names(same), ['id', 'name'], `SELECT id, name after ADD COLUMN must keep its shape, got ${names(same).join(', ')}`);
    assert.deepEqual(same.rows, [{ id: 1, name: 'one' }, { id: 2, name: 'two' }], `SELECT id, name after ADD COLUMN must return the rows, got ${JSON.stringify(same.rows)}`);

    // Changing a selected column's type changes the result type: new type, or 0A000.
    const textOid = same.fields[1]?.dataTypeID;
    await c.query(`ALTER TABLE ${ctx.target.qualify('pg091_t')} ALTER COLUMN name TYPE varchar(40)`);
    const o2 = await reExecute(c, cols.name, cols.text, 'SELECT id, name prepared before ALTER COLUMN TYPE');
    outcomes.selectColsAfterAlterType = o2.kind;
    if (o2.kind === 'new-shape') {
      const oid = o2.result.fields[1]?.dataTypeID;
      assert.equal(oid, 1043, `after ALTER COLUMN name TYPE varchar(40), the re-executed statement must describe name as varchar (OID 1043) or fail with 0A000; it described OID ${oid} (was ${textOid})`);
      assert.deepEqual(o2.result.rows, [{ id: 1, name: 'one' }, { id: 2, name: 'two' }], `rows after the type change: got ${JSON.stringify(o2.result.rows)}`);
    } else ctx.log(`SELECT id, name after ALTER COLUMN TYPE: refused with 0A000 (${o2.message})`);

    ctx.metric('outcomes', outcomes);
    ctx.log(`outcomes: ${JSON.stringify(outcomes)}`);
    // Whatever happened, a freshly prepared statement sees the new table.
    const fresh = await c.query({ name: `pg091_fresh_${ctx.target.runId}`, text: `SELECT * FROM ${ctx.target.qualify('pg091_t')} ORDER BY id` });
    assert.deepEqual(names(fresh), ['id', 'name', 'extra'], `a statement prepared after the DDL must see id, name, extra, got ${names(fresh).join(', ')}`);
  },
});
