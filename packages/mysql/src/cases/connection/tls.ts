import assert from 'node:assert/strict';
import { closeConnection, expectSqlError } from '@helios-conformance/sql/mysql';
import { UNRELATED_CA_PEM } from '../../_internal/unrelated-ca.js';
import { connect, defineMysqlCase, loginAs, rejectionOf, rows, tempUser } from '../../_internal/case-kit.js';

/** MY-022: the session is encrypted with a current TLS version. */
export const tlsSession = defineMysqlCase({
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
    assert.ok((m.Ssl_cipher ?? '') !== '', 'Ssl_cipher is empty on a TLS session');
    assert.match(m.Ssl_version ?? '', /^TLSv1\.[23]$/, `Ssl_version is "${m.Ssl_version ?? ''}", expected TLSv1.2 or TLSv1.3`);
    ctx.metric('tls', m);
  },
});

/** MY-023: verification is real: the same server is refused against a CA that signed nothing. */
export const tlsVerified = defineMysqlCase({
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
    const unrelated = ctx.target.connect({ signal: ctx.signal, extra: { ssl: { ...ssl, ca: UNRELATED_CA_PEM, rejectUnauthorized: true } } });
    const err = await rejectionOf(unrelated.then((c) => closeConnection(c)));
    assert.ok(err !== null, 'a verifying TLS client accepted the server certificate against an unrelated CA: verification proves nothing');
    ctx.log(`against an unrelated CA: ${err.code ?? ''} ${err.message}`);
  },
});

/** MY-024: REQUIRE SSL users. */
export const requireSsl = defineMysqlCase({
  id: 'MY-024',
  title: 'REQUIRE SSL: a user that requires TLS is refused over plain TCP and accepted over TLS',
  priority: 'p1',
  area: 'tls',
  requires: ['tls', 'create-user'],
  timeoutMs: 15_000,
  async run(ctx) {
    const pw = 'Tls-pw-1';
    const user = await tempUser(ctx, 'tls', `IDENTIFIED BY '${pw}'`, 'REQUIRE SSL');
    const conn = await loginAs(ctx, user, pw);
    await conn.ping();
    await expectSqlError(loginAs(ctx, user, pw, { ssl: undefined }), { errno: 1045, sqlState: '28000' }, 'plain-TCP login of a REQUIRE SSL user');
  },
});
