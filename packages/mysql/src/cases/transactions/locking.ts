import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { blockedFor, connect, createTable, defineMysqlCase, exec, rejectionOf, rows, sleep } from '../../_internal/case-kit.js';

/** MY-056: a lock wait ends at innodb_lock_wait_timeout. */
export const lockWaitTimeout = defineMysqlCase({
  id: 'MY-056',
  title: 'A row lock held by another session ends in 1205 lock wait timeout (SQLSTATE HY000) after innodb_lock_wait_timeout',
  priority: 'p1',
  area: 'transactions',
  timeoutMs: 20_000,
  async run(ctx) {
    const a = await connect(ctx);
    const b = await connect(ctx);
    await createTable(a, 'my056', 'id INT PRIMARY KEY, v INT');
    await exec(a, 'INSERT INTO my056 VALUES (1, 0)');
    await exec(a, 'BEGIN');
    await exec(a, 'UPDATE my056 SET v = 1 WHERE id = 1');
    await exec(b, 'SET SESSION innodb_lock_wait_timeout = 1');

    const t0 = Date.now();
    await expectSqlError(exec(b, 'UPDATE my056 SET v = 2 WHERE id = 1'), { errno: 1205, sqlState: 'HY000' }, 'UPDATE of a row locked by another session');
    const waited = Date.now() - t0;
    ctx.metric('waitedMs', waited);
    assert.ok(waited >= 800, `the lock wait ended after ${waited} ms, before the 1 s timeout`);

    await exec(a, 'ROLLBACK');
    const ok = await exec(b, 'UPDATE my056 SET v = 2 WHERE id = 1');
    assert.equal(ok.affectedRows, 1, 'the UPDATE once the lock is gone');
  },
});

/** MY-057: a deadlock has exactly one victim. */
export const deadlock = defineMysqlCase({
  id: 'MY-057',
  title: 'Two sessions locking rows in opposite order: one is chosen as deadlock victim with 1213 (SQLSTATE 40001)',
  priority: 'p1',
  area: 'transactions',
  timeoutMs: 20_000,
  async run(ctx) {
    const a = await connect(ctx);
    const b = await connect(ctx);
    await createTable(a, 'my057', 'id INT PRIMARY KEY, v INT');
    await exec(a, 'INSERT INTO my057 VALUES (1, 0), (2, 0)');
    for (const c of [a, b]) await exec(c, 'SET SESSION innodb_lock_wait_timeout = 10');
    await exec(a, 'BEGIN');
    await exec(b, 'BEGIN');
    await exec(a, 'UPDATE my057 SET v = 1 WHERE id = 1');
    await exec(b, 'UPDATE my057 SET v = 2 WHERE id = 2');

    const pa = rejectionOf(exec(a, 'UPDATE my057 SET v = 1 WHERE id = 2'));
    await sleep(200, ctx.signal);
    const pb = rejectionOf(exec(b, 'UPDATE my057 SET v = 2 WHERE id = 1'));
    const [ea, eb] = await Promise.all([pa, pb]);

    const victims = [ea, eb].filter((e) => e !== null);
    assert.equal(victims.length, 1, 'number of sessions that received an error');
    assert.deepEqual([victims[0]?.errno, victims[0]?.sqlState], [1213, '40001'], 'the deadlock victim error');
    ctx.metric('victim', ea ? 'first' : 'second');
    await exec(a, 'ROLLBACK');
    await exec(b, 'ROLLBACK');
  },
});

/** MY-059: FOR UPDATE locks block writers. */
export const selectForUpdate = defineMysqlCase({
  id: 'MY-059',
  title: 'SELECT … FOR UPDATE blocks a concurrent writer until the lock holder commits',
  priority: 'p2',
  area: 'transactions',
  timeoutMs: 15_000,
  async run(ctx) {
    const a = await connect(ctx);
    const b = await connect(ctx);
    await createTable(a, 'my059', 'id INT PRIMARY KEY, v INT');
    await exec(a, 'INSERT INTO my059 VALUES (1, 0)');
    await exec(a, 'BEGIN');
    await rows(a, 'SELECT * FROM my059 WHERE id = 1 FOR UPDATE');

    const writer = exec(b, 'UPDATE my059 SET v = v + 1 WHERE id = 1');
    assert.ok(await blockedFor(ctx, writer, 500), 'the concurrent UPDATE finished while the row was locked FOR UPDATE');
    await exec(a, 'UPDATE my059 SET v = 10 WHERE id = 1');
    await exec(a, 'COMMIT');
    await writer;

    const [r] = await rows<{ v: number }>(a, 'SELECT v FROM my059 WHERE id = 1');
    assert.equal(Number(r?.v), 11, 'value after both writers');
  },
});
