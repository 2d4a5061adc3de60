import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parsePgDsn } from '@helios-conformance/sql/postgres';
import { GSSENC_REQUEST, SSL_REQUEST, WireClosed, WireConnection, WireTimeout, openTransport, startSession, textRow } from '@helios-conformance/sql/pg-wire';
import { definePgCase, openSession, openWire, type PgContext } from '../../_internal/case-kit.js';

const SPEC_SSL = 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL';

/** Logs in on an already prepared (plain or TLS) connection with the target's credentials. */
async function login(ctx: PgContext, conn: WireConnection, tls: boolean): Promise<void> {
  const c = ctx.target.connection;
  const r = await startSession(conn, { user: c.user, password: c.password, database: c.database, params: { application_name: `hc-${ctx.id.toLowerCase()}` } }, tls);
  assert.equal(r.readyStatus, 'I', 'the login must end in ReadyForQuery idle');
  const rows = await conn.queryRows('SELECT 1');
  assert.equal(rows[0]?.[0], '1', 'SELECT 1 must answer 1 on the new session');
}

/** Reads the one-byte answer to SSLRequest / GSSENCRequest and checks that nothing follows it. */
async function oneByteAnswer(ctx: PgContext, conn: WireConnection, request: string, allowed: string[]): Promise<string> {
  let b: Buffer;
  try {
    b = await conn.readBytes(1, 5000, `answer to ${request}`);
  } catch (e) {
    if (e instanceof WireTimeout) return ctx.fail(`${request} got no answer within 5 s (expected one byte ${allowed.map((a) => `'${a}'`).join(' or ')})`);
    if (e instanceof WireClosed) return ctx.fail(`the server closed the connection instead of answering ${request} (expected one byte ${allowed.map((a) => `'${a}'`).join(' or ')})`);
    throw e;
  }
  const answer = b.toString('latin1');
  if (!allowed.includes(answer)) {
    const hint = answer === 'E' ? ' (an ErrorResponse: the server does not understand the request)' : '';
    return ctx.fail(`${request} must be answered with a single byte ${allowed.map((a) => `'${a}'`).join(' or ')}, got 0x${b.toString('hex')}${hint}`);
  }
  // Nothing may follow the single byte before the client speaks again (the injection window of CVE-2021-23222).
  await new Promise((r) => setTimeout(r, 150));
  if (conn.pending > 0) return ctx.fail(`the server sent ${conn.pending} extra byte(s) after its '${answer}' answer to ${request}`);
  return answer;
}

/**
 * PG-019: SSLRequest is answered with exactly one byte. Design: a server without TLS that
 * answers 'N' passes, as long as the startup then continues in plain text on the same socket;
 * whether TLS is offered is judged by PG-020/PG-021 (which need the `ssl` capability).
 */
export const sslRequestAnswer = definePgCase({
  id: 'PG-019',
  title: "SSLRequest is answered with exactly one byte, 'S' (then a TLS handshake and login) or 'N' (then a plain login on the same socket)",
  priority: 'p1',
  area: 'tls',
  since: '0.1.0',
  spec: SPEC_SSL,
  async run(ctx) {
    const c = ctx.target.connection;
    const conn = await WireConnection.connect({ host: c.host, port: c.port, timeoutMs: 5000, signal: ctx.signal });
    ctx.defer(() => conn.close());
    conn.send(SSL_REQUEST);
    const answer = await oneByteAnswer(ctx, conn, 'SSLRequest', ['S', 'N']);
    ctx.log(`SSLRequest answered '${answer}'`);
    ctx.metric('sslAnswer', answer);
    if (answer === 'S') {
      await conn.upgradeTls({ rejectUnauthorized: false }, c.host);
      ctx.log(`TLS handshake done (${conn.tlsProtocol ?? '?'})`);
      await login(ctx, conn, true);
    } else {
      await login(ctx, conn, false);
    }
  },
});

/** PG-020: with TLS in use, the server itself reports the session as encrypted. */
export const encryptedSession = definePgCase({
  id: 'PG-020',
  title: 'sslmode=require gives an encrypted session: TLS handshake done and pg_stat_ssl.ssl true for the own backend',
  priority: 'p0',
  area: 'tls',
  since: '0.1.0',
  requires: ['ssl'],
  spec: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-SSL-VIEW',
  async run(ctx) {
    // sslmode=require: TLS without certificate checks.
    const { conn } = await openWire(ctx, { searchPath: false, ssl: { rejectUnauthorized: false } });
    assert.ok(conn.tlsProtocol, 'the raw session must have completed a TLS handshake');
    ctx.log(`TLS protocol ${conn.tlsProtocol}`);
    const rows = await conn.simple('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    const err = rows.find((m) => m.type === 'E');
    const data = rows.filter((m) => m.type === 'D');
    if (err || data.length === 0) {
      ctx.log('pg_stat_ssl is not available for the own backend: judged by the TLS socket only');
    } else {
      const [ssl, version] = textRow((data[0] as { body: Buffer }).body);
      ctx.log(`pg_stat_ssl: ssl=${ssl}, version=${version}`);
      assert.equal(ssl, 't', `pg_stat_ssl.ssl must be true for a session over TLS, got ${JSON.stringify(ssl)}`);
    }
    // The suite's own pg sessions use TLS too.
    const client = await openSession(ctx, 'hc-pg-020');
    const r = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()').catch(() => undefined);
    if (r && r.rows.length > 0) assert.equal(r.rows[0]?.ssl, true, 'pg_stat_ssl.ssl must be true for a pg session opened with TLS');
  },
});

/** PG-021: verify-full against the CA named by the DSN's sslrootcert succeeds. */
export const verifyFull = definePgCase({
  id: 'PG-021',
  title: "sslmode=verify-full: the server's certificate chains to the DSN's sslrootcert and matches the DSN host, and the login completes",
  priority: 'p1',
  area: 'tls',
  since: '0.1.0',
  requires: ['ssl'],
  spec: 'https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION',
  async run(ctx) {
    const p = parsePgDsn(ctx.target.dsn);
    if (!p.sslrootcert) return ctx.notApplicable('the DSN names no sslrootcert, so there is no CA to verify the server against');
    const ca = await readFile(p.sslrootcert, 'utf8');
    let conn: WireConnection;
    try {
      conn = await openTransport({ host: p.host, port: p.port, ssl: { ca, rejectUnauthorized: true }, timeoutMs: 5000, signal: ctx.signal });
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      return ctx.fail(`verify-full of ${p.host} against ${p.sslrootcert} failed: ${code} ${(e as Error).message}`);
    }
    ctx.defer(() => conn.close());
    assert.equal(conn.tlsAuthorized, true, 'the TLS peer must be verified against the CA');
    ctx.log(`verified ${p.host} (${conn.tlsProtocol ?? '?'})`);
    await login(ctx, conn, true);
  },
});

/**
 * PG-022: GSSENCRequest (sent first by libpq builds with GSSAPI) gets a one-byte answer; after
 * 'N' the client goes on on the same socket (with SSLRequest when the run uses TLS).
 */
export const gssEncRequest = definePgCase({
  id: 'PG-022',
  title: "GSSENCRequest is answered with one byte 'G' or 'N', and after 'N' the connection goes on (SSLRequest or startup)",
  priority: 'p2',
  area: 'tls',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-GSSAPI',
  async run(ctx) {
    const c = ctx.target.connection;
    const conn = await WireConnection.connect({ host: c.host, port: c.port, timeoutMs: 5000, signal: ctx.signal });
    ctx.defer(() => conn.close());
    conn.send(GSSENC_REQUEST);
    const answer = await oneByteAnswer(ctx, conn, 'GSSENCRequest', ['G', 'N']);
    ctx.log(`GSSENCRequest answered '${answer}'`);
    if (answer === 'G') {
      ctx.log('the server offers GSSAPI encryption; this suite does not speak GSSAPI, so only the answer is judged');
      return;
    }
    if (c.ssl !== false) {
      conn.send(SSL_REQUEST);
      const ssl = await oneByteAnswer(ctx, conn, 'SSLRequest after GSSENCRequest', ['S', 'N']);
      if (ssl !== 'S') return ctx.fail(`the server uses TLS, but an SSLRequest after a declined GSSENCRequest was answered '${ssl}'`);
      await conn.upgradeTls({ rejectUnauthorized: false }, c.host);
      await login(ctx, conn, true);
    } else {
      await login(ctx, conn, false);
    }
  },
});
