// A TLS handshake with the endpoint, observed rather than trusted: it never throws on a bad
// certificate, it reports what it saw (protocol, whether the chain and the host name verify, why
// not), so the suite can say in one line what is wrong before the driver hides it behind retries,
// and SF-013 can judge it. Trust is the driver's: Node's roots plus the DSN's ca=FILE.
import { isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, rootCertificates, type PeerCertificate, type SecureVersion } from 'node:tls';

/** What one handshake showed. */
export interface Handshake {
  /** The handshake completed (whatever the certificate). */
  ok: boolean;
  /** Why it did not complete (an OpenSSL or Node error code, or the deadline). */
  error?: string;
  /** The negotiated protocol, e.g. `TLSv1.3`. */
  protocol?: string;
  /** The certificate chains to a trusted CA and names the host. */
  authorized?: boolean;
  /** Why it does not verify (e.g. `ERR_TLS_CERT_ALTNAME_INVALID`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`). */
  authorizationError?: string;
  /** Node's words for a host name mismatch. */
  identityError?: string;
  subject?: string;
  issuer?: string;
  /** The certificate's subject alternative names, e.g. `DNS:localhost, IP Address:127.0.0.1`. */
  names?: string;
  validTo?: string;
}

/** Options of {@link tlsHandshake}. */
export interface HandshakeOptions {
  /** A CA (PEM) trusted on top of Node's roots; without it Node's default trust. */
  ca?: string | undefined;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: string;
  timeoutMs: number;
}

const name = (c: PeerCertificate['subject'] | undefined): string | undefined => (c ? Object.entries(c).map(([k, v]) => `${k}=${String(v)}`).join(', ') : undefined);

/** One handshake with host:port; resolves with what it showed, never rejects. */
export function tlsHandshake(host: string, port: number, o: HandshakeOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    let identityError: string | undefined;
    const socket = tlsConnect({
      host,
      port,
      // SNI carries names, not addresses; the host name check still uses `host`.
      ...(isIP(host) ? {} : { servername: host }),
      ...(o.ca ? { ca: [...rootCertificates, o.ca] } : {}),
      // Observe, do not refuse: `authorized` and `authorizationError` say whether it verifies.
      rejectUnauthorized: false,
      checkServerIdentity: (h, cert) => {
        const e = checkServerIdentity(h, cert);
        identityError = e?.message;
        return e;
      },
      ...(o.minVersion ? { minVersion: o.minVersion } : {}),
      ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
      ...(o.ciphers ? { ciphers: o.ciphers } : {}),
    });
    const done = (h: Handshake): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(h);
    };
    const timer = setTimeout(() => done({ ok: false, error: `no TLS handshake within ${o.timeoutMs} ms` }), o.timeoutMs);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      done({
        ok: true,
        protocol: socket.getProtocol() ?? undefined,
        authorized: socket.authorized,
        ...(socket.authorizationError ? { authorizationError: String((socket.authorizationError as unknown as { code?: string }).code ?? socket.authorizationError) } : {}),
        ...(identityError ? { identityError } : {}),
        ...(name(cert?.subject) ? { subject: name(cert.subject) } : {}),
        ...(name(cert?.issuer) ? { issuer: name(cert.issuer) } : {}),
        ...(cert?.subjectaltname ? { names: cert.subjectaltname } : {}),
        ...(cert?.valid_to ? { validTo: cert.valid_to } : {}),
      });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message }));
  });
}

/** TLS versions below 1.2 (what Snowflake and the driver refuse). */
export const LEGACY_TLS = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
