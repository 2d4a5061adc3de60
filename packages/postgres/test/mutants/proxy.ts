// Mutant endpoints: a loopback TCP proxy in front of a real PostgreSQL server that frames the
// backend's message stream and hands every message to a transform hook, which may pass it on,
// rewrite it, replace it with several messages or drop it. The proxy declines TLS ('N' to
// SSLRequest / GSSENCRequest) so it can read the messages; clients then talk plain TCP.
// Everything the hook does not touch passes through byte for byte.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';

/** One backend message: its type byte as a character ('D', 'E', 'A', …) and its body (no type, no length). */
export interface BackendMessage {
  type: string;
  body: Buffer;
}

/** What the transform sees besides the message. */
export interface TransformContext {
  /** Counts one mutation (the test asserts the mutant actually did something). */
  mark(): void;
  /** Index of this connection since the proxy started (0, 1, …). */
  connection: number;
  /** Parameters of the client's StartupMessage (user, database, application_name, …), once it was seen. */
  startup: Record<string, string>;
}

/** Return the message (changed or not), several messages, or null to drop it. */
export type BackendTransform = (msg: BackendMessage, ctx: TransformContext) => BackendMessage | BackendMessage[] | null;

/** Options of {@link startMutantProxy}. */
export interface MutantProxyOptions {
  upstreamHost: string;
  upstreamPort: number;
  transform: BackendTransform;
  /**
   * Terminate TLS with this certificate and key: answer SSLRequest with 'S' and speak TLS to the
   * client while the session to the server stays plain TCP (a TLS-terminating middlebox).
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

/** A running mutant proxy. */
export interface MutantProxy {
  host: string;
  port: number;
  /** Mutations marked by the transform so far. */
  mutations(): number;
  /** The upstream DSN with host and port replaced by the proxy's. */
  dsnVia(upstreamDsn: string): string;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Encodes a backend message. */
export function encodeMessage(m: BackendMessage): Buffer {
  const head = Buffer.alloc(5);
  head.write(m.type, 0, 'latin1');
  head.writeInt32BE(m.body.length + 4, 1);
  return Buffer.concat([head, m.body]);
}

/** Reads the NUL-terminated fields of an ErrorResponse/NoticeResponse body as [code, value] pairs. */
export function readFields(body: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let p = 0;
  while (p < body.length && body[p] !== 0) {
    const zero = body.indexOf(0, p + 1);
    if (zero < 0) break;
    out.push([String.fromCharCode(body[p]!), body.toString('utf8', p + 1, zero)]);
    p = zero + 1;
  }
  return out;
}

/** Encodes [code, value] pairs as an ErrorResponse/NoticeResponse body. */
export function writeFields(fields: Array<[string, string]>): Buffer {
  return Buffer.concat([...fields.map(([c, v]) => Buffer.concat([Buffer.from(c, 'latin1'), Buffer.from(v, 'utf8'), Buffer.alloc(1)])), Buffer.alloc(1)]);
}

/** The key/value pairs of a protocol 3.x StartupMessage (empty for anything else). */
function readStartupParams(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  if (b.length < 8 || b.readInt32BE(4) >> 16 !== 3) return out;
  const end = Math.min(b.length, b.readInt32BE(0));
  let p = 8;
  while (p < end && b[p] !== 0) {
    const k = b.indexOf(0, p);
    const v = k < 0 ? -1 : b.indexOf(0, k + 1);
    if (k < 0 || v < 0 || v >= end) break;
    out[b.toString('utf8', p, k)] = b.toString('utf8', k + 1, v);
    p = v + 1;
  }
  return out;
}

/** Starts a mutant proxy on 127.0.0.1 at a free port. */
export async function startMutantProxy(o: MutantProxyOptions): Promise<MutantProxy> {
  let mutations = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const ctx: TransformContext = { mark: () => void mutations++, connection: connections++, startup: {} };
    sockets.add(client);
    const upstream = connect({ host: o.upstreamHost, port: o.upstreamPort });
    sockets.add(upstream);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);

    // Client → server: answer TLS/GSS negotiation ourselves ('N', or 'S' and a TLS handshake
    // when `tls` is set), then pass bytes through.
    let clientSide: Duplex = client;
    let negotiating = true;
    let pending = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      if (!negotiating) {
        upstream.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      while (negotiating && pending.length >= 8) {
        const len = pending.readInt32BE(0);
        const code = pending.readInt32BE(4);
        if (len === 8 && code === SSL_REQUEST && o.tls && clientSide === client) {
          client.write('S');
          ctx.mark();
          client.removeListener('data', onData);
          const secure = new TLSSocket(client, { isServer: true, cert: o.tls.cert, key: o.tls.key });
          secure.on('error', closeBoth);
          secure.on('data', onData);
          clientSide = secure;
          pending = Buffer.alloc(0);
          return;
        }
        if (len === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST)) {
          clientSide.write('N');
          pending = pending.subarray(8);
        } else {
          negotiating = false;
        }
      }
      if (!negotiating && pending.length) {
        ctx.startup = readStartupParams(pending);
        upstream.write(pending);
        pending = Buffer.alloc(0);
      }
    };
    client.on('data', onData);

    // Server → client: frame the message stream and run every message through the transform.
    let inbuf = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      inbuf = Buffer.concat([inbuf, chunk]);
      let off = 0;
      const out: Buffer[] = [];
      while (inbuf.length - off >= 5) {
        const len = inbuf.readInt32BE(off + 1);
        if (inbuf.length - off < 1 + len) break;
        const original = inbuf.subarray(off, off + 1 + len);
        const msg: BackendMessage = { type: String.fromCharCode(inbuf[off]!), body: Buffer.from(inbuf.subarray(off + 5, off + 1 + len)) };
        const result = o.transform(msg, ctx);
        if (result === msg && msg.body.equals(original.subarray(5))) out.push(original);
        else for (const m of result === null ? [] : Array.isArray(result) ? result : [result]) out.push(encodeMessage(m));
        off += 1 + len;
      }
      if (out.length) clientSide.write(Buffer.concat(out));
      inbuf = inbuf.subarray(off);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('proxy has no TCP address');
  const port = addr.port;
  return {
    host: '127.0.0.1',
    port,
    mutations: () => mutations,
    dsnVia: (dsn) => {
      const url = new URL(dsn);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      url.search = '';
      return url.toString();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
