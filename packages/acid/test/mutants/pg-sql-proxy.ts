// A loopback proxy in front of a real PostgreSQL server that can rewrite the SQL text of the
// client's Query ('Q') and Parse ('P') messages and the server's CommandComplete ('C') tags:
// enough to build mutant endpoints that acknowledge a COMMIT they never performed, downgrade
// the isolation level a client asked for, or swallow BEGIN. It declines TLS ('N') so it can
// read the messages; everything it does not touch passes through byte for byte.
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Per-connection state a mutant may keep (e.g. "the next ROLLBACK tag answers a COMMIT"). */
export type ConnState = Record<string, unknown>;

/** The two hooks of a mutant; each returns the (possibly) rewritten text. */
export interface SqlMutation {
  /** SQL of a Query or Parse message from the client. */
  sql?(sql: string, state: ConnState, mark: () => void): string;
  /** Command tag of a CommandComplete from the server (`COMMIT`, `ROLLBACK`, `INSERT 0 1`, …). */
  tag?(tag: string, state: ConnState, mark: () => void): string;
}

/** A running proxy. */
export interface SqlProxy {
  port: number;
  /** How many times a hook changed something. */
  mutations(): number;
  /** The upstream DSN with host and port replaced by the proxy's. */
  dsnVia(upstreamDsn: string): string;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function rewriteClient(type: string, body: Buffer, m: SqlMutation, state: ConnState, mark: () => void): Buffer | null {
  if (!m.sql) return null;
  if (type === 'Q') {
    const sql = body.toString('utf8', 0, body.length - 1);
    const out = m.sql(sql, state, mark);
    return out === sql ? null : frame('Q', Buffer.concat([Buffer.from(out, 'utf8'), Buffer.alloc(1)]));
  }
  if (type === 'P') {
    const nameEnd = body.indexOf(0);
    const sqlEnd = body.indexOf(0, nameEnd + 1);
    const sql = body.toString('utf8', nameEnd + 1, sqlEnd);
    const out = m.sql(sql, state, mark);
    if (out === sql) return null;
    return frame('P', Buffer.concat([body.subarray(0, nameEnd + 1), Buffer.from(out, 'utf8'), body.subarray(sqlEnd)]));
  }
  return null;
}

/** Starts the proxy on 127.0.0.1 at a free port. */
export async function startSqlProxy(upstreamPort: number, m: SqlMutation): Promise<SqlProxy> {
  let mutations = 0;
  const mark = (): void => void mutations++;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const state: ConnState = {};
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client).add(upstream);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);

    let startup = true;
    let inbuf = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      inbuf = Buffer.concat([inbuf, chunk]);
      const out: Buffer[] = [];
      let off = 0;
      for (;;) {
        if (startup) {
          if (inbuf.length - off < 8) break;
          const len = inbuf.readInt32BE(off);
          if (inbuf.length - off < len) break;
          const code = inbuf.readInt32BE(off + 4);
          if (len === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST)) client.write('N');
          else {
            out.push(inbuf.subarray(off, off + len));
            startup = false;
          }
          off += len;
          continue;
        }
        if (inbuf.length - off < 5) break;
        const len = inbuf.readInt32BE(off + 1);
        if (inbuf.length - off < 1 + len) break;
        const type = String.fromCharCode(inbuf[off]!);
        const original = inbuf.subarray(off, off + 1 + len);
        out.push(rewriteClient(type, Buffer.from(original.subarray(5)), m, state, mark) ?? original);
        off += 1 + len;
      }
      if (out.length) upstream.write(Buffer.concat(out));
      inbuf = inbuf.subarray(off);
    });

    let upbuf = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      if (!m.tag) {
        client.write(chunk);
        return;
      }
      upbuf = Buffer.concat([upbuf, chunk]);
      const out: Buffer[] = [];
      let off = 0;
      while (upbuf.length - off >= 5) {
        const len = upbuf.readInt32BE(off + 1);
        if (upbuf.length - off < 1 + len) break;
        const type = String.fromCharCode(upbuf[off]!);
        const original = upbuf.subarray(off, off + 1 + len);
        if (type === 'C') {
          const tag = original.toString('utf8', 5, original.length - 1);
          const next = m.tag(tag, state, mark);
          out.push(next === tag ? original : frame('C', Buffer.concat([Buffer.from(next, 'utf8'), Buffer.alloc(1)])));
        } else out.push(original);
        off += 1 + len;
      }
      if (out.length) client.write(Buffer.concat(out));
      upbuf = upbuf.subarray(off);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('proxy has no TCP address');
  return {
    port: addr.port,
    mutations: () => mutations,
    dsnVia: (dsn) => {
      const url = new URL(dsn);
      url.hostname = '127.0.0.1';
      url.port = String(addr.port);
      url.search = '?sslmode=disable';
      return url.toString();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** COMMIT is sent on as ROLLBACK and the server's "ROLLBACK" is answered to the client as "COMMIT". */
export const fakeCommit: SqlMutation = {
  sql(sql, state, mark) {
    if (!/^\s*COMMIT\s*;?\s*$/i.test(sql)) return sql;
    mark();
    state.pendingFake = ((state.pendingFake as number | undefined) ?? 0) + 1;
    return 'ROLLBACK';
  },
  tag(tag, state) {
    const n = (state.pendingFake as number | undefined) ?? 0;
    if (tag !== 'ROLLBACK' || n === 0) return tag;
    state.pendingFake = n - 1;
    return 'COMMIT';
  },
};

/** Every BEGIN the client asks for runs at READ COMMITTED, whatever level it named. */
export const downgradeLevel: SqlMutation = {
  sql(sql, _state, mark) {
    const out = sql.replace(/ISOLATION\s+LEVEL\s+(SERIALIZABLE|REPEATABLE\s+READ)/gi, 'ISOLATION LEVEL READ COMMITTED');
    if (out !== sql) mark();
    return out;
  },
};

/** BEGIN is swallowed (turned into a query that does nothing): every statement then commits on its own. */
export const swallowBegin: SqlMutation = {
  sql(sql, _state, mark) {
    if (!/^\s*(BEGIN|START\s+TRANSACTION)\b/i.test(sql)) return sql;
    mark();
    return 'SELECT 1 WHERE false';
  },
};
