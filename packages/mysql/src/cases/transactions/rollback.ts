import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, exec, rows } from '../../_internal/case-kit.js';

/** MY-053: ROLLBACK. */
export const rollback = defineMysqlCase({
  id: 'MY-053',
  title: 'START TRANSACTION … ROLLBACK discards every change of the transaction',
  priority: 'p0',
  area: 'transactions',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my053', 'id INT PRIMARY KEY');
    await exec(conn, 'INSERT INTO my053 VALUES (1)');
    await conn.beginTransaction();
    await exec(conn, 'INSERT INTO my053 VALUES (2)');
    await exec(conn, 'DELETE FROM my053 WHERE id = 1');
    await conn.rollback();
    const r = await rows<{ id: number }>(conn, 'SELECT id FROM my053 ORDER BY id');
    assert.deepEqual(r.map((x) => Number(x.id)), [1], 'rows after ROLLBACK');
  },
});

/** MY-054: savepoints. */
export const savepoints = defineMysqlCase({
  id: 'MY-054',
  title: 'Savepoints: ROLLBACK TO SAVEPOINT undoes only later work, RELEASE removes the savepoint (then 1305)',
  priority: 'p1',
  area: 'transactions',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/savepoint.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const ids = async (): Promise<number[]> => (await rows<{ id: number }>(conn, 'SELECT id FROM my054 ORDER BY id')).map((x) => Number(x.id));
    await createTable(conn, 'my054', 'id INT PRIMARY KEY');
    await conn.beginTransaction();
    await exec(conn, 'INSERT INTO my054 VALUES (1)');
    await exec(conn, 'SAVEPOINT a');
    await exec(conn, 'INSERT INTO my054 VALUES (2)');
    await exec(conn, 'SAVEPOINT b');
    await exec(conn, 'INSERT INTO my054 VALUES (3)');

    await exec(conn, 'ROLLBACK TO SAVEPOINT b');
    assert.deepEqual(await ids(), [1, 2], 'rows after ROLLBACK TO b');
    await exec(conn, 'ROLLBACK TO SAVEPOINT a');
    assert.deepEqual(await ids(), [1], 'rows after ROLLBACK TO a');
    await exec(conn, 'RELEASE SAVEPOINT a');
    await expectSqlError(exec(conn, 'ROLLBACK TO SAVEPOINT a'), { errno: 1305, sqlState: '42000' }, 'ROLLBACK TO a released savepoint');
    await conn.commit();
    assert.deepEqual(await ids(), [1], 'rows after COMMIT');
  },
});

/** MY-055: READ ONLY transactions. */
export const readOnlyTransaction = defineMysqlCase({
  id: 'MY-055',
  title: 'A write in a START TRANSACTION READ ONLY transaction fails with 1792 (SQLSTATE 25006)',
  priority: 'p1',
  area: 'transactions',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my055', 'id INT PRIMARY KEY');
    await exec(conn, 'START TRANSACTION READ ONLY');
    const [r] = await rows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM my055');
    assert.equal(Number(r?.n), 0, 'a read in a READ ONLY transaction');
    await expectSqlError(exec(conn, 'INSERT INTO my055 VALUES (1)'), { errno: 1792, sqlState: '25006' }, 'INSERT in a READ ONLY transaction');
    await exec(conn, 'ROLLBACK');
    await exec(conn, 'INSERT INTO my055 VALUES (1)');
  },
});
