import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, defineMysqlCase, exec, rows } from '../../_internal/case-kit.js';

/** MY-065: a session survives its errors. */
export const sessionSurvivesErrors = defineMysqlCase({
  id: 'MY-065',
  title: 'Errors do not break the session: twenty failing statements in a row, then a query succeeds',
  priority: 'p0',
  area: 'errors',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    for (let i = 0; i < 10; i++) {
      await expectSqlError(exec(conn, 'SELECT * FROM my065_missing'), { errno: 1146, sqlState: '42S02' }, `failure ${i * 2 + 1}`);
      await expectSqlError(conn.execute('SELEC ?', [i]), { errno: 1064, sqlState: '42000' }, `failure ${i * 2 + 2}`);
    }
    const [r] = await rows<{ v: number }>(conn, 'SELECT 42 AS v');
    assert.equal(Number(r?.v), 42, 'a query after twenty errors');
  },
});
