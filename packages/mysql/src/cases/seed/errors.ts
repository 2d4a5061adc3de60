import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, exec, rows, xexec } from '../../_internal/case-kit.js';

/** MY-005: errno and SQLSTATE of the two most common server errors, over both protocols. */
export const errorNumbers = defineMysqlCase({
  id: 'MY-005',
  title: 'Error numbers and SQLSTATE: 1064/42000 for a syntax error, 1062/23000 for a duplicate key',
  priority: 'p0',
  area: 'errors',
  spec: 'https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await expectSqlError(exec(conn, 'SELCT 1'), { errno: 1064, sqlState: '42000' }, 'syntax error');
    await createTable(conn, 'my005', 'id INT PRIMARY KEY');
    await exec(conn, 'INSERT INTO my005 VALUES (1)');
    const e = await expectSqlError(exec(conn, 'INSERT INTO my005 VALUES (1)'), { errno: 1062, sqlState: '23000' }, 'duplicate key');
    assert.match(e.message, /Duplicate entry/i, `the 1062 message names the duplicate entry, got "${e.message}"`);
    await expectSqlError(xexec(conn, 'INSERT INTO my005 VALUES (?)', [1]), { errno: 1062, sqlState: '23000' }, 'duplicate key (prepared)');
    const [ok] = await rows<{ n: string }>(conn, 'SELECT COUNT(*) AS n FROM my005');
    assert.equal(Number(ok?.n), 1, 'rows after the failed inserts');
  },
});
