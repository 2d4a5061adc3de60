import { loadMariadb } from '../_internal/drivers.js';
import { CAPS } from '../_internal/probe.js';
import { UNRELATED_CA_PEM } from '../_internal/unrelated-ca.js';
import { closeConnection } from '../adapter.js';
import { check, connect, eq, exec, expectError, myCase, rows, runUser, waitFor, type Ctx, type MyCase, type ServerError } from '../_internal/case-kit.js';

const HS = 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_v10.html';

/**
 * Creates a user `hc_<run>_<suffix>` for the case (dropped after it). `identified` lists
 * alternative spellings (MySQL's `IDENTIFIED WITH … BY`, MariaDB's `IDENTIFIED VIA … USING`):
 * the first one the server parses is used, so the choice comes from what the server accepts.
 */
async function tempUser(ctx: Ctx, suffix: string, identified: string | string[], extra = ''): Promise<{ user: string; admin: Awaited<ReturnType<typeof connect>> }> {
  const admin = await connect(ctx);
  const user = runUser(ctx, suffix);
  await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
  ctx.defer(() => admin.query(`DROP USER IF EXISTS '${user}'@'%'`));
  const spellings = typeof identified === 'string' ? [identified] : identified;
  for (let i = 0; i < spellings.length; i++) {
    try {
      await admin.query(`CREATE USER '${user}'@'%' ${spellings[i]} ${extra}`);
      ctx.log(`created the user with: ${spellings[i]}`);
      break;
    } catch (e) {
      if ((e as ServerError).errno !== 1064 || i === spellings.length - 1) throw e;
    }
  }
  await admin.query(`GRANT SELECT ON \`${ctx.target.namespace}\`.* TO '${user}'@'%'`);
  return { user, admin };
}

async function loginAs(ctx: Ctx, user: string, password: string, extra: Record<string, unknown> = {}): Promise<Awaited<ReturnType<typeof connect>>> {
  const conn = await ctx.target.connect({ signal: ctx.signal, extra: { user, password, ...extra } });
  ctx.defer(() => closeConnection(conn));
  return conn;
}

/** Connection phase, session commands (COM_PING, COM_RESET_CONNECTION, COM_CHANGE_USER, COM_QUIT). */
export const connectionCases: MyCase[] = [
  myCase({
    id: 'MY-007',
    title: 'Handshake v10 announces protocol 10, a server version, a scramble and the 4.1 capability flags',
    priority: 'p0',
    area: 'connection',
    spec: HS,
    timeoutMs: 5_000,
    run(ctx) {
      const h = ctx.target.handshake;
      eq(ctx, h.protocolVersion, 10, 'protocol version');
      check(ctx, h.serverVersion.length > 0, 'the handshake has an empty server version');
      check(ctx, h.scramble.length >= 20, `scramble of ${h.scramble.length} bytes, expected at least 20`);
      for (const [name, bit] of [['CLIENT_PROTOCOL_41', CAPS.PROTOCOL_41], ['CLIENT_SECURE_CONNECTION', CAPS.SECURE_CONNECTION], ['CLIENT_PLUGIN_AUTH', CAPS.PLUGIN_AUTH], ['CLIENT_TRANSACTIONS', CAPS.TRANSACTIONS], ['CLIENT_MULTI_RESULTS', CAPS.MULTI_RESULTS]] as const) {
        check(ctx, (h.capabilities & bit) !== 0, `the handshake does not announce ${name}`);
      }
      check(ctx, h.authPlugin.length > 0, 'the handshake names no default authentication plugin');
      ctx.metric('capabilities', `0x${h.capabilities.toString(16)}`);
      ctx.metric('authPlugin', h.authPlugin);
    },
  }),
  myCase({
    id: 'MY-008',
    title: 'The connection id in the handshake equals CONNECTION_ID() of the session',
    priority: 'p1',
    area: 'connection',
    spec: HS,
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      const [r] = await rows<{ id: string | number }>(conn, 'SELECT CONNECTION_ID() AS id');
      eq(ctx, Number(r?.id), conn.threadId, 'CONNECTION_ID() vs the handshake connection id');
    },
  }),
  myCase({
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
      eq(ctx, Number(r?.v), 7, 'query after pings');
    },
  }),
  myCase({
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
      eq(ctx, Number(n?.n), 0, 'rows of a transaction left open at reset (must be rolled back)');
      const [r] = await rows<{ v: unknown; ac: number; id: number }>(conn, 'SELECT @hc_var AS v, @@autocommit AS ac, CONNECTION_ID() AS id');
      eq(ctx, r?.v, null, '@hc_var after reset');
      eq(ctx, Number(r?.ac), 1, '@@autocommit after reset');
      eq(ctx, Number(r?.id), id, 'connection id after reset (same session)');
      await expectError(ctx, exec(conn, 'SELECT * FROM my010_tmp'), 1146, '42S02', 'temporary table after reset');
    },
  }),
  myCase({
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
      eq(ctx, r?.v, null, 'user variable after COM_CHANGE_USER');
      eq(ctx, r?.db, ctx.target.namespace, 'DATABASE() after COM_CHANGE_USER');
      check(ctx, String(r?.u).startsWith(`${c.user}@`), `CURRENT_USER() is ${r?.u}`);
      const wrong = await conn.changeUser({ user: c.user, password: `${c.password ?? ''}-wrong` }).then(
        () => null,
        (e: ServerError) => e,
      );
      check(ctx, wrong !== null, 'COM_CHANGE_USER with a wrong password succeeded');
      eq(ctx, wrong.errno, 1045, 'errno of COM_CHANGE_USER with a wrong password');
    },
  }),
  myCase({
    id: 'MY-012',
    title: 'COM_QUIT ends the session: its thread disappears from the process list',
    priority: 'p2',
    area: 'connection',
    timeoutMs: 10_000,
    async run(ctx) {
      const watcher = await connect(ctx);
      const conn = await ctx.target.connect({ signal: ctx.signal });
      const id = conn.threadId;
      await conn.end();
      await waitFor(
        ctx,
        async () => Number((await rows<{ n: string }>(watcher, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?', [id]))[0]?.n) === 0,
        5_000,
        `thread ${id} is still in the process list after COM_QUIT`,
      );
    },
  }),
  myCase({
    id: 'MY-013',
    title: 'KILL CONNECTION ends another session: its next query fails and it is gone from the process list',
    priority: 'p1',
    area: 'connection',
    timeoutMs: 10_000,
    async run(ctx) {
      const killer = await connect(ctx);
      const victim = await connect(ctx);
      await exec(killer, `KILL CONNECTION ${Number(victim.threadId)}`);
      const err = await victim.query('SELECT 1').then(
        () => null,
        (e: ServerError) => e,
      );
      check(ctx, err !== null, 'a killed connection still answered a query');
      ctx.log(`killed session saw: ${err.errno ?? err.code} ${err.message}`);
      await waitFor(
        ctx,
        async () => Number((await rows<{ n: string }>(killer, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?', [victim.threadId]))[0]?.n) === 0,
        5_000,
        'the killed thread is still in the process list',
      );
    },
  }),
  myCase({
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
      eq(ctx, Number(ra?.s), 12345, 'session value after SET SESSION');
      check(ctx, Number(ra?.g) !== 12345, 'SET SESSION changed the global value');
      const [rb] = await rows<{ s: number }>(b, 'SELECT @@SESSION.group_concat_max_len AS s');
      check(ctx, Number(rb?.s) !== 12345, 'SET SESSION leaked into another session');
    },
  }),
  myCase({
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
      eq(ctx, new Set(ids).size, 30, 'distinct connection ids');
      await waitFor(
        ctx,
        async () => Number((await rows<{ n: string }>(watcher, `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID IN (${ids.join(',')})`))[0]?.n) === 0,
        5_000,
        'threads of closed connections are still in the process list',
      );
    },
  }),
  myCase({
    id: 'MY-016',
    title: 'A wrong password is refused with error 1045 (SQLSTATE 28000)',
    priority: 'p0',
    area: 'auth',
    timeoutMs: 10_000,
    async run(ctx) {
      const c = ctx.target.connection;
      const e = await expectError(ctx, () => ctx.target.connect({ signal: ctx.signal, extra: { password: `${c.password ?? ''}x-wrong` } }).then((x) => closeConnection(x)), 1045, '28000', 'login with a wrong password');
      check(ctx, !e.message.includes(`${c.password ?? ''}x-wrong`), 'the error message echoes the password');
    },
  }),
  myCase({
    id: 'MY-017',
    title: 'An unknown database at login is refused with error 1049 (SQLSTATE 42000)',
    priority: 'p1',
    area: 'auth',
    timeoutMs: 10_000,
    async run(ctx) {
      await expectError(ctx, () => ctx.target.connect({ signal: ctx.signal, database: `${ctx.target.namespace}_missing` }).then((x) => closeConnection(x)), 1049, '42000', 'login into a missing database');
    },
  }),
  myCase({
    id: 'MY-018',
    title: 'mysql_native_password: a user with that plugin logs in with the right password and not with a wrong one',
    priority: 'p1',
    area: 'auth',
    requires: ['auth:mysql_native_password', 'create-user'],
    timeoutMs: 15_000,
    async run(ctx) {
      const pw = 'Native-pw-1';
      const { user } = await tempUser(ctx, 'nat', [`IDENTIFIED WITH mysql_native_password BY '${pw}'`, `IDENTIFIED VIA mysql_native_password USING PASSWORD('${pw}')`]);
      const conn = await loginAs(ctx, user, pw);
      const [r] = await rows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
      eq(ctx, r?.u, `${user}@%`, 'CURRENT_USER()');
      await expectError(ctx, () => loginAs(ctx, user, 'nope'), 1045, '28000', 'wrong password for a mysql_native_password user');
    },
  }),
  myCase({
    id: 'MY-019',
    title: 'caching_sha2_password: a user with that plugin logs in (full authentication over TLS) and a wrong password is refused',
    priority: 'p1',
    area: 'auth',
    requires: ['auth:caching_sha2_password', 'create-user'],
    timeoutMs: 15_000,
    async run(ctx) {
      const pw = 'Sha2-pw-1';
      const { user } = await tempUser(ctx, 'sha', [`IDENTIFIED WITH caching_sha2_password BY '${pw}'`]);
      const conn = await loginAs(ctx, user, pw);
      const [r] = await rows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
      eq(ctx, r?.u, `${user}@%`, 'CURRENT_USER()');
      await expectError(ctx, () => loginAs(ctx, user, 'nope'), 1045, '28000', 'wrong password for a caching_sha2_password user');
    },
  }),
  myCase({
    id: 'MY-020',
    title: 'ed25519 (MariaDB): a user with that plugin logs in with the MariaDB connector',
    priority: 'p2',
    area: 'auth',
    requires: ['auth:ed25519', 'create-user'],
    timeoutMs: 15_000,
    async run(ctx) {
      const pw = 'Ed-pw-1';
      const { user } = await tempUser(ctx, 'ed', [`IDENTIFIED VIA ed25519 USING PASSWORD('${pw}')`]);
      const mariadb = await loadMariadb();
      const c = ctx.target.connection;
      const base = { host: c.host, port: c.port, user, database: ctx.target.namespace, ...(c.ssl ? { ssl: c.ssl as never } : {}), connectTimeout: c.connectTimeoutMs };
      const conn = await mariadb.createConnection({ ...base, password: pw });
      ctx.defer(() => conn.end().catch(() => conn.destroy()));
      const r = (await conn.query('SELECT CURRENT_USER() AS u')) as Array<{ u: string }>;
      eq(ctx, r[0]?.u, `${user}@%`, 'CURRENT_USER()');
      const bad = await mariadb.createConnection({ ...base, password: 'nope' }).then(
        async (x) => {
          await x.end();
          return null;
        },
        (e: ServerError) => e,
      );
      check(ctx, bad !== null, 'an ed25519 login with a wrong password succeeded');
      eq(ctx, bad.errno, 1045, 'errno of a wrong ed25519 password');
    },
  }),
  myCase({
    id: 'MY-021',
    title: 'A password with non-ASCII UTF-8 characters authenticates',
    priority: 'p2',
    area: 'auth',
    requires: ['create-user'],
    timeoutMs: 15_000,
    async run(ctx) {
      const pw = 'pässwörd-✓-密码';
      const { user } = await tempUser(ctx, 'utf', `IDENTIFIED BY '${pw}'`);
      const conn = await loginAs(ctx, user, pw);
      const [r] = await rows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
      eq(ctx, r?.u, `${user}@%`, 'CURRENT_USER()');
    },
  }),
  myCase({
    id: 'MY-022',
    title: 'TLS: the session is encrypted (Ssl_cipher and Ssl_version are set, TLS 1.2 or newer)',
    priority: 'p1',
    area: 'tls',
    requires: ['tls'],
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      const st = await rows<{ Variable_name: string; Value: string }>(conn, "SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_cipher', 'Ssl_version')");
      const m = Object.fromEntries(st.map((r) => [r.Variable_name, r.Value]));
      check(ctx, (m.Ssl_cipher ?? '') !== '', 'Ssl_cipher is empty on a TLS session');
      check(ctx, /^TLSv1\.[23]$/.test(m.Ssl_version ?? ''), `Ssl_version is "${m.Ssl_version ?? ''}", expected TLSv1.2 or TLSv1.3`);
      ctx.metric('tls', m);
    },
  }),
  myCase({
    id: 'MY-023',
    title: 'TLS verified: the server certificate verifies against the given CA and is refused against an unrelated CA',
    priority: 'p1',
    area: 'tls',
    requires: ['tls-verified'],
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await conn.ping();
      const ssl = ctx.target.connection.ssl ?? {};
      const err = await ctx.target.connect({ signal: ctx.signal, extra: { ssl: { ...ssl, ca: UNRELATED_CA_PEM, rejectUnauthorized: true } } }).then(
        async (c) => {
          await closeConnection(c);
          return null;
        },
        (e: ServerError) => e,
      );
      check(ctx, err !== null, 'a verifying TLS client accepted the server certificate against an unrelated CA: verification proves nothing');
      ctx.log(`against an unrelated CA: ${err.code ?? ''} ${err.message}`);
    },
  }),
  myCase({
    id: 'MY-024',
    title: 'REQUIRE SSL: a user that requires TLS is refused over plain TCP and accepted over TLS',
    priority: 'p1',
    area: 'tls',
    requires: ['tls', 'create-user'],
    timeoutMs: 15_000,
    async run(ctx) {
      const pw = 'Tls-pw-1';
      const { user } = await tempUser(ctx, 'tls', `IDENTIFIED BY '${pw}'`, 'REQUIRE SSL');
      const conn = await loginAs(ctx, user, pw);
      await conn.ping();
      await expectError(ctx, () => loginAs(ctx, user, pw, { ssl: undefined }), 1045, '28000', 'plain-TCP login of a REQUIRE SSL user');
    },
  }),
];
