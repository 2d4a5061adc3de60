import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, exec, rows, xrows } from '../../_internal/case-kit.js';

/** MY-050: one statement, many executions, then COM_STMT_CLOSE. */
export const preparedReuse = defineMysqlCase({
  id: 'MY-050',
  title: 'A prepared statement is reused 200 times and closed with COM_STMT_CLOSE',
  priority: 'p1',
  area: 'prepared',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_close.html',
  // About 210 round trips one after the other: through a hop that adds up to 40 ms each way they
  // took 13-14 s of the 20 s this case used to have; 60 s leaves room for a slower link.
  timeoutMs: 60_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my050', 'id INT PRIMARY KEY, sq BIGINT');
    const stmt = await conn.prepare('INSERT INTO my050 VALUES (?, ?)');
    for (let i = 0; i < 200; i++) await stmt.execute([i, i * i]);
    await stmt.close();
    const [r] = await rows<{ n: number; s: string }>(conn, 'SELECT COUNT(*) AS n, SUM(sq) AS s FROM my050');
    assert.deepEqual([Number(r?.n), String(r?.s)], [200, String((199 * 200 * 399) / 6)], '[COUNT, SUM] after 200 executions');
    const [st] = await rows<{ Value: string }>(conn, "SHOW SESSION STATUS LIKE 'Com_stmt_close'");
    assert.ok(Number(st?.Value) >= 1, `Com_stmt_close is ${st?.Value ?? 'missing'} after closing a statement`);
  },
});

/** MY-051: errors at execute and at prepare. */
export const preparedErrors = defineMysqlCase({
  id: 'MY-051',
  title: 'Prepared statement errors: a wrong parameter count is refused (1210) and a syntax error is reported at prepare (1064)',
  priority: 'p1',
  area: 'prepared',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_prepare.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await expectSqlError(conn.execute('SELECT ? + ?', [1]), { errno: 1210, sqlState: 'HY000' }, 'executing with one parameter for two markers');
    await expectSqlError(conn.prepare('SELEC ?'), { errno: 1064, sqlState: '42000' }, 'preparing a syntax error');
    const [r] = await xrows<{ v: number }>(conn, 'SELECT ? + ? AS v', [1, 2]);
    assert.equal(Number(r?.v), 3, 'the session after prepared-statement errors');
  },
});

/** MY-052: prepared statements in SQL. */
export const sqlPrepare = defineMysqlCase({
  id: 'MY-052',
  title: 'SQL-level PREPARE / EXECUTE USING / DEALLOCATE PREPARE',
  priority: 'p2',
  area: 'prepared',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/sql-prepared-statements.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(conn, "PREPARE my052 FROM 'SELECT ? * 2 AS v'");
    await exec(conn, 'SET @x = 21');
    const [r] = await rows<{ v: number }>(conn, 'EXECUTE my052 USING @x');
    assert.equal(Number(r?.v), 42, 'EXECUTE … USING @x');
    await exec(conn, 'DEALLOCATE PREPARE my052');
    await expectSqlError(exec(conn, 'EXECUTE my052 USING @x'), { errno: 1243, sqlState: 'HY000' }, 'EXECUTE after DEALLOCATE');
  },
});
