import assert from 'node:assert/strict';
import type { Client } from 'pg';
import { definePgCase, openSession, within } from '../../_internal/case-kit.js';

/** How long a reader may wait for an answer while another session holds an open write. */
const READ_WAIT_MS = 5_000;

/**
 * PG-003: what one session sees of another's transaction. Under READ COMMITTED (the
 * default) an uncommitted or rolled-back row is invisible to other sessions, a committed
 * one is visible to the next statement, and a plain read never waits for a writer.
 */
export const twoSessionVisibility = definePgCase({
  id: 'PG-003',
  title: 'BEGIN/COMMIT/ROLLBACK: visibility of a transaction to a second session',
  priority: 'p0',
  area: 'transactions',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED',
  async run(ctx) {
    const writer = await openSession(ctx, 'hc-pg-003-writer');
    const reader = await openSession(ctx, 'hc-pg-003-reader');
    await writer.query(`CREATE TABLE ${ctx.target.qualify('pg003_t')} (id bigint PRIMARY KEY, name text)`);

    const count = async (c: Client, id: number, who: string, what: string): Promise<number> => {
      const r = await within(c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg003_t')} WHERE id = $1`, [id]), READ_WAIT_MS);
      if (r.timedOut) {
        return ctx.fail(`${who}'s read ${what} got no answer within ${READ_WAIT_MS} ms: a plain SELECT waited for another session's open transaction`);
      }
      return r.value.rows[0]?.n ?? -1;
    };

    // ROLLBACK: the row is seen by its own transaction only, then by nobody.
    await writer.query('BEGIN');
    await writer.query(`INSERT INTO ${ctx.target.qualify('pg003_t')} (id, name) VALUES (100, 'Rollback')`);
    assert.equal(await count(writer, 100, 'the writer', 'inside its own transaction'), 1, 'a transaction must see its own uncommitted insert');
    assert.equal(await count(reader, 100, 'the second session', 'during the open transaction'), 0, 'an uncommitted insert must be invisible to another session');
    await writer.query('ROLLBACK');
    assert.equal(await count(writer, 100, 'the writer', 'after ROLLBACK'), 0, 'a rolled-back insert must be gone for the session that made it');
    assert.equal(await count(reader, 100, 'the second session', 'after ROLLBACK'), 0, 'a rolled-back insert must never become visible to another session');

    // COMMIT: invisible until the commit, visible to the other session's next statement.
    await writer.query('BEGIN');
    await writer.query(`INSERT INTO ${ctx.target.qualify('pg003_t')} (id, name) VALUES (101, 'Commit')`);
    assert.equal(await count(reader, 101, 'the second session', 'before COMMIT'), 0, 'an insert must be invisible to another session before COMMIT');
    await writer.query('COMMIT');
    assert.equal(await count(reader, 101, 'the second session', 'after COMMIT'), 1, 'a committed insert must be visible to the next statement of another session');

    // The reader's own transaction: its ROLLBACK must not undo the writer's committed row.
    await reader.query('BEGIN');
    await reader.query(`DELETE FROM ${ctx.target.qualify('pg003_t')} WHERE id = 101`);
    await reader.query('ROLLBACK');
    assert.equal(await count(writer, 101, 'the writer', "after the second session's rolled-back DELETE"), 1, 'a rolled-back DELETE must leave the committed row in place');
  },
});
