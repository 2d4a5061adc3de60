import { CannotRunError } from '@helios-conformance/core';
import { hostPort } from '../dsn.js';
import { probeSocket, type ProbeControl } from '../socket.js';

/** Capability flags of the MySQL protocol (the ones the suite looks at). */
export const CAPS = Object.freeze({
  LONG_PASSWORD: 0x1,
  CONNECT_WITH_DB: 0x8,
  LOCAL_FILES: 0x80,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  SESSION_TRACK: 0x800000,
  DEPRECATE_EOF: 0x1000000,
});

/** What the server said in its initial handshake packet (protocol v10). */
export interface Handshake {
  protocolVersion: number;
  serverVersion: string;
  connectionId: number;
  /** Lower and upper capability words combined (32 bits). */
  capabilities: number;
  /** Default collation id the server announced. */
  characterSet: number;
  statusFlags: number;
  /** Length of the auth plugin data (scramble), as announced. */
  authDataLength: number;
  /** The full scramble (part 1 + part 2, without the trailing NUL). */
  scramble: Buffer;
  /** Default authentication plugin name ('' when the server sent none). */
  authPlugin: string;
}

/** Parses a v10 handshake payload (without the 4-byte packet header). Throws on a malformed packet. */
export function parseHandshake(p: Buffer): Handshake {
  let o = 0;
  const need = (n: number): void => {
    if (o + n > p.length) throw new Error(`handshake packet truncated at byte ${o}`);
  };
  need(1);
  const protocolVersion = p[o++] as number;
  const nul = p.indexOf(0, o);
  if (nul < 0) throw new Error('handshake packet: server version is not NUL-terminated');
  const serverVersion = p.toString('latin1', o, nul);
  o = nul + 1;
  need(4 + 8 + 1 + 2);
  const connectionId = p.readUInt32LE(o);
  o += 4;
  const part1 = p.subarray(o, o + 8);
  o += 8 + 1;
  let capabilities = p.readUInt16LE(o);
  o += 2;
  let characterSet = 0;
  let statusFlags = 0;
  let authDataLength = 0;
  let scramble = Buffer.from(part1);
  let authPlugin = '';
  if (o < p.length) {
    need(1 + 2 + 2 + 1 + 10);
    characterSet = p[o++] as number;
    statusFlags = p.readUInt16LE(o);
    o += 2;
    capabilities = (capabilities | (p.readUInt16LE(o) << 16)) >>> 0;
    o += 2;
    authDataLength = p[o++] as number;
    o += 10;
    if (capabilities & CAPS.SECURE_CONNECTION) {
      const len2 = Math.max(13, authDataLength - 8);
      need(Math.min(len2, p.length - o));
      const part2 = p.subarray(o, o + len2);
      o += len2;
      scramble = Buffer.concat([part1, part2[part2.length - 1] === 0 ? part2.subarray(0, part2.length - 1) : part2]);
    }
    if (capabilities & CAPS.PLUGIN_AUTH && o < p.length) {
      const end = p.indexOf(0, o);
      authPlugin = p.toString('latin1', o, end < 0 ? p.length : end);
    }
  }
  return { protocolVersion, serverVersion, connectionId, capabilities, characterSet, statusFlags, authDataLength, scramble, authPlugin };
}

const PG_SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * Connects and reads the server's initial handshake. A MySQL server speaks first; when
 * nothing arrives within `silentMs`, the probe sends a PostgreSQL SSLRequest to recognise a
 * PostgreSQL server (it answers one byte `S`/`N`). Every problem is a {@link CannotRunError}
 * with one line that says what to fix.
 */
export function probeHandshake(host: string, port: number, timeoutMs: number, signal?: AbortSignal, silentMs = 1500): Promise<Handshake> {
  const where = hostPort(host, port);
  const notMysql = (what: string): CannotRunError =>
    new CannotRunError(`the server at ${where} does not speak the MySQL protocol (${what}); check the host and port in --dsn`);
  let sentPg = false;
  let silent: NodeJS.Timeout | undefined;
  const judge = (c: ProbeControl<Handshake>): void => {
    const received = c.received;
    if (sentPg && received.length >= 1 && (received[0] === 0x53 || received[0] === 0x4e) && received.length <= 2) {
      c.reject(notMysql('it is a PostgreSQL server: it answered a PostgreSQL SSLRequest'));
      return;
    }
    if (received.length < 4) return;
    const len = received.readUIntLE(0, 3);
    if (len < 1 || len > 1024) {
      // Quote the four header bytes the verdict rests on, not whatever else the first read happened
      // to carry: the same server must get the same line however its bytes were chunked.
      c.reject(notMysql(`its first bytes ${received.subarray(0, 4).toString('hex')} are not a MySQL packet`));
      return;
    }
    if (received.length < 4 + len) return;
    const payload = received.subarray(4, 4 + len);
    if (payload[0] === 0xff) {
      const errno = payload.length >= 3 ? payload.readUInt16LE(1) : 0;
      const msg = payload.toString('utf8', 3).replace(/^#[0-9A-Z]{5}/, '');
      c.reject(new CannotRunError(`the server at ${where} refused the connection before login (${errno}: ${msg})`));
      return;
    }
    if (payload[0] !== 10) {
      c.reject(notMysql(`its handshake has protocol version ${payload[0]}, not 10`));
      return;
    }
    try {
      c.resolve(parseHandshake(payload));
    } catch (e) {
      c.reject(notMysql((e as Error).message));
    }
  };
  return probeSocket<Handshake>({
    host,
    port,
    timeoutMs,
    signal,
    protocol: 'MySQL',
    onConnect(c) {
      silent = setTimeout(() => {
        if (c.received.length === 0 && !c.settled) {
          sentPg = true;
          c.socket.write(PG_SSL_REQUEST);
        }
      }, silentMs);
    },
    onData: judge,
    onClose(c) {
      if (c.received.length && sentPg) judge(c);
      c.reject(notMysql(c.received.length ? 'it closed the connection after an incomplete greeting' : 'it closed the connection without a greeting'));
    },
    timeoutError: () => new CannotRunError(`no MySQL handshake from ${where} within ${timeoutMs} ms; is it a MySQL-compatible server and reachable?`),
  }).finally(() => clearTimeout(silent));
}
