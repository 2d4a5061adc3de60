import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, defineMysqlCase, exec, rows, sleep } from '../../_internal/case-kit.js';

/** MY-080: temporary tables belong to their session. */
export const temporaryTables = defineMysqlCase({
  id: 'MY-080',
  title: 'Temporary tables are private to their session and vanish when it ends',
  priority: 'p2',
  area: 'connection',
  timeoutMs: 10_000,
  async run(ctx) {
    const a = await connect(ctx);
    const b = await connect(ctx);
    await exec(a, 'CREATE TEMPORARY TABLE my080 (id INT)');
    await exec(a, 'INSERT INTO my080 VALUES (1)');
    await expectSqlError(b.query('SELECT * FROM my080'), { errno: 1146 }, 'another session reading the temporary table');
    const [r] = await rows<{ n: number }>(a, 'SELECT COUNT(*) AS n FROM my080');
    assert.equal(Number(r?.n), 1, 'the owning session reading its temporary table');
  },
});

/** MY-081: named locks. */
export const namedLocks = defineMysqlCase({
  id: 'MY-081',
  title: 'GET_LOCK / RELEASE_LOCK: a named lock is exclusive across sessions and released on demand',
  priority: 'p2',
  area: 'transactions',
  timeoutMs: 10_000,
  async run(ctx) {
    const a = await connect(ctx);
    const b = await connect(ctx);
    const name = `${ctx.target.namespace}_lock`;
    const get = async (c: typeof a, t: number): Promise<number> => Number((await rows<{ v: number }>(c, 'SELECT GET_LOCK(?, ?) AS v', [name, t]))[0]?.v);
    const release = async (c: typeof a): Promise<number> => Number((await rows<{ v: number }>(c, 'SELECT RELEASE_LOCK(?) AS v', [name]))[0]?.v);

    assert.equal(await get(a, 1), 1, 'GET_LOCK in the first session');
    assert.equal(await get(b, 0), 0, 'GET_LOCK in the second session while held');
    assert.equal(await release(a), 1, 'RELEASE_LOCK');
    await sleep(10, ctx.signal);
    assert.equal(await get(b, 1), 1, 'GET_LOCK in the second session after release');
    await release(b);
  },
});
