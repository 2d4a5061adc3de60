import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, defineMysqlCase, exec, liveThreads, rows, waitFor } from '../../_internal/case-kit.js';

/** MY-009: COM_PING. */
export const ping = defineMysqlCase({
  id: 'MY-009',
  title: 'COM_PING answers OK on an idle session, repeatedly',
  priority: 'p0',
  area: 'connection',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_ping.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    for (let i = 0; i < 5; i++) await conn.ping();
    const [r] = await rows<{ v: number }>(conn, 'SELECT 7 AS v');
    assert.equal(Number(r?.v), 7, 'query after pings');
  },
});

/** MY-010: COM_RESET_CONNECTION. */
export const resetConnection = defineMysqlCase({
  id: 'MY-010',
  title: 'COM_RESET_CONNECTION clears user variables, temporary tables and open transactions but keeps the session',
  priority: 'p1',
  area: 'connection',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_reset_connection.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const id = conn.threadId;
    await exec(conn, 'DROP TABLE IF EXISTS my010');
    await exec(conn, 'CREATE TABLE my010 (id INT) ENGINE=InnoDB');
    await exec(conn, 'SET @hc_var = 42');
    await exec(conn, 'CREATE TEMPORARY TABLE my010_tmp (id INT)');
    await exec(conn, 'SET autocommit = 0');
    await exec(conn, 'INSERT INTO my010 VALUES (1)');

    await conn.reset();

    const [n] = await rows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM my010');
    assert.equal(Number(n?.n), 0, 'rows of a transaction left open at reset (must be rolled back)');
    const [r] = await rows<{ v: unknown; ac: number; id: number }>(conn, 'SELECT @hc_var AS v, @@autocommit AS ac, CONNECTION_ID() AS id');
    assert.equal(r?.v, null, '@hc_var after reset');
    assert.equal(Number(r?.ac), 1, '@@autocommit after reset');
    assert.equal(Number(r?.id), id, 'connection id after reset (same session)');
    await expectSqlError(exec(conn, 'SELECT * FROM my010_tmp'), { errno: 1146, sqlState: '42S02' }, 'temporary table after reset');
  },
});

/** MY-011: COM_CHANGE_USER. */
export const changeUser = defineMysqlCase({
  id: 'MY-011',
  title: 'COM_CHANGE_USER re-authenticates on the same connection and resets session state',
  priority: 'p1',
  area: 'connection',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_change_user.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const c = ctx.target.connection;
    await exec(conn, 'SET @hc_var = 1');

    await conn.changeUser({ user: c.user, password: c.password, database: ctx.target.namespace });

    const [r] = await rows<{ v: unknown; db: string; u: string }>(conn, 'SELECT @hc_var AS v, DATABASE() AS db, CURRENT_USER() AS u');
    assert.equal(r?.v, null, 'user variable after COM_CHANGE_USER');
    assert.equal(r?.db, ctx.target.namespace, 'DATABASE() after COM_CHANGE_USER');
    assert.ok(String(r?.u).startsWith(`${c.user}@`), `CURRENT_USER() is ${r?.u}`);
    await expectSqlError(conn.changeUser({ user: c.user, password: `${c.password ?? ''}-wrong` }), { errno: 1045 }, 'COM_CHANGE_USER with a wrong password');
  },
});

/** MY-012: COM_QUIT. */
export const quit = defineMysqlCase({
  id: 'MY-012',
  title: 'COM_QUIT ends the session: its thread disappears from the process list',
  priority: 'p2',
  area: 'connection',
  timeoutMs: 10_000,
  async run(ctx) {
    const watcher = await connect(ctx);
    const conn = await ctx.target.connect({ signal: ctx.signal });
    const id = Number(conn.threadId);
    await conn.end();
    await waitFor(ctx, async () => (await liveThreads(watcher, [id])) === 0, 5_000, `thread ${id} is still in the process list after COM_QUIT`);
  },
});
