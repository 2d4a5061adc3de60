import assert from 'node:assert/strict';
import { StartupError, WireClosed, openTransport, startSession, type StartupResult, type WireConnection } from '@helios-conformance/sql/pg-wire';
import { definePgCase, type PgContext } from '../../_internal/case-kit.js';

const SPEC_AUTH = 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP';
const PASSWORD_METHODS = ['cleartext', 'md5', 'sasl'];

/** Opens the target's transport (TLS per the DSN), closed after the case. */
async function transport(ctx: PgContext): Promise<WireConnection> {
  const c = ctx.target.connection;
  const conn = await openTransport({ host: c.host, port: c.port, ssl: c.ssl, timeoutMs: 5000, signal: ctx.signal });
  ctx.defer(() => conn.destroy());
  return conn;
}

/** Tries a login that must be refused; returns the refusal (or what happened instead). */
async function refusedLogin(
  ctx: PgContext,
  o: { password: string | undefined; database: string },
): Promise<{ refused: StartupError; conn: WireConnection } | { accepted: StartupResult }> {
  const conn = await transport(ctx);
  try {
    const accepted = await startSession(conn, { user: ctx.target.connection.user, password: o.password, database: o.database, params: { application_name: `hc-${ctx.id.toLowerCase()}` } }, ctx.target.tls);
    return { accepted };
  } catch (e) {
    if (e instanceof StartupError) return { refused: e, conn };
    if (e instanceof WireClosed) return ctx.fail(`the server closed the connection without an ErrorResponse (${e.message})`);
    throw e;
  }
}

/** PG-016: the server asks for a password method the client supports, and the exchange completes. */
export const passwordExchange = definePgCase({
  id: 'PG-016',
  title: 'authentication: the server asks for a method a client supports (SCRAM-SHA-256, MD5 or cleartext) and the exchange completes; SCRAM proves the server',
  priority: 'p0',
  area: 'auth',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sasl-authentication.html',
  async run(ctx) {
    const conn = await transport(ctx);
    const c = ctx.target.connection;
    const r = await startSession(conn, { user: c.user, password: c.password, database: c.database, params: { application_name: 'hc-pg-016' } }, ctx.target.tls);
    ctx.log(`authentication requests: ${r.authRequests.join(' → ')}${r.saslMechanisms.length ? ` (SASL mechanisms: ${r.saslMechanisms.join(', ')})` : ''}`);
    ctx.metric('authMethod', r.authRequests[0] ?? 'none');
    const last = r.authRequests.at(-1);
    assert.equal(last, 'ok', `the exchange must end with AuthenticationOk, got ${r.authRequests.join(' → ')}`);
    if (r.authRequests[0] === 'ok') {
      return ctx.notApplicable('the server logs this user in without asking for a password (trust): there is no password exchange to judge');
    }
    if (r.authRequests[0] === 'sasl') {
      assert.deepEqual(r.authRequests, ['sasl', 'sasl-continue', 'sasl-final', 'ok'], `a SCRAM exchange must be SASL, SASLContinue, SASLFinal, Ok; got ${r.authRequests.join(' → ')}`);
      assert.ok(r.scramServerVerified, 'the SCRAM server signature in AuthenticationSASLFinal does not match: the server did not prove it knows the password verifier');
    } else if (r.authRequests[0] === 'cleartext' && !ctx.target.tls) {
      ctx.log('note: the server asked for the password in cleartext over an unencrypted connection');
    }
    assert.ok(PASSWORD_METHODS.includes(r.authRequests[0] ?? ''), `unexpected first authentication request ${r.authRequests[0]}`);
    assert.equal(r.readyStatus, 'I', 'the session must be idle after login');
  },
});

/** PG-017: a wrong password is refused with 28P01 and the connection is closed. */
export const wrongPassword = definePgCase({
  id: 'PG-017',
  title: 'a wrong password is refused with SQLSTATE 28P01 and the server closes the connection',
  priority: 'p0',
  area: 'auth',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/errcodes-appendix.html',
  async run(ctx) {
    const wrong = `${ctx.target.connection.password ?? ''}-hc-wrong-${ctx.rng.int(0, 1e9)}`;
    const r = await refusedLogin(ctx, { password: wrong, database: ctx.target.connection.database });
    if ('accepted' in r) {
      const asked = r.accepted.authRequests.filter((a) => PASSWORD_METHODS.includes(a));
      if (asked.length === 0) {
        return ctx.notApplicable('the server logs this user in without asking for a password (trust), so a wrong password cannot be judged');
      }
      return ctx.fail(`the server asked for a password (${asked.join(', ')}) and accepted a wrong one`);
    }
    ctx.log(`refused: ${r.refused.fields.S ?? ''} ${r.refused.code} ${r.refused.fields.M ?? ''} (after ${r.refused.authRequests.join(' → ') || 'no authentication request'})`);
    assert.equal(r.refused.code, '28P01', `expected SQLSTATE 28P01 (invalid_password), got ${r.refused.code} (${r.refused.fields.M ?? ''})`);
    assert.ok(await r.conn.waitClosed(3000), 'after refusing the password the server must close the connection (still open after 3 s)');
  },
});

/** PG-018: a login to a database that does not exist is refused with 3D000. */
export const unknownDatabase = definePgCase({
  id: 'PG-018',
  title: 'a login to a nonexistent database is refused with SQLSTATE 3D000 and the server closes the connection',
  priority: 'p1',
  area: 'auth',
  since: '0.1.0',
  spec: SPEC_AUTH,
  async run(ctx) {
    const db = `hc_no_such_db_${ctx.rng.int(0, 1e9)}`;
    const r = await refusedLogin(ctx, { password: ctx.target.connection.password, database: db });
    if ('accepted' in r) return ctx.fail(`the login to database "${db}", which does not exist, was accepted`);
    ctx.log(`refused: ${r.refused.code} ${r.refused.fields.M ?? ''}`);
    if (r.refused.code === '28000') {
      return ctx.notApplicable(`the server's access rules refuse database "${db}" before checking it exists (28000: ${r.refused.fields.M ?? ''})`);
    }
    assert.equal(r.refused.code, '3D000', `expected SQLSTATE 3D000 (invalid_catalog_name), got ${r.refused.code} (${r.refused.fields.M ?? ''})`);
    assert.ok(await r.conn.waitClosed(3000), 'after refusing the login the server must close the connection (still open after 3 s)');
  },
});
