import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connectMariadb, defineMysqlCase, loginAs, rows, tempUser } from '../../_internal/case-kit.js';

/** MY-018: mysql_native_password, where the server lists it. */
export const nativePassword = defineMysqlCase({
  id: 'MY-018',
  title: 'mysql_native_password: a user with that plugin logs in with the right password and not with a wrong one',
  priority: 'p1',
  area: 'auth',
  requires: ['auth:mysql_native_password', 'create-user'],
  timeoutMs: 15_000,
  async run(ctx) {
    const pw = 'Native-pw-1';
    const user = await tempUser(ctx, 'nat', [`IDENTIFIED WITH mysql_native_password BY '${pw}'`, `IDENTIFIED VIA mysql_native_password USING PASSWORD('${pw}')`]);
    const conn = await loginAs(ctx, user, pw);
    const [r] = await rows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
    assert.equal(r?.u, `${user}@%`, 'CURRENT_USER()');
    await expectSqlError(loginAs(ctx, user, 'nope'), { errno: 1045, sqlState: '28000' }, 'wrong password for a mysql_native_password user');
  },
});

/** MY-019: caching_sha2_password (MySQL 8), where the server lists it. */
export const cachingSha2Password = defineMysqlCase({
  id: 'MY-019',
  title: 'caching_sha2_password: a user with that plugin logs in (full authentication over TLS) and a wrong password is refused',
  priority: 'p1',
  area: 'auth',
  requires: ['auth:caching_sha2_password', 'create-user'],
  timeoutMs: 15_000,
  async run(ctx) {
    const pw = 'Sha2-pw-1';
    const user = await tempUser(ctx, 'sha', [`IDENTIFIED WITH caching_sha2_password BY '${pw}'`]);
    const conn = await loginAs(ctx, user, pw);
    const [r] = await rows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
    assert.equal(r?.u, `${user}@%`, 'CURRENT_USER()');
    await expectSqlError(loginAs(ctx, user, 'nope'), { errno: 1045, sqlState: '28000' }, 'wrong password for a caching_sha2_password user');
  },
});

/** MY-020: ed25519 (MariaDB), where the server lists it; mysql2 cannot speak it, the MariaDB connector can. */
export const ed25519 = defineMysqlCase({
  id: 'MY-020',
  title: 'ed25519 (MariaDB): a user with that plugin logs in with the MariaDB connector',
  priority: 'p2',
  area: 'auth',
  requires: ['auth:ed25519', 'create-user'],
  timeoutMs: 15_000,
  async run(ctx) {
    const pw = 'Ed-pw-1';
    const user = await tempUser(ctx, 'ed', [`IDENTIFIED VIA ed25519 USING PASSWORD('${pw}')`]);
    const conn = await connectMariadb(ctx, { user, password: pw });
    const r = (await conn.query('SELECT CURRENT_USER() AS u')) as Array<{ u: string }>;
    assert.equal(r[0]?.u, `${user}@%`, 'CURRENT_USER()');
    await expectSqlError(connectMariadb(ctx, { user, password: 'nope' }), { errno: 1045 }, 'an ed25519 login with a wrong password');
  },
});

/** MY-021: a password beyond ASCII. */
export const utf8Password = defineMysqlCase({
  id: 'MY-021',
  title: 'A password with non-ASCII UTF-8 characters authenticates',
  priority: 'p2',
  area: 'auth',
  requires: ['create-user'],
  timeoutMs: 15_000,
  async run(ctx) {
    const pw = 'pässwörd-✓-密码';
    const user = await tempUser(ctx, 'utf', `IDENTIFIED BY '${pw}'`);
    const conn = await loginAs(ctx, user, pw);
    const [r] = await rows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
    assert.equal(r?.u, `${user}@%`, 'CURRENT_USER()');
  },
});
