// TLS as the driver gets it: Snowflake serves HTTPS only, with TLS 1.2 or later and a certificate
// that verifies for the host name the driver connects to. The suite's own handshakes use the
// driver's trust (Node's roots plus the DSN's ca=FILE) and its host name.
import assert from 'node:assert/strict';
import { connect, defineSnowflakeCase, exec, type Ctx } from '../_internal/case-kit.js';
import { LEGACY_TLS, tlsHandshake, type Handshake, type HandshakeOptions } from '../_internal/tls.js';

/** A handshake with the endpoint, bounded by the case's deadline. */
function handshake(ctx: Ctx, o: Omit<HandshakeOptions, 'ca' | 'timeoutMs'> = {}): Promise<Handshake> {
  const { host, port, ca } = ctx.target.dsn;
  return tlsHandshake(host, port, { ...o, ca, timeoutMs: 5_000 });
}

export const sf013 = defineSnowflakeCase({
  id: 'SF-013',
  title: 'TLS: the endpoint serves HTTPS, the driver logs in over it, the handshake is TLS 1.2 or later with a certificate that verifies for the host, and TLS 1.0/1.1 are refused',
  priority: 'p1',
  area: 'tls',
  spec: "Snowflake's endpoints speak HTTPS with TLS 1.2 or later only; snowflake-sdk 3.x lib/http/node_untyped.js (HTTPS agents with Node's trust, host name checked)",
  async run(ctx) {
    const { protocol, host, port } = ctx.target.dsn;
    assert.equal(protocol, 'https', `the endpoint is reached over plain HTTP (protocol=${protocol}): Snowflake's protocol runs over HTTPS only, and the password would travel in clear`);
    // The driver itself, over HTTPS with its own verification.
    const conn = await connect(ctx);
    const { rows } = await exec(ctx, conn, 'SELECT 1 AS ONE');
    assert.deepEqual(rows, [{ ONE: 1 }], `SELECT 1 over HTTPS returned ${JSON.stringify(rows)}`);
    // What the driver negotiates (Node's client offers TLS 1.2 and 1.3) and what it verifies.
    const h = await handshake(ctx);
    assert.ok(h.ok, `no TLS handshake with ${host}:${port}: ${h.error}`);
    ctx.metric('tlsProtocol', h.protocol ?? 'unknown');
    assert.ok(h.protocol === 'TLSv1.2' || h.protocol === 'TLSv1.3', `the handshake negotiated ${h.protocol}, not TLS 1.2 or later`);
    assert.equal(h.authorized, true, `the certificate (subject ${h.subject}, issuer ${h.issuer}) does not verify for "${host}" against the given CA: ${h.identityError ?? h.authorizationError}`);
    // A client that offers only TLS 1.0/1.1 must be refused: below 1.2 is what Snowflake refuses.
    const old = await handshake(ctx, LEGACY_TLS);
    assert.ok(!old.ok, `the endpoint accepted a ${old.protocol} handshake (a client offering TLS 1.0/1.1 only); TLS below 1.2 must be refused`);
  },
});
