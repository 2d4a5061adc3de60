import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/postgres';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

/** PG-005: errors carry the standard SQLSTATE codes, and the session survives them. */
export const sqlstateCodes = definePgCase({
  id: 'PG-005',
  title: 'errors carry SQLSTATE: 42601 on a syntax error, 23505 on a unique violation',
  priority: 'p0',
  area: 'errors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/errcodes-appendix.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-005');
    ctx.metric('syntaxErrorMessage', (await expectSqlError(client.query('SELCT 1'), '42601', 'syntax error')).message);
    const alive = await client.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(alive.rows[0]?.one, 1, 'the session must still answer after a syntax error');

    await client.query(`CREATE TABLE ${ctx.target.qualify('pg005_dup')} (id int PRIMARY KEY)`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg005_dup')} VALUES (1)`);
    ctx.metric('uniqueViolationMessage', (await expectSqlError(client.query(`INSERT INTO ${ctx.target.qualify('pg005_dup')} VALUES (1)`), '23505', 'unique violation')).message);

    // Inside a transaction the error aborts it (25P02 until ROLLBACK), and ROLLBACK recovers.
    await client.query('BEGIN');
    await expectSqlError(client.query(`INSERT INTO ${ctx.target.qualify('pg005_dup')} VALUES (1)`), '23505', 'unique violation inside a transaction');
    await expectSqlError(client.query('SELECT 1'), '25P02', 'a statement in an aborted transaction');
    await client.query('ROLLBACK');
    const n = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg005_dup')}`);
    assert.equal(n.rows[0]?.n, 1, 'after ROLLBACK the session must work and the table hold its one row');
  },
});
