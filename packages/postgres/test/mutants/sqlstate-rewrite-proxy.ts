// Mutant endpoint: a loopback TCP proxy in front of a real PostgreSQL server that rewrites
// one SQLSTATE in every ErrorResponse (the 'C' field of an 'E' message), e.g. 23505 → 23000.
// It declines TLS ('N' to SSLRequest / GSSENCRequest) so it can read the backend's messages.
// Everything else passes through unchanged, so only cases that look at that SQLSTATE can notice.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface SqlstateRewriteProxy {
  host: string;
  port: number;
  /** ErrorResponses rewritten so far. */
  rewrites(): number;
  stop(): Promise<void>;
}

export interface SqlstateRewriteOptions {
  upstreamHost: string;
  upstreamPort: number;
  from: string;
  to: string;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export async function startSqlstateRewriteProxy(o: SqlstateRewriteOptions): Promise<SqlstateRewriteProxy> {
  if (o.from.length !== 5 || o.to.length !== 5) throw new Error('SQLSTATEs have 5 characters');
  let rewrites = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
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

    // Client → server: answer 'N' to TLS/GSS negotiation ourselves, then pass bytes through.
    let negotiating = true;
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      if (!negotiating) {
        upstream.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      while (negotiating && pending.length >= 8) {
        const len = pending.readInt32BE(0);
        const code = pending.readInt32BE(4);
        if (len === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST)) {
          client.write('N');
          pending = pending.subarray(8);
        } else {
          negotiating = false;
        }
      }
      if (!negotiating && pending.length) {
        upstream.write(pending);
        pending = Buffer.alloc(0);
      }
    });

    // Server → client: frame the message stream and patch the SQLSTATE in ErrorResponses in place.
    let inbuf = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      inbuf = Buffer.concat([inbuf, chunk]);
      let off = 0;
      while (inbuf.length - off >= 5) {
        const len = inbuf.readInt32BE(off + 1);
        if (inbuf.length - off < 1 + len) break;
        if (inbuf[off] === 0x45 /* 'E' */) {
          let p = off + 5;
          const end = off + 1 + len;
          while (p < end && inbuf[p] !== 0) {
            const field = inbuf[p];
            const zero = inbuf.indexOf(0, p + 1);
            if (zero < 0 || zero >= end) break;
            if (field === 0x43 /* 'C' */ && inbuf.toString('latin1', p + 1, zero) === o.from) {
              inbuf.write(o.to, p + 1, 'latin1');
              rewrites++;
            }
            p = zero + 1;
          }
        }
        off += 1 + len;
      }
      if (off > 0) client.write(inbuf.subarray(0, off));
      inbuf = inbuf.subarray(off);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('proxy has no TCP address');
  return {
    host: '127.0.0.1',
    port: addr.port,
    rewrites: () => rewrites,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
