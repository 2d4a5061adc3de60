import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, exec } from '../../_internal/case-kit.js';

const ERRS = 'https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html';

/** MY-061: missing tables and columns. */
export const missingObjects = defineMysqlCase({
  id: 'MY-061',
  title: 'A missing table is 1146 (SQLSTATE 42S02), a missing column 1054 (42S22)',
  priority: 'p0',
  area: 'errors',
  spec: ERRS,
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await expectSqlError(exec(conn, 'SELECT * FROM my061_missing'), { errno: 1146, sqlState: '42S02' }, 'SELECT from a missing table');
    await expectSqlError(conn.execute('SELECT * FROM my061_missing WHERE id = ?', [1]), { errno: 1146, sqlState: '42S02' }, 'preparing a SELECT from a missing table');
    await createTable(conn, 'my061', 'id INT');
    await expectSqlError(exec(conn, 'SELECT nope FROM my061'), { errno: 1054, sqlState: '42S22' }, 'SELECT of a missing column');
  },
});

/** MY-064: DDL on what exists and what does not. */
export const ddlErrors = defineMysqlCase({
  id: 'MY-064',
  title: 'DDL errors: creating an existing table is 1050 (42S01), dropping a missing one 1051 (42S02)',
  priority: 'p2',
  area: 'errors',
  spec: ERRS,
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my064', 'id INT');
    await expectSqlError(exec(conn, 'CREATE TABLE my064 (id INT)'), { errno: 1050, sqlState: '42S01' }, 'CREATE TABLE of an existing table');
    await expectSqlError(exec(conn, 'DROP TABLE my064_missing'), { errno: 1051, sqlState: '42S02' }, 'DROP TABLE of a missing table');
  },
});
