import assert from 'node:assert/strict';
import { closeConnection, expectSqlError } from '@helios-conformance/sql/mysql';
import { defineMysqlCase } from '../../_internal/case-kit.js';

/** MY-016: a wrong password. */
export const wrongPassword = defineMysqlCase({
  id: 'MY-016',
  title: 'A wrong password is refused with error 1045 (SQLSTATE 28000)',
  priority: 'p0',
  area: 'auth',
  timeoutMs: 10_000,
  async run(ctx) {
    const wrong = `${ctx.target.connection.password ?? ''}x-wrong`;
    const login = ctx.target.connect({ signal: ctx.signal, extra: { password: wrong } }).then((c) => closeConnection(c));
    const e = await expectSqlError(login, { errno: 1045, sqlState: '28000' }, 'login with a wrong password');
    assert.ok(!e.message.includes(wrong), 'the error message echoes the password');
  },
});

/** MY-017: an unknown database at login. */
export const unknownDatabase = defineMysqlCase({
  id: 'MY-017',
  title: 'An unknown database at login is refused with error 1049 (SQLSTATE 42000)',
  priority: 'p1',
  area: 'auth',
  timeoutMs: 10_000,
  async run(ctx) {
    const login = ctx.target.connect({ signal: ctx.signal, database: `${ctx.target.namespace}_missing` }).then((c) => closeConnection(c));
    await expectSqlError(login, { errno: 1049, sqlState: '42000' }, 'login into a missing database');
  },
});
