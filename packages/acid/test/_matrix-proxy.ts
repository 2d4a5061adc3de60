// A mutant endpoint for the matrix tests: a loopback TCP proxy that frames the CLIENT's
// message stream (PostgreSQL v3 messages or MySQL packets) and rewrites the SQL text of
// queries, keeping every length field valid. The server's replies pass through untouched.
// PostgreSQL: an SSLRequest is answered 'N' by the proxy itself, so the session stays readable.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface RewriteProxy {
  port: number;
  /** How many client messages were rewritten so far (the test asserts the mutant acted). */
  rewrites(): number;
  close(): Promise<void>;
}

/** Options of {@link startRewriteProxy}. */
export interface RewriteProxyOptions {
  family: 'postgres' | 'mysql';
  upstreamHost: string;
  upstreamPort: number;
  /** Rewrites one query's SQL text; return it unchanged to pass it on. */
  rewrite(sql: string): string;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Splits PostgreSQL client messages; untyped (startup-phase) messages first. */
function pgFramer(out: Socket, client: Socket, rewrite: (sql: string) => string, mark: () => void): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  let startup = true;
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (startup) {
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        const msg = buf.subarray(0, len);
        buf = buf.subarray(len);
        if (len === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST)) {
          client.write('N');
          continue;
        }
        out.write(msg);
        startup = false;
        continue;
      }
      if (buf.length < 5) return;
      const type = String.fromCharCode(buf[0]!);
      const len = buf.readInt32BE(1);
      if (buf.length < 1 + len) return;
      let body = buf.subarray(5, 1 + len);
      buf = buf.subarray(1 + len);
      if (type === 'Q' || type === 'P') {
        // Q: sql\0 — P: name\0 sql\0 params… ; the SQL is a NUL-terminated string either way.
        const start = type === 'Q' ? 0 : body.indexOf(0) + 1;
        const end = body.indexOf(0, start);
        const sql = body.subarray(start, end).toString('utf8');
        const changed = rewrite(sql);
        if (changed !== sql) {
          mark();
          body = Buffer.concat([body.subarray(0, start), Buffer.from(changed, 'utf8'), body.subarray(end)]);
        }
      }
      const head = Buffer.alloc(5);
      head.write(type, 0, 'latin1');
      head.writeInt32BE(4 + body.length, 1);
      out.write(Buffer.concat([head, body]));
    }
  };
}

/** Splits MySQL client packets (3-byte length + sequence id) and rewrites COM_QUERY text. */
function myFramer(out: Socket, rewrite: (sql: string) => string, mark: () => void): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 4) return;
      const len = buf.readUIntLE(0, 3);
      if (buf.length < 4 + len) return;
      const seq = buf[3]!;
      let payload = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      if (seq === 0 && payload[0] === 0x03 && len < 0xffffff) {
        const sql = payload.subarray(1).toString('utf8');
        const changed = rewrite(sql);
        if (changed !== sql) {
          mark();
          payload = Buffer.concat([Buffer.from([0x03]), Buffer.from(changed, 'utf8')]);
        }
      }
      const head = Buffer.alloc(4);
      head.writeUIntLE(payload.length, 0, 3);
      head[3] = seq;
      out.write(Buffer.concat([head, payload]));
    }
  };
}

/** Starts the proxy on a free loopback port. */
export async function startRewriteProxy(o: RewriteProxyOptions): Promise<RewriteProxy> {
  let count = 0;
  const mark = (): void => {
    count++;
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(o.upstreamPort, o.upstreamHost);
    sockets.add(client);
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('data', (d: Buffer) => client.write(d));
    const feed = o.family === 'postgres' ? pgFramer(upstream, client, o.rewrite, mark) : myFramer(upstream, o.rewrite, mark);
    client.on('data', feed);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    rewrites: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
