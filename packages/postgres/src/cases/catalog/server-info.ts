import assert from 'node:assert/strict';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

/** PG-098: version() and server_version_num, as drivers and BI tools parse them. */
export const serverVersion = definePgCase({
  id: 'PG-098',
  title: "version() starts with 'PostgreSQL'; server_version_num is an integer consistent with server_version",
  priority: 'p0',
  area: 'catalog',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/functions-info.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-098');
    const r = await c.query<{ v: string; num: string; sv: string }>(
      "SELECT version() AS v, current_setting('server_version_num') AS num, current_setting('server_version') AS sv",
    );
    const row = r.rows[0];
    ctx.metric('version', row?.v);
    ctx.metric('server_version_num', row?.num);
    assert.ok(typeof row?.v === 'string' && row.v.startsWith('PostgreSQL '), `version() must start with "PostgreSQL ", got ${JSON.stringify(row?.v)}`);
    assert.match(String(row?.num), /^\d{5,6}$/, `current_setting('server_version_num') must be an integer like 150004, got ${JSON.stringify(row?.num)}`);
    const num = Number(row?.num);
    // 10 and later: major * 10000 + minor; 9.x: 90000 + minor version * 100 + patch.
    const major = num >= 100000 ? String(Math.floor(num / 10000)) : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`;
    assert.ok(
      String(row?.sv).startsWith(major),
      `server_version ${JSON.stringify(row?.sv)} must begin with the major version ${major} encoded in server_version_num ${num}`,
    );
    const show = await c.query<{ server_version_num: string }>('SHOW server_version_num');
    assert.equal(show.rows[0]?.server_version_num, row?.num, 'SHOW server_version_num must agree with current_setting()');
    const typed = await c.query<{ n: number }>("SELECT current_setting('server_version_num')::int AS n");
    assert.equal(typed.rows[0]?.n, num, 'server_version_num must cast to the same integer on the server');
  },
});

/** PG-099: session identity functions and SHOW ALL. */
export const sessionInfo = definePgCase({
  id: 'PG-099',
  title: 'current_schema() is the run schema, current_user/current_database() match the login, pg_backend_pid() is stable, SHOW ALL returns the settings',
  priority: 'p1',
  area: 'catalog',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/functions-info.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-099');
    const { user, database } = ctx.target.connection;
    const r = await c.query<{ schema: string; usr: string; db: string; pid: number }>(
      'SELECT current_schema() AS schema, current_user::text AS usr, current_database()::text AS db, pg_backend_pid() AS pid',
    );
    const row = r.rows[0];
    assert.equal(row?.schema, ctx.target.namespace, `current_schema() must be the run schema ${ctx.target.namespace} (search_path), got ${JSON.stringify(row?.schema)}`);
    assert.equal(row?.usr, user, `current_user must be the login user ${user}, got ${JSON.stringify(row?.usr)}`);
    assert.equal(row?.db, database, `current_database() must be ${database}, got ${JSON.stringify(row?.db)}`);
    assert.ok(Number.isInteger(row?.pid) && (row?.pid ?? 0) > 0, `pg_backend_pid() must be a positive integer, got ${JSON.stringify(row?.pid)}`);
    const again = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    assert.equal(again.rows[0]?.pid, row?.pid, 'pg_backend_pid() must stay the same within a session');

    const all = await c.query<{ name: string; setting: string; description: string }>('SHOW ALL');
    const names = all.fields.map((f) => f.name);
    assert.deepEqual(names, ['name', 'setting', 'description'], `SHOW ALL must return columns name, setting, description, got ${names.join(', ')}`);
    ctx.metric('showAllRows', all.rows.length);
    assert.ok(all.rows.length >= 50, `SHOW ALL must list the server's settings (expected at least 50 rows), got ${all.rows.length}`);
    const setting = new Map(all.rows.map((s) => [s.name, s.setting]));
    const expected: Record<string, string> = {
      client_encoding: 'UTF8',
      standard_conforming_strings: 'on',
      integer_datetimes: 'on',
      search_path: `"${ctx.target.namespace}"`,
    };
    for (const [name, value] of Object.entries(expected)) {
      const got = setting.get(name);
      assert.ok(got === value || (name === 'search_path' && got === ctx.target.namespace), `SHOW ALL must report ${name} = ${value}, got ${JSON.stringify(got)}`);
    }
    const tz = await c.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz");
    assert.equal(setting.get('TimeZone'), tz.rows[0]?.tz, `SHOW ALL's TimeZone must agree with current_setting('TimeZone'), got ${JSON.stringify(setting.get('TimeZone'))}`);
  },
});
