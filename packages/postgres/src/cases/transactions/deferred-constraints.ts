import assert from 'node:assert/strict';
import type { Client } from 'pg';
import { checkSqlError } from '@helios-conformance/sql/postgres';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

/** Runs COMMIT, which must fail with `expected`; returns the error message. */
async function commitMustFail(c: Client, expected: string, what: string): Promise<string> {
  let committed = false;
  try {
    await c.query('COMMIT');
    committed = true;
  } catch (e) {
    return checkSqlError(e, expected, what).message;
  }
  assert.ok(!committed, `${what}: COMMIT must fail with SQLSTATE ${expected}, but it succeeded`);
  return '';
}

/** Requires that the session is no longer in a transaction (the failed COMMIT ended it). */
async function outsideTransaction(c: Client, what: string): Promise<void> {
  // Outside a transaction block, each statement gets its own transaction id.
  const a = await c.query<{ x: string }>('SELECT txid_current()::text AS x');
  const b = await c.query<{ x: string }>('SELECT txid_current()::text AS x');
  assert.notEqual(a.rows[0]?.x, b.rows[0]?.x, `${what}: the session must be out of the transaction after the failed COMMIT (two statements shared one transaction)`);
}

/** PG-081: a DEFERRABLE INITIALLY DEFERRED unique constraint is checked at COMMIT. */
export const deferredUnique = definePgCase({
  id: 'PG-081',
  title: 'DEFERRABLE INITIALLY DEFERRED unique constraint: duplicates pass until COMMIT, which fails with 23505 and rolls the transaction back',
  priority: 'p1',
  area: 'transactions',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-set-constraints.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-081');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg081_t')} (id int, pos int CONSTRAINT pg081_pos_uq UNIQUE DEFERRABLE INITIALLY DEFERRED)`);
    await c.query(`INSERT INTO ${ctx.target.qualify('pg081_t')} VALUES (1, 1), (2, 2)`);

    // Swapping two unique values in two statements is fine when the check waits for COMMIT.
    await c.query('BEGIN');
    await c.query(`UPDATE ${ctx.target.qualify('pg081_t')} SET pos = 2 WHERE id = 1`);
    await c.query(`UPDATE ${ctx.target.qualify('pg081_t')} SET pos = 1 WHERE id = 2`);
    await c.query('COMMIT');
    const swapped = await c.query<{ id: number; pos: number }>(`SELECT id, pos FROM ${ctx.target.qualify('pg081_t')} ORDER BY id`);
    assert.deepEqual(swapped.rows, [{ id: 1, pos: 2 }, { id: 2, pos: 1 }], `the swap must commit, got ${JSON.stringify(swapped.rows)}`);

    // A duplicate left at COMMIT: the statement succeeds, COMMIT fails and undoes everything.
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg081_t')} VALUES (3, 3)`);
    await c.query(`INSERT INTO ${ctx.target.qualify('pg081_t')} VALUES (4, 1)`);
    const msg = await commitMustFail(c, '23505', 'COMMIT with a duplicate under a deferred unique constraint');
    ctx.log(`COMMIT failed: ${msg}`);
    await outsideTransaction(c, 'deferred unique');
    const n = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg081_t')}`);
    assert.equal(n.rows[0]?.n, 2, `the failed COMMIT must roll back both inserts: expected 2 rows, found ${n.rows[0]?.n}`);

    // SET CONSTRAINTS ... IMMEDIATE brings the check forward to the statement.
    await c.query('BEGIN');
    // Qualified: an unqualified constraint name is looked up through search_path.
    await c.query(`SET CONSTRAINTS ${ctx.target.qualify('pg081_pos_uq')} IMMEDIATE`);
    let code: string | undefined;
    try {
      await c.query(`INSERT INTO ${ctx.target.qualify('pg081_t')} VALUES (5, 1)`);
    } catch (e) {
      code = checkSqlError(e, '23505', 'duplicate insert after SET CONSTRAINTS IMMEDIATE').code;
    }
    await c.query('ROLLBACK');
    assert.equal(code, '23505', 'after SET CONSTRAINTS pg081_pos_uq IMMEDIATE the duplicate INSERT itself must fail with 23505, but it succeeded');
  },
});

/** PG-082: a DEFERRABLE INITIALLY DEFERRED foreign key is checked at COMMIT. */
export const deferredForeignKey = definePgCase({
  id: 'PG-082',
  title: 'DEFERRABLE INITIALLY DEFERRED foreign key: a child may precede its parent; a missing parent fails COMMIT with 23503 and rolls back',
  priority: 'p2',
  area: 'transactions',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-createtable.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-082');
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg082_parent')} (id int PRIMARY KEY)`);
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg082_child')} (id int PRIMARY KEY, parent_id int REFERENCES ${ctx.target.qualify('pg082_parent')} (id) DEFERRABLE INITIALLY DEFERRED)`);

    await c.query('BEGIN');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg082_child')} VALUES (1, 10)`);
    await c.query(`INSERT INTO ${ctx.target.qualify('pg082_parent')} VALUES (10)`);
    const ok = await c.query('COMMIT');
    assert.equal(ok.command, 'COMMIT', `a child inserted before its parent in the same transaction must commit, got ${ok.command}`);

    await c.query('BEGIN');
    await c.query(`INSERT INTO ${ctx.target.qualify('pg082_parent')} VALUES (20)`);
    await c.query(`INSERT INTO ${ctx.target.qualify('pg082_child')} VALUES (2, 99)`);
    const msg = await commitMustFail(c, '23503', 'COMMIT with a child whose parent does not exist (deferred foreign key)');
    ctx.log(`COMMIT failed: ${msg}`);
    await outsideTransaction(c, 'deferred foreign key');
    const rows = await c.query<{ p: number; ch: number }>(`SELECT (SELECT count(*)::int FROM ${ctx.target.qualify('pg082_parent')}) AS p, (SELECT count(*)::int FROM ${ctx.target.qualify('pg082_child')}) AS ch`);
    assert.deepEqual(rows.rows[0], { p: 1, ch: 1 }, `the failed COMMIT must roll back the whole transaction (parent 20 too): got ${JSON.stringify(rows.rows[0])}`);
  },
});
