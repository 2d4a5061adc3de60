import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, exec, xexec } from '../../_internal/case-kit.js';

const ERRS = 'https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html';

/** MY-062: NOT NULL. */
export const notNull = defineMysqlCase({
  id: 'MY-062',
  title: 'NULL into a NOT NULL column is 1048 (SQLSTATE 23000)',
  priority: 'p0',
  area: 'errors',
  spec: ERRS,
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my062', 'id INT PRIMARY KEY, v VARCHAR(5) NOT NULL');
    await expectSqlError(exec(conn, 'INSERT INTO my062 VALUES (1, NULL)'), { errno: 1048, sqlState: '23000' }, 'NULL literal into NOT NULL');
    await expectSqlError(xexec(conn, 'INSERT INTO my062 VALUES (?, ?)', [2, null]), { errno: 1048, sqlState: '23000' }, 'NULL parameter into NOT NULL');
  },
});

/** MY-063: foreign keys both ways. */
export const foreignKeys = defineMysqlCase({
  id: 'MY-063',
  title: 'Foreign keys: a missing parent is 1452, deleting a referenced parent is 1451 (SQLSTATE 23000)',
  priority: 'p1',
  area: 'errors',
  spec: ERRS,
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(conn, 'DROP TABLE IF EXISTS my063_child');
    await createTable(conn, 'my063_parent', 'id INT PRIMARY KEY');
    await createTable(conn, 'my063_child', 'id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES my063_parent(id)');
    await expectSqlError(exec(conn, 'INSERT INTO my063_child VALUES (1, 99)'), { errno: 1452, sqlState: '23000' }, 'child row without a parent');
    await exec(conn, 'INSERT INTO my063_parent VALUES (1)');
    await exec(conn, 'INSERT INTO my063_child VALUES (1, 1)');
    await expectSqlError(exec(conn, 'DELETE FROM my063_parent WHERE id = 1'), { errno: 1451, sqlState: '23000' }, 'deleting a referenced parent');
  },
});
