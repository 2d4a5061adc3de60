import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, exec, rows } from '../../_internal/case-kit.js';

/** MY-058: REPEATABLE READ versus READ COMMITTED. */
export const isolationLevels = defineMysqlCase({
  id: 'MY-058',
  title: 'Isolation: REPEATABLE READ keeps its snapshot, READ COMMITTED sees a concurrent commit',
  priority: 'p1',
  area: 'transactions',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/innodb-transaction-isolation-levels.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const a = await connect(ctx);
    const w = await connect(ctx);
    await createTable(a, 'my058', 'id INT PRIMARY KEY');
    const count = async (): Promise<number> => Number((await rows<{ n: number }>(a, 'SELECT COUNT(*) AS n FROM my058'))[0]?.n);

    await exec(a, 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await exec(a, 'START TRANSACTION');
    assert.equal(await count(), 0, 'first read in REPEATABLE READ');
    await exec(w, 'INSERT INTO my058 VALUES (1)');
    assert.equal(await count(), 0, 'second read in REPEATABLE READ after a concurrent commit');
    await exec(a, 'COMMIT');

    await exec(a, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await exec(a, 'START TRANSACTION');
    assert.equal(await count(), 1, 'first read in READ COMMITTED');
    await exec(w, 'INSERT INTO my058 VALUES (2)');
    assert.equal(await count(), 2, 'second read in READ COMMITTED after a concurrent commit');
    await exec(a, 'COMMIT');
  },
});
