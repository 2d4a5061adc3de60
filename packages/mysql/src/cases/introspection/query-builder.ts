import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, openKysely } from '../../_internal/case-kit.js';

/** MY-076: Kysely's introspector. */
export const kyselyIntrospection = defineMysqlCase({
  id: 'MY-076',
  title: "Kysely's introspector lists the namespace's tables and columns",
  priority: 'p2',
  area: 'introspection',
  timeoutMs: 15_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my076', 'id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(10) NULL');
    const db = await openKysely<unknown>(ctx, 1);
    const tables = await db.introspection.getTables();
    const t = tables.find((x) => x.name === 'my076');
    assert.ok(t !== undefined, `Kysely did not find table my076 (found ${tables.map((x) => x.name).join(', ')})`);
    assert.deepEqual(
      t.columns.map((c) => [c.name, c.dataType, c.isNullable, c.isAutoIncrementing]),
      [
        ['id', 'int', false, true],
        ['label', 'varchar', true, false],
      ],
      'columns as Kysely sees them',
    );
  },
});
