import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, exec, rows } from '../../_internal/case-kit.js';

/** MY-003: with autocommit off, a second session sees nothing until COMMIT. */
export const autocommit = defineMysqlCase({
  id: 'MY-003',
  title: 'Autocommit semantics: with autocommit off an insert is invisible to another session until COMMIT',
  priority: 'p0',
  area: 'transactions',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/innodb-autocommit-commit-rollback.html',
  timeoutMs: 15_000,
  async run(ctx) {
    const a = await connect(ctx);
    const b = await connect(ctx);
    const count = async (id: number): Promise<number> => Number((await rows<{ n: string }>(b, 'SELECT COUNT(*) AS n FROM my003 WHERE id = ?', [id]))[0]?.n);
    const [d] = await rows<{ ac: number | string }>(a, 'SELECT @@autocommit AS ac');
    ctx.metric('defaultAutocommit', Number(d?.ac));
    ctx.log(`server default @@autocommit = ${d?.ac}`);
    await createTable(a, 'my003', 'id INT PRIMARY KEY, name VARCHAR(50)');

    await exec(a, 'SET autocommit = 0');
    const [off] = await rows<{ ac: number | string }>(a, 'SELECT @@autocommit AS ac');
    assert.equal(Number(off?.ac), 0, '@@autocommit after SET autocommit = 0');
    await exec(a, "INSERT INTO my003 VALUES (50, 'Auto')");
    assert.equal(await count(50), 0, 'rows visible to a second session before COMMIT');
    await exec(a, 'COMMIT');
    assert.equal(await count(50), 1, 'rows visible to a second session after COMMIT');

    await exec(a, "INSERT INTO my003 VALUES (51, 'Gone')");
    await exec(a, 'ROLLBACK');
    assert.equal(await count(51), 0, 'rows visible after ROLLBACK in autocommit=0');
  },
});
