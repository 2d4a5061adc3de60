import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase } from '../../_internal/case-kit.js';

const COLUMN_DEFINITION = 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_column_definition.html';

/** MY-048: column definitions without rows. */
export const emptyResultMetadata = defineMysqlCase({
  id: 'MY-048',
  title: 'An empty result set still carries its column definitions',
  priority: 'p1',
  area: 'results',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my048', 'id INT PRIMARY KEY, name VARCHAR(10)');
    const [r, fields] = await conn.query('SELECT id, name AS label FROM my048 WHERE 1 = 0');
    assert.equal((r as unknown[]).length, 0, 'rows');
    assert.deepEqual((fields ?? []).map((f) => f.name), ['id', 'label'], 'column names of an empty result (text protocol)');
    const [xr, xf] = await conn.execute('SELECT id, name AS label FROM my048 WHERE id = ?', [1]);
    assert.equal((xr as unknown[]).length, 0, 'rows (binary protocol)');
    assert.deepEqual((xf ?? []).map((f) => f.name), ['id', 'label'], 'column names of an empty result (binary protocol)');
  },
});

/** MY-049: what a column definition names, its type and flags. */
export const columnDefinitions = defineMysqlCase({
  id: 'MY-049',
  title: 'Column definitions name the schema, table, original table, column and original column',
  priority: 'p1',
  area: 'results',
  spec: COLUMN_DEFINITION,
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my049', 'id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(10)');
    const [, fields] = await conn.query('SELECT t.id, t.name AS label FROM my049 AS t');
    const f = fields as unknown as Array<{ db: string; table: string; orgTable: string; name: string; orgName: string; flags: number; columnType: number }>;
    const ns = ctx.target.namespace;
    assert.deepEqual(
      f.map((x) => [x.db, x.table, x.orgTable, x.name, x.orgName]),
      [
        [ns, 't', 'my049', 'id', 'id'],
        [ns, 't', 'my049', 'label', 'name'],
      ],
      '[schema, table, org_table, name, org_name]',
    );
    assert.equal(f[0]?.columnType, 3, 'type of an INT column (MYSQL_TYPE_LONG)');
    assert.equal(f[1]?.columnType, 253, 'type of a VARCHAR column (MYSQL_TYPE_VAR_STRING)');
    const flags = f[0]?.flags ?? 0;
    assert.ok((flags & 0x1) !== 0 && (flags & 0x2) !== 0 && (flags & 0x200) !== 0, `flags 0x${flags.toString(16)} of the id column: expected NOT_NULL, PRI_KEY and AUTO_INCREMENT`);
  },
});
