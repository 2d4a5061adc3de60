import assert from 'node:assert/strict';
import type { Client } from 'pg';
import { definePgCase, openSession, sqlstate } from '../../_internal/case-kit.js';

async function expectSqlstate(client: Client, sql: string, expected: string, what: string): Promise<string> {
  let code: string | undefined;
  let message = '';
  try {
    await client.query(sql);
  } catch (e) {
    code = sqlstate(e);
    message = (e as Error).message;
    if (code === undefined) throw e; // not a server error (lost connection…): the harness reports it as error
  }
  assert.ok(code !== undefined, `${what}: "${sql}" must fail, but it succeeded`);
  assert.equal(code, expected, `${what}: expected SQLSTATE ${expected}, got ${code} (${message})`);
  return message;
}

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
    ctx.metric('syntaxErrorMessage', await expectSqlstate(client, 'SELCT 1', '42601', 'syntax error'));
    const alive = await client.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(alive.rows[0]?.one, 1, 'the session must still answer after a syntax error');

    await client.query('CREATE TABLE pg005_dup (id int PRIMARY KEY)');
    await client.query('INSERT INTO pg005_dup VALUES (1)');
    ctx.metric('uniqueViolationMessage', await expectSqlstate(client, 'INSERT INTO pg005_dup VALUES (1)', '23505', 'unique violation'));

    // Inside a transaction the error aborts it (25P02 until ROLLBACK), and ROLLBACK recovers.
    await client.query('BEGIN');
    await expectSqlstate(client, 'INSERT INTO pg005_dup VALUES (1)', '23505', 'unique violation inside a transaction');
    await expectSqlstate(client, 'SELECT 1', '25P02', 'a statement in an aborted transaction');
    await client.query('ROLLBACK');
    const n = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg005_dup');
    assert.equal(n.rows[0]?.n, 1, 'after ROLLBACK the session must work and the table hold its one row');
  },
});
