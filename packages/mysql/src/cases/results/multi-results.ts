import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, exec, type Ok } from '../../_internal/case-kit.js';

/** MY-045: CLIENT_MULTI_STATEMENTS. */
export const multiStatements = defineMysqlCase({
  id: 'MY-045',
  title: 'Multiple statements in one COM_QUERY return every result set (and OK packets) in order',
  priority: 'p1',
  area: 'results',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_command_phase_sp.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx, { multipleStatements: true });
    await createTable(conn, 'my045', 'id INT PRIMARY KEY');
    const [res] = await conn.query('SELECT 1 AS a; INSERT INTO my045 VALUES (1), (2); SELECT id FROM my045 ORDER BY id; SELECT 3 AS c, 4 AS d');
    const parts = res as unknown as Array<unknown>;
    assert.equal(parts.length, 4, 'number of results');
    assert.deepEqual((parts[0] as Array<{ a: number }>).map((r) => Number(r.a)), [1], 'first result set');
    assert.equal((parts[1] as Ok).affectedRows, 2, 'affectedRows of the INSERT in the middle');
    assert.deepEqual((parts[2] as Array<{ id: number }>).map((r) => Number(r.id)), [1, 2], 'third result set');
    assert.deepEqual((parts[3] as Array<{ c: number; d: number }>).map((r) => [Number(r.c), Number(r.d)]), [[3, 4]], 'fourth result set');

    await expectSqlError(conn.query('SELECT 1; SELEC 2; SELECT 3'), { errno: 1064, sqlState: '42000' }, 'a syntax error in the second statement');
    const [after] = await conn.query('SELECT 5 AS e');
    assert.deepEqual((after as Array<{ e: number }>).map((r) => Number(r.e)), [5], 'the session after a failed multi-statement');
  },
});

/** MY-046: without the capability, stacking is refused. */
export const noMultiStatements = defineMysqlCase({
  id: 'MY-046',
  title: 'Without CLIENT_MULTI_STATEMENTS a stacked query is a syntax error (1064)',
  priority: 'p1',
  area: 'results',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx, { multipleStatements: false });
    await expectSqlError(conn.query('SELECT 1; SELECT 2'), { errno: 1064, sqlState: '42000' }, 'two statements without multi-statement support');
  },
});

/** MY-047: CALL with several result sets. */
export const procedureResults = defineMysqlCase({
  id: 'MY-047',
  title: 'A stored procedure returns multiple result sets through CALL (text and binary protocol)',
  priority: 'p1',
  area: 'results',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/call.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(conn, 'DROP PROCEDURE IF EXISTS my047');
    await exec(conn, "CREATE PROCEDURE my047(IN n INT) BEGIN SELECT n AS a; SELECT n * 2 AS b, 'x' AS c; END");

    const [res] = await conn.query('CALL my047(21)');
    const parts = res as unknown as unknown[];
    assert.ok(parts.length >= 3, `CALL returned ${parts.length} results, expected 2 result sets and a final OK`);
    assert.deepEqual((parts[0] as Array<{ a: number }>).map((r) => Number(r.a)), [21], 'first result set of CALL');
    assert.deepEqual((parts[1] as Array<{ b: number; c: string }>).map((r) => [Number(r.b), r.c]), [[42, 'x']], 'second result set of CALL');

    const [xres] = await conn.execute('CALL my047(?)', [5]);
    const xparts = xres as unknown as unknown[];
    assert.deepEqual((xparts[1] as Array<{ b: number }>).map((r) => Number(r.b)), [10], 'second result set of a prepared CALL');
  },
});
