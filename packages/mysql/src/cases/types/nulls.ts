import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, exec, rows, xrows } from '../../_internal/case-kit.js';

/** MY-037: the NULL bitmap of the binary protocol, and NULL in text rows. */
export const nullsEverywhere = defineMysqlCase({
  id: 'MY-037',
  title: 'NULL in every column type comes back as NULL over both protocols (NULL bitmap)',
  priority: 'p0',
  area: 'types',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const cols = ['TINYINT', 'BIGINT UNSIGNED', 'DECIMAL(10,2)', 'DOUBLE', 'DATE', 'DATETIME(6)', 'TIME', 'VARCHAR(5)', 'BLOB', 'BIT(8)', "ENUM('a')", 'JSON'];
    await createTable(conn, 'my037', `id INT PRIMARY KEY, ${cols.map((c, i) => `c${i} ${c} NULL`).join(', ')}`);
    await exec(conn, `INSERT INTO my037 (id) VALUES (1)`);
    await conn.execute(`INSERT INTO my037 VALUES (2, ${cols.map(() => '?').join(', ')})`, cols.map(() => null));
    await exec(conn, `INSERT INTO my037 (id, c0, c11) VALUES (3, 1, '[]')`);

    for (const [proto, list] of [
      ['text', await rows<Record<string, unknown>>(conn, 'SELECT * FROM my037 ORDER BY id')],
      ['binary', await xrows<Record<string, unknown>>(conn, 'SELECT * FROM my037 WHERE id > ? ORDER BY id', [0])],
    ] as const) {
      for (const r of list.slice(0, 2)) {
        for (let i = 0; i < cols.length; i++) assert.equal(r[`c${i}`], null, `${proto} protocol, row ${String(r.id)}, ${cols[i]} column`);
      }
      const third = list[2];
      assert.deepEqual([Number(third?.c0), third?.c1, third?.c5], [1, null, null], `${proto} protocol, a row with NULLs between values`);
    }
  },
});
