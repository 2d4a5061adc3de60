import assert from 'node:assert/strict';
import { closeConnection } from '@helios-conformance/sql/mysql';
import { connect, defineMysqlCase, exec, liveThreads, rejectionOf, rows, waitFor } from '../../_internal/case-kit.js';

/** MY-013: KILL CONNECTION. */
export const killConnection = defineMysqlCase({
  id: 'MY-013',
  title: 'KILL CONNECTION ends another session: its next query fails and it is gone from the process list',
  priority: 'p1',
  area: 'connection',
  timeoutMs: 10_000,
  async run(ctx) {
    const killer = await connect(ctx);
    const victim = await connect(ctx);
    const victimId = Number(victim.threadId);

    await exec(killer, `KILL CONNECTION ${victimId}`);

    const err = await rejectionOf(victim.query('SELECT 1'));
    assert.ok(err !== null, 'a killed connection still answered a query');
    ctx.log(`killed session saw: ${err.errno ?? err.code} ${err.message}`);
    await waitFor(ctx, async () => (await liveThreads(killer, [victimId])) === 0, 5_000, 'the killed thread is still in the process list');
  },
});

/** MY-014: session variables stay in their session. */
export const sessionVariables = defineMysqlCase({
  id: 'MY-014',
  title: 'Session variables: SET SESSION is private to the session and does not change the global value',
  priority: 'p1',
  area: 'connection',
  timeoutMs: 10_000,
  async run(ctx) {
    const a = await connect(ctx);
    const b = await connect(ctx);
    await exec(a, 'SET SESSION group_concat_max_len = 12345');
    const [ra] = await rows<{ s: number; g: number }>(a, 'SELECT @@SESSION.group_concat_max_len AS s, @@GLOBAL.group_concat_max_len AS g');
    assert.equal(Number(ra?.s), 12345, 'session value after SET SESSION');
    assert.notEqual(Number(ra?.g), 12345, 'SET SESSION changed the global value');
    const [rb] = await rows<{ s: number }>(b, 'SELECT @@SESSION.group_concat_max_len AS s');
    assert.notEqual(Number(rb?.s), 12345, 'SET SESSION leaked into another session');
  },
});

/** MY-015: connections come and go without leaking server threads. */
export const connectCycles = defineMysqlCase({
  id: 'MY-015',
  title: 'Thirty sequential connect/query/quit cycles leave no threads behind',
  priority: 'p2',
  area: 'connection',
  timeoutMs: 20_000,
  async run(ctx) {
    const watcher = await connect(ctx);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      const c = await ctx.target.connect({ signal: ctx.signal });
      ids.push(Number(c.threadId));
      await c.query('SELECT 1');
      await closeConnection(c);
    }
    assert.equal(new Set(ids).size, 30, 'distinct connection ids');
    await waitFor(ctx, async () => (await liveThreads(watcher, ids)) === 0, 5_000, 'threads of closed connections are still in the process list');
  },
});
