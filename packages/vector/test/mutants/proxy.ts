// Mutant endpoints for the vector suite: a loopback TCP proxy in front of a real server (PGlite +
// pgvector) that frames both directions of the PostgreSQL protocol and lets a mutant rewrite
// frontend messages (the SQL the suite sends) and backend messages (the rows it gets back).
// TLS and GSS requests are declined with 'N' so every byte is readable.
import { connect, createServer, type Socket } from 'node:net';

/** One protocol message: type character and body (no length). */
export interface Message {
  type: string;
  body: Buffer;
}

/** A mutant: transforms per direction; return the message, a replacement, or null to drop it. */
export interface Mutant {
  name: string;
  frontend?(m: Message, mark: () => void): Message | null;
  backend?(m: Message, mark: () => void, state: Record<string, unknown>): Message | null;
}

export interface RunningProxy {
  port: number;
  mutations(): number;
  dsnVia(dsn: string): string;
  stop(): Promise<void>;
}

const encode = (m: Message): Buffer => {
  const head = Buffer.alloc(5);
  head.write(m.type, 0, 'latin1');
  head.writeInt32BE(m.body.length + 4, 1);
  return Buffer.concat([head, m.body]);
};

/**
 * Bytes received but not yet framed, kept as a list of chunks: concatenating on every chunk would
 * copy a multi-megabyte INSERT quadratically (the bulk loads send 500 vectors per statement).
 */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  /** The first `n` bytes as one buffer (joins only the chunks needed). */
  peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) {
      let have = 0;
      let i = 0;
      while (have < n) have += this.chunks[i++]!.length;
      this.chunks.splice(0, i, Buffer.concat(this.chunks.slice(0, i)));
    }
    return this.chunks[0]!.subarray(0, n);
  }
  take(n: number): Buffer {
    const out = Buffer.from(this.peek(n));
    const first = this.chunks[0]!;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.length -= n;
    return out;
  }
}

/** Takes every complete typed message off the queue. */
function frame(q: ByteQueue): Message[] {
  const out: Message[] = [];
  while (q.length >= 5) {
    const len = q.peek(5).readInt32BE(1);
    if (q.length < 1 + len) break;
    const m = q.take(1 + len);
    out.push({ type: String.fromCharCode(m[0]!), body: m.subarray(5) });
  }
  return out;
}

export async function startProxy(upstreamPort: number, mutant: Mutant): Promise<RunningProxy> {
  let mutations = 0;
  const mark = (): void => void mutations++;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    // Without these, each reframed message waits out Nagle + delayed ACK (~40 ms a round trip),
    // which made a mutant run six times slower than a direct one.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    let startup = true;
    const cq = new ByteQueue();
    client.on('data', (chunk: Buffer) => {
      cq.push(chunk);
      while (startup && cq.length >= 8) {
        const head = cq.peek(8);
        const len = head.readInt32BE(0);
        const code = head.readInt32BE(4);
        if (len === 8 && (code === 80877103 || code === 80877104)) {
          client.write('N');
          cq.take(8);
          continue;
        }
        if (cq.length < len) return;
        upstream.write(cq.take(len));
        startup = false;
      }
      if (startup) return;
      const out = frame(cq)
        .map((m) => (mutant.frontend ? mutant.frontend(m, mark) : m))
        .filter((m): m is Message => m !== null);
      // One write per chunk received, as the client sent it.
      if (out.length) upstream.write(Buffer.concat(out.map(encode)));
    });
    const sq = new ByteQueue();
    const state: Record<string, unknown> = {};
    upstream.on('data', (chunk: Buffer) => {
      if (!mutant.backend) {
        client.write(chunk);
        return;
      }
      sq.push(chunk);
      const msgs = frame(sq);
      const out = msgs.map((m) => mutant.backend!(m, mark, state)).filter((m): m is Message => m !== null);
      if (out.length) client.write(Buffer.concat(out.map(encode)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    mutations: () => mutations,
    dsnVia(dsn) {
      const u = new URL(dsn);
      u.port = String(port);
      return u.toString();
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const queryText = (m: Message): string | undefined => (m.type === 'Q' ? m.body.toString('utf8', 0, m.body.length - 1) : undefined);
const queryMessage = (sql: string): Message => ({ type: 'Q', body: Buffer.concat([Buffer.from(sql, 'utf8'), Buffer.alloc(1)]) });

/** The search parameter forced very low: every `SET hnsw.ef_search = N` becomes `= 1`. */
export const efSearchOne: Mutant = {
  name: 'ef-search-one',
  frontend(m, mark) {
    const sql = queryText(m);
    if (sql === undefined || !/SET hnsw\.ef_search = \d+/.test(sql)) return m;
    mark();
    return queryMessage(sql.replace(/SET hnsw\.ef_search = \d+/, 'SET hnsw.ef_search = 1'));
  },
};

/** An index that is never built: `CREATE INDEX` is replaced by `SELECT 1`. */
export const noIndex: Mutant = {
  name: 'no-index',
  frontend(m, mark) {
    const sql = queryText(m);
    if (sql === undefined || !/^CREATE INDEX/.test(sql)) return m;
    mark();
    return queryMessage('SELECT 1');
  },
};

/** One result dropped per query: the first (nearest) DataRow of every `id, distance` result; CommandComplete fixed up. */
export const dropNearest: Mutant = {
  name: 'drop-nearest',
  backend(m, mark, state) {
    if (m.type === 'T') {
      const n = m.body.readInt16BE(0);
      const first = m.body.toString('utf8', 2, m.body.indexOf(0, 2));
      const secondStart = m.body.indexOf(0, 2) + 1 + 18;
      const second = n > 1 ? m.body.toString('utf8', secondStart, m.body.indexOf(0, secondStart)) : '';
      state.armed = first === 'id' && second === 'distance';
      state.dropped = false;
      return m;
    }
    if (m.type === 'D' && state.armed && !state.dropped) {
      state.dropped = true;
      mark();
      return null;
    }
    if (m.type === 'C' && state.armed) {
      state.armed = false;
      const tag = m.body.toString('utf8', 0, m.body.length - 1);
      const match = /^SELECT (\d+)$/.exec(tag);
      if (match && state.dropped) return { type: 'C', body: Buffer.from(`SELECT ${Number(match[1]) - 1}\0`, 'utf8') };
    }
    return m;
  },
};

export const MUTANTS: readonly Mutant[] = [efSearchOne, dropNearest, noIndex];
