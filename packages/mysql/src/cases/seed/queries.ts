import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, exec, rows, xexec, xrows } from '../../_internal/case-kit.js';

/** MY-001: the first round trip. */
export const selectOne = defineMysqlCase({
  id: 'MY-001',
  title: 'Connect with mysql2 and run a simple query (SELECT 1)',
  priority: 'p0',
  area: 'connection',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const r = await rows<{ value: unknown }>(conn, 'SELECT 1 AS value');
    assert.equal(r.length, 1, 'row count');
    assert.equal(Number(r[0]?.value), 1, 'SELECT 1 AS value');
    const [, fields] = await conn.query('SELECT 1 AS value');
    assert.equal(fields?.[0]?.name, 'value', 'column name in the result set header');
  },
});

/** MY-002: parameters over the binary protocol (COM_STMT_EXECUTE) and escaped into the text protocol. */
export const preparedStatements = defineMysqlCase({
  id: 'MY-002',
  title: 'Prepared statements with parameters: server-side (execute, binary protocol) and client-side (query)',
  priority: 'p0',
  area: 'prepared',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_execute.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my002', 'id INT PRIMARY KEY, name VARCHAR(50), value INT');
    const ins = await xexec(conn, 'INSERT INTO my002 (id, name, value) VALUES (?, ?, ?)', [1, 'Bob', 200]);
    assert.equal(ins.affectedRows, 1, 'affectedRows of the prepared INSERT');
    const a = await xrows<{ name: string; value: number }>(conn, 'SELECT name, value FROM my002 WHERE id = ?', [1]);
    assert.deepEqual(a.map((r) => [r.name, Number(r.value)]), [['Bob', 200]], 'prepared SELECT (binary protocol)');

    await exec(conn, 'INSERT INTO my002 (id, name, value) VALUES (?, ?, ?)', [2, "O'Brien \\ \"quoted\"", -7]);
    const b = await rows<{ name: string; value: number }>(conn, 'SELECT name, value FROM my002 WHERE id = ?', [2]);
    assert.deepEqual(b.map((r) => [r.name, Number(r.value)]), [["O'Brien \\ \"quoted\"", -7]], 'client-side escaped SELECT (text protocol)');

    const c = await xrows<{ n: string | number }>(conn, 'SELECT COUNT(*) AS n FROM my002 WHERE name = ? OR value = ?', ['Bob', -7]);
    assert.equal(Number(c[0]?.n), 2, 'two parameters of different types in one prepared statement');
  },
});
