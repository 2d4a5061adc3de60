import { connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, type ConnectionOptions as TlsOptions } from 'node:tls';

/** The name a server certificate must carry: the host the user gave, without an IPv6 literal's brackets. */
export function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}

/**
 * node:tls options that verify the server certificate against `host` (a DNS name, or an IPv4 or
 * IPv6 address), whichever driver does the handshake. SNI carries only a DNS name (RFC 6066: never
 * an address). The identity check is explicit because drivers that upgrade an open socket call
 * `tls.connect({ socket, ...ssl })` without `host` (postgres.js 3.4, older pg releases): for an address,
 * with no SNI, Node then checks the certificate against "localhost". That refused a certificate
 * for IP:127.0.0.1 at host=127.0.0.1 and accepted one for DNS:localhost only (issue 19).
 */
export function identityOptions(host: string): Pick<TlsOptions, 'servername' | 'checkServerIdentity'> {
  const name = bareHost(host);
  return { ...(isIP(name) ? {} : { servername: name }), checkServerIdentity: (_checked, cert) => checkServerIdentity(name, cert) };
}

/**
 * A mysql2 `stream` factory for VERIFY_IDENTITY against an IP address. mysql2 passes neither
 * `host` nor a `checkServerIdentity` of ours to `tls.connect` (only `servername`, which it leaves
 * unset for an address), so Node checks the certificate against the socket's `_host`, else
 * "localhost"; `net` sets `_host` only after a DNS lookup, never for an address. This socket
 * carries the address the user gave, so Node checks that one, during the handshake, before any
 * credential is sent. The same options serve pools (`mysql2Options()`): each connection calls it.
 */
export function mysqlStreamFor(host: string, port: number): () => Socket {
  const address = bareHost(host);
  return () => {
    const socket = netConnect({ host: address, port, noDelay: true, keepAlive: true });
    (socket as unknown as { _host: string })._host = address;
    return socket;
  };
}

/**
 * mysql2's `host`/`port` (and, for VERIFY_IDENTITY at an IP address, the `stream` of
 * {@link mysqlStreamFor}) for a connection with TLS options `ssl`: the one place that decides when
 * mysql2 needs that socket.
 */
export function mysqlAddressOptions(host: string, port: number, ssl: { verifyIdentity?: boolean } | undefined): { host: string; port: number; stream?: () => Socket } {
  const verifyAddress = ssl?.verifyIdentity === true && isIP(bareHost(host)) !== 0;
  return { host, port, ...(verifyAddress ? { stream: mysqlStreamFor(host, port) } : {}) };
}

/** Node's words for a certificate that does not name the host (ERR_TLS_CERT_ALTNAME_INVALID). */
export const NAME_MISMATCH = /does not match certificate's altnames/;
