import assert from 'node:assert/strict';
import { closeConnection } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, exec, rejectionOf, rows, waitFor } from '../../_internal/case-kit.js';
import type { Connection } from 'mysql2/promise';

/** MY-060: KILL QUERY. */
export const killQuery = defineMysqlCase({
  id: 'MY-060',
  title: 'KILL QUERY interrupts a running statement of another session with 1317 and keeps that session usable',
  priority: 'p1',
  area: 'errors',
  timeoutMs: 20_000,
  async run(ctx) {
    const victim = await connect(ctx);
    const killer = await connect(ctx);
    await createTable(killer, 'my060', 'a INT');
    await exec(killer, 'INSERT INTO my060 VALUES ' + Array.from({ length: 1000 }, (_, i) => `(${i})`).join(','));
    const victimId = Number(victim.threadId);
    // Whatever happens, the huge join must not outlive the case on the server. (A fresh
    // connection: the case's own are destroyed when the case is aborted.)
    ctx.defer(async () => {
      const c = await ctx.target.connect().catch(() => null);
      if (!c) return;
      await c.query(`KILL QUERY ${victimId}`).catch(() => undefined);
      await closeConnection(c);
    });

    const running = rejectionOf(rows(victim, 'SELECT COUNT(*) AS n FROM my060 a, my060 b, my060 c, my060 d'));
    // KILL QUERY only interrupts a statement the server is already running; one that arrives later
    // (a slow hop on the way) would then run for hours. So the kill waits until the server shows the
    // join running, instead of a fixed pause that a slower link outlasts.
    await waitFor(ctx, async () => (await runningQueries(killer, victimId)) > 0, 5_000, 'the join never showed up as running in the process list');
    await exec(killer, `KILL QUERY ${victimId}`);
    const err = await running;

    assert.ok(err !== null, 'the statement finished although it was killed');
    assert.deepEqual([err.errno, err.sqlState], [1317, '70100'], 'error of the killed statement');
    const [r] = await rows<{ v: number }>(victim, 'SELECT 1 AS v');
    assert.equal(Number(r?.v), 1, 'the session after KILL QUERY');
  },
});

/** How many statements of thread `id` the server is running (its process list entry in the Query command). */
async function runningQueries(conn: Connection, id: number): Promise<number> {
  const [r] = await rows<{ n: string }>(conn, "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ? AND COMMAND = 'Query'", [id]);
  return Number(r?.n);
}
