import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, exec, rows } from '../../_internal/case-kit.js';

/** MY-066: strict mode turns bad values into errors. */
export const strictMode = defineMysqlCase({
  id: 'MY-066',
  title: 'Strict sql_mode: an out-of-range value is 1264 (22003) and a too-long string 1406 (22001)',
  priority: 'p1',
  area: 'warnings',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sql-mode-strict',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(conn, "SET SESSION sql_mode = 'STRICT_ALL_TABLES'");
    await createTable(conn, 'my066', 't TINYINT, s VARCHAR(3)');
    await expectSqlError(exec(conn, 'INSERT INTO my066 (t) VALUES (300)'), { errno: 1264, sqlState: '22003' }, 'TINYINT 300 in strict mode');
    await expectSqlError(exec(conn, "INSERT INTO my066 (s) VALUES ('abcdef')"), { errno: 1406, sqlState: '22001' }, 'VARCHAR(3) abcdef in strict mode');
    const [r] = await rows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM my066');
    assert.equal(Number(r?.n), 0, 'rows after rejected inserts');
  },
});

/** MY-067: warnings in the OK packet and SHOW WARNINGS. */
export const truncationWarnings = defineMysqlCase({
  id: 'MY-067',
  title: 'Non-strict sql_mode: truncation is a warning; the OK packet counts it and SHOW WARNINGS lists 1265',
  priority: 'p1',
  area: 'warnings',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/show-warnings.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(conn, "SET SESSION sql_mode = ''");
    await createTable(conn, 'my067', 's VARCHAR(3)');
    const ok = await exec(conn, "INSERT INTO my067 VALUES ('abcdef')");
    assert.equal(ok.warningStatus, 1, 'warning count in the OK packet');
    const w = await rows<{ Level: string; Code: number }>(conn, 'SHOW WARNINGS');
    assert.deepEqual(w.map((x) => [x.Level, Number(x.Code)]), [['Warning', 1265]], 'SHOW WARNINGS');
    const [c1] = await rows<{ n: number }>(conn, 'SELECT @@warning_count AS n');
    assert.equal(Number(c1?.n), 1, '@@warning_count after the truncating INSERT (SHOW WARNINGS does not reset it)');
    const clean = await exec(conn, "INSERT INTO my067 VALUES ('ok')");
    assert.equal(clean.warningStatus, 0, 'warning count in the OK packet of an INSERT without warnings');
    const [v] = await rows<{ s: string }>(conn, 'SELECT s FROM my067');
    assert.equal(v?.s, 'abc', 'the truncated value');
  },
});

/** MY-068: division by zero, an error or a warning depending on the statement. */
export const divisionByZero = defineMysqlCase({
  id: 'MY-068',
  title: 'Division by zero: an error 1365 on INSERT under strict ERROR_FOR_DIVISION_BY_ZERO, a NULL with a warning in SELECT',
  priority: 'p1',
  area: 'warnings',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sqlmode_error_for_division_by_zero',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(conn, "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO'");
    await createTable(conn, 'my068', 'v INT');
    await expectSqlError(exec(conn, 'INSERT INTO my068 VALUES (1 / 0)'), { errno: 1365, sqlState: '22012' }, 'INSERT of 1/0 in strict mode');
    const [r] = await rows<{ v: unknown }>(conn, 'SELECT 1 / 0 AS v');
    assert.equal(r?.v, null, 'SELECT 1/0');
    const w = await rows<{ Code: number }>(conn, 'SHOW WARNINGS');
    assert.deepEqual(w.map((x) => Number(x.Code)), [1365], 'warnings after SELECT 1/0');
  },
});
