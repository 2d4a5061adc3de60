import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, rows } from '../../_internal/case-kit.js';

/** MY-077: the SHOW statements tools send. */
export const showStatements = defineMysqlCase({
  id: 'MY-077',
  title: 'SHOW CREATE TABLE, SHOW COLUMNS, SHOW INDEX and SHOW TABLES answer for a table of the namespace',
  priority: 'p2',
  area: 'introspection',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my077', 'id INT PRIMARY KEY, v VARCHAR(5)');
    const [sc] = await rows<Record<string, string>>(conn, 'SHOW CREATE TABLE my077');
    assert.match(sc?.['Create Table'] ?? '', /CREATE TABLE `my077`/, `SHOW CREATE TABLE returned ${JSON.stringify(sc)}`);
    const cols = await rows<{ Field: string; Key: string }>(conn, 'SHOW COLUMNS FROM my077');
    assert.deepEqual(cols.map((c) => [c.Field, c.Key]), [['id', 'PRI'], ['v', '']], 'SHOW COLUMNS');
    const idx = await rows<{ Key_name: string; Column_name: string }>(conn, 'SHOW INDEX FROM my077');
    assert.deepEqual(idx.map((c) => [c.Key_name, c.Column_name]), [['PRIMARY', 'id']], 'SHOW INDEX');
    const tabs = await rows<Record<string, string>>(conn, "SHOW TABLES LIKE 'my077'");
    assert.deepEqual(tabs.map((x) => Object.values(x)[0]), ['my077'], 'SHOW TABLES');
  },
});
