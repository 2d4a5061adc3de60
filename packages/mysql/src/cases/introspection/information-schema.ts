import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, exec, rows } from '../../_internal/case-kit.js';

/** MY-074: tables and columns, as ORMs read them. */
export const tablesAndColumns = defineMysqlCase({
  id: 'MY-074',
  title: 'information_schema.TABLES and COLUMNS describe a table the way ORMs read it (types, nullability, defaults, keys, extra)',
  priority: 'p1',
  area: 'introspection',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/information-schema-columns-table.html',
  timeoutMs: 15_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(
      conn,
      'my074',
      'id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(120) NOT NULL, score DECIMAL(8,2) DEFAULT 0.00, created DATETIME(3) NULL, UNIQUE KEY uq_email (email)',
    );
    const t = await rows<{ TABLE_NAME: string; TABLE_TYPE: string; ENGINE: string }>(
      conn,
      'SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      ['my074'],
    );
    assert.deepEqual(t.map((x) => [x.TABLE_NAME, x.TABLE_TYPE]), [['my074', 'BASE TABLE']], 'information_schema.TABLES row');

    const cols = await rows<Record<string, unknown>>(
      conn,
      `SELECT COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, EXTRA, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'my074' ORDER BY ORDINAL_POSITION`,
    );
    // MySQL 8.0.19+ no longer shows a display width for integers: bigint unsigned, not bigint(20) unsigned.
    const idType = /\(20\)/.test(String(cols[0]?.COLUMN_TYPE)) ? 'bigint(20) unsigned' : 'bigint unsigned';
    assert.deepEqual(
      cols.map((c) => [c.COLUMN_NAME, Number(c.ORDINAL_POSITION), c.DATA_TYPE, String(c.COLUMN_TYPE).toLowerCase(), c.IS_NULLABLE, c.COLUMN_KEY, String(c.EXTRA).toLowerCase()]),
      [
        ['id', 1, 'bigint', idType, 'NO', 'PRI', 'auto_increment'],
        ['email', 2, 'varchar', 'varchar(120)', 'NO', 'UNI', ''],
        ['score', 3, 'decimal', 'decimal(8,2)', 'YES', '', ''],
        ['created', 4, 'datetime', 'datetime(3)', 'YES', '', ''],
      ],
      'information_schema.COLUMNS rows',
    );
    assert.deepEqual([Number(cols[1]?.CHARACTER_MAXIMUM_LENGTH), Number(cols[2]?.NUMERIC_PRECISION), Number(cols[2]?.NUMERIC_SCALE)], [120, 8, 2], 'lengths and precision');
  },
});

/** MY-075: indexes and foreign keys. */
export const indexesAndForeignKeys = defineMysqlCase({
  id: 'MY-075',
  title: 'information_schema.STATISTICS, KEY_COLUMN_USAGE and REFERENTIAL_CONSTRAINTS describe indexes and foreign keys',
  priority: 'p1',
  area: 'introspection',
  timeoutMs: 15_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(conn, 'DROP TABLE IF EXISTS my075_child');
    await createTable(conn, 'my075_parent', 'id INT PRIMARY KEY');
    await createTable(conn, 'my075_child', 'id INT PRIMARY KEY, pid INT, a INT, b INT, KEY ix_ab (a, b), CONSTRAINT fk_my075 FOREIGN KEY (pid) REFERENCES my075_parent(id) ON DELETE CASCADE');

    const st = await rows<{ INDEX_NAME: string; SEQ_IN_INDEX: number; COLUMN_NAME: string; NON_UNIQUE: number }>(
      conn,
      "SELECT INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'my075_child' AND INDEX_NAME = 'ix_ab' ORDER BY SEQ_IN_INDEX",
    );
    assert.deepEqual(st.map((s) => [s.COLUMN_NAME, Number(s.SEQ_IN_INDEX), Number(s.NON_UNIQUE)]), [['a', 1, 1], ['b', 2, 1]], 'STATISTICS of ix_ab');

    const k = await rows<Record<string, string>>(
      conn,
      "SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'my075_child' AND REFERENCED_TABLE_NAME IS NOT NULL",
    );
    assert.deepEqual(
      k.map((x) => [x.CONSTRAINT_NAME, x.COLUMN_NAME, x.REFERENCED_TABLE_SCHEMA, x.REFERENCED_TABLE_NAME, x.REFERENCED_COLUMN_NAME]),
      [['fk_my075', 'pid', ctx.target.namespace, 'my075_parent', 'id']],
      'KEY_COLUMN_USAGE of the foreign key',
    );

    const rc = await rows<Record<string, string>>(
      conn,
      "SELECT DELETE_RULE, UPDATE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'fk_my075'",
    );
    assert.deepEqual(rc.map((x) => [x.DELETE_RULE, x.UPDATE_RULE]), [['CASCADE', 'RESTRICT']], 'REFERENTIAL_CONSTRAINTS rules');
  },
});
