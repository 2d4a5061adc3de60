// The kit's one framing proxy: a loopback TCP proxy in front of a real server that cuts both
// directions into protocol frames (PostgreSQL v3 messages or MySQL packets) and hands each one
// to a hook, which may pass it on, rewrite it, replace it with several frames or drop it. Mutant
// endpoints are a few lines of hooks on top of it. A direction without a hook is piped byte for
// byte; a frame a hook returns unchanged is forwarded as the bytes that arrived.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { MessageFramer, REQUEST_CODES, startupParams, type WireMessage } from '@helios-conformance/sql/pg-wire';

/** A PostgreSQL message: its type byte as a character ('Q', 'D', 'E', …) and its body (no length). */
export type PgFrame = WireMessage;

/** A MySQL packet: its sequence id and payload (no header). */
export interface MyFrame {
  seq: number;
  body: Buffer;
}

/** What a hook knows about the connection a frame belongs to. */
export interface ConnContext {
  /** Index of this connection since the proxy started (0, 1, …). */
  readonly connection: number;
  /** PostgreSQL: the parameters of the client's StartupMessage (user, database, application_name, …). */
  startup: Record<string, string>;
  /** MySQL: command byte of the client's last command (its seq-0 packet), -1 before the first. */
  lastCommand: number;
  /** Per-connection state a mutant may keep. */
  readonly state: Record<string, unknown>;
  /** Counts one mutation (tests assert that a mutant actually did something). */
  mark(): void;
}

/** A hook: return the frame (changed or not), several frames, or null to drop it. */
export type FrameHook<F> = (frame: F, ctx: ConnContext) => F | F[] | null;

interface CommonOptions {
  upstream: { host: string; port: number };
}

/** Options of {@link startProxy} for PostgreSQL. */
export interface PgProxyOptions extends CommonOptions {
  family: 'postgres';
  client?: FrameHook<PgFrame>;
  server?: FrameHook<PgFrame>;
  /**
   * Terminate TLS with this certificate and key: answer SSLRequest with 'S' and speak TLS to the
   * client while the session to the server stays plain TCP (a TLS-terminating middlebox).
   * Without it, SSLRequest and GSSENCRequest are answered 'N' so every byte stays readable.
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

/** Options of {@link startProxy} for MySQL (plain, uncompressed sessions: connect with ssl-mode=DISABLED). */
export interface MyProxyOptions extends CommonOptions {
  family: 'mysql';
  client?: FrameHook<MyFrame>;
  server?: FrameHook<MyFrame>;
}

/** A running proxy. */
export interface Proxy {
  readonly host: string;
  readonly port: number;
  /** Mutations marked by the hooks so far. */
  mutations(): number;
  /** `dsn` with host and port replaced by the proxy's (PostgreSQL TLS parameters dropped: the proxy declines TLS). */
  dsnVia(dsn: string): string;
  /** From now on nothing is forwarded in either direction (a frozen server); new connections hang too. */
  freeze(): void;
  /**
   * The endpoint "dies": every current connection is reset (both sides) and every new one is
   * accepted and reset at once, until {@link Proxy.resume} (a server process that crashed and
   * has not come back; the runner's liveness tests use it).
   */
  kill(): void;
  /** Ends {@link Proxy.kill}: new connections are forwarded again (the server is back). */
  resume(): void;
  stop(): Promise<void>;
}

const encodePg = (m: PgFrame): Buffer => {
  const head = Buffer.alloc(5);
  head.write(m.type, 0, 'latin1');
  head.writeInt32BE(m.body.length + 4, 1);
  return Buffer.concat([head, m.body]);
};

const encodeMy = (p: MyFrame): Buffer => {
  const head = Buffer.alloc(4);
  head.writeUIntLE(p.body.length, 0, 3);
  head[3] = p.seq & 0xff;
  return Buffer.concat([head, p.body]);
};

/** Applies a hook to framed input; unchanged frames keep their original bytes. */
function applyHook<F extends { body: Buffer }>(hook: FrameHook<F>, frame: F, raw: Buffer, ctx: ConnContext, encode: (f: F) => Buffer, out: Buffer[]): void {
  const body = Buffer.from(frame.body);
  const result = hook(frame, ctx);
  if (result === frame && frame.body.equals(body)) out.push(raw);
  else for (const f of result === null ? [] : Array.isArray(result) ? result : [result]) out.push(encode(f));
}

/** Packets bigger than this are streamed through unparsed (hooks only look at small MySQL packets). */
const MY_STREAM_THRESHOLD = 64 * 1024;

/** Frames MySQL packets; big ones are passed through as they arrive. */
class MyPump {
  private framer = new MessageFramer();
  private passthrough = 0;
  constructor(private readonly onPacket: (p: MyFrame, raw: Buffer, out: Buffer[]) => void) {}

  push(chunk: Buffer, out: Buffer[]): void {
    let data = chunk;
    if (this.passthrough > 0) {
      const n = Math.min(this.passthrough, data.length);
      out.push(data.subarray(0, n));
      this.passthrough -= n;
      data = data.subarray(n);
    }
    this.framer.push(data);
    while (this.framer.buffered >= 4) {
      const len = this.framer.peek(4).readUIntLE(0, 3);
      if (len > MY_STREAM_THRESHOLD) {
        const have = Math.min(this.framer.buffered, 4 + len);
        out.push(this.framer.take(have));
        this.passthrough = 4 + len - have;
        if (this.passthrough > 0) return;
        continue;
      }
      if (this.framer.buffered < 4 + len) return;
      const raw = this.framer.take(4 + len);
      this.onPacket({ seq: raw[3] as number, body: raw.subarray(4) }, raw, out);
    }
  }
}

/** Frames PostgreSQL messages from the client: untyped startup-phase messages first. */
function pgClientSide(o: PgProxyOptions, client: Socket, ctx: ConnContext, toServer: (b: Buffer) => void, onTls: (secure: Duplex) => void): (chunk: Buffer) => void {
  const framer = new MessageFramer();
  let startup = true;
  let upgraded = false;
  return (chunk) => {
    framer.push(chunk);
    const out: Buffer[] = [];
    while (startup && framer.buffered >= 8) {
      const head = framer.peek(8);
      const len = head.readInt32BE(0);
      const code = head.readInt32BE(4);
      if (len === 8 && code === REQUEST_CODES.SSL && o.tls && !upgraded) {
        framer.take(8);
        upgraded = true;
        client.write('S');
        ctx.mark();
        onTls(new TLSSocket(client, { isServer: true, cert: o.tls.cert, key: o.tls.key }));
        return;
      }
      if (len === 8 && (code === REQUEST_CODES.SSL || code === REQUEST_CODES.GSSENC)) {
        framer.take(8);
        client.write('N');
        continue;
      }
      if (framer.buffered < len) return;
      const whole = framer.take(len);
      ctx.startup = startupParams(whole);
      out.push(whole);
      startup = false;
    }
    if (!startup) {
      for (let f = framer.next(); f; f = framer.next()) {
        if (o.client) applyHook(o.client, f.message, f.raw, ctx, encodePg, out);
        else out.push(f.raw);
      }
    }
    // One write per chunk received, as the client sent it.
    if (out.length) toServer(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  };
}

/**
 * Starts a framing proxy on 127.0.0.1 at a free port. Both sockets of every connection get
 * TCP_NODELAY and one write per chunk received: a proxy that reframes messages otherwise makes
 * every round trip wait out Nagle and delayed ACK (~40 ms).
 */
export async function startProxy(o: PgProxyOptions | MyProxyOptions): Promise<Proxy> {
  let mutations = 0;
  let connections = 0;
  let frozen = false;
  let killed = false;
  const sockets = new Set<Socket>();
  const reset = (s: Socket): void => {
    s.on('error', () => undefined);
    if (typeof s.resetAndDestroy === 'function' && !s.destroyed) s.resetAndDestroy();
    else s.destroy();
  };
  const server: Server = createServer((client) => {
    if (killed) {
      reset(client);
      return;
    }
    const ctx: ConnContext = { connection: connections++, startup: {}, lastCommand: -1, state: {}, mark: () => void mutations++ };
    const upstream = connect(o.upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    let clientSide: Duplex = client;
    const toServer = (b: Buffer): void => {
      if (!frozen) upstream.write(b);
    };
    const toClient = (b: Buffer): void => {
      if (!frozen) clientSide.write(b);
    };

    if (o.family === 'postgres') {
      const onClientData = pgClientSide(o, client, ctx, toServer, (secure) => {
        client.removeListener('data', onClientData);
        secure.on('error', closeBoth);
        secure.on('data', onClientData);
        clientSide = secure;
      });
      client.on('data', onClientData);
      const framer = new MessageFramer();
      upstream.on('data', (chunk: Buffer) => {
        if (!o.server) return toClient(chunk);
        framer.push(chunk);
        const out: Buffer[] = [];
        for (let f = framer.next(); f; f = framer.next()) applyHook(o.server, f.message, f.raw, ctx, encodePg, out);
        if (out.length) toClient(Buffer.concat(out));
      });
    } else {
      const clientPump = new MyPump((p, raw, out) => {
        if (p.seq === 0 && p.body.length > 0) ctx.lastCommand = p.body[0] as number;
        if (o.client) applyHook(o.client, p, raw, ctx, encodeMy, out);
        else out.push(raw);
      });
      const serverPump = new MyPump((p, raw, out) => {
        if (o.server) applyHook(o.server, p, raw, ctx, encodeMy, out);
        else out.push(raw);
      });
      client.on('data', (chunk: Buffer) => {
        const out: Buffer[] = [];
        clientPump.push(chunk, out);
        if (out.length) toServer(Buffer.concat(out));
      });
      upstream.on('data', (chunk: Buffer) => {
        const out: Buffer[] = [];
        serverPump.push(chunk, out);
        if (out.length) toClient(Buffer.concat(out));
      });
    }
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
    dsnVia(dsn) {
      const url = new URL(dsn);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      if (o.family === 'postgres' && !o.tls) url.search = '';
      return url.toString();
    },
    freeze() {
      frozen = true;
    },
    kill() {
      killed = true;
      for (const s of sockets) reset(s);
      sockets.clear();
    },
    resume() {
      killed = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- helpers for mutants

const COM_QUERY = 0x03;

/**
 * The SQL text of a client frame: a PostgreSQL Query ('Q') or Parse ('P') message, or a MySQL
 * COM_QUERY packet. Undefined for anything else.
 */
export function sqlOf(frame: PgFrame | MyFrame): string | undefined {
  if ('type' in frame) {
    if (frame.type === 'Q') return frame.body.toString('utf8', 0, frame.body.length - 1);
    if (frame.type === 'P') {
      const nameEnd = frame.body.indexOf(0);
      return frame.body.toString('utf8', nameEnd + 1, frame.body.indexOf(0, nameEnd + 1));
    }
    return undefined;
  }
  return frame.seq === 0 && frame.body[0] === COM_QUERY ? frame.body.toString('utf8', 1) : undefined;
}

/** The same client frame carrying `sql` instead (lengths kept valid). */
export function withSql<F extends PgFrame | MyFrame>(frame: F, sql: string): F {
  const text = Buffer.from(sql, 'utf8');
  if ('type' in frame) {
    if (frame.type === 'Q') return { ...frame, body: Buffer.concat([text, Buffer.alloc(1)]) };
    const nameEnd = frame.body.indexOf(0);
    const sqlEnd = frame.body.indexOf(0, nameEnd + 1);
    return { ...frame, body: Buffer.concat([frame.body.subarray(0, nameEnd + 1), text, frame.body.subarray(sqlEnd)]) };
  }
  return { ...frame, body: Buffer.concat([Buffer.from([COM_QUERY]), text]) };
}

/** A client hook that rewrites the SQL of every query (both families); unchanged SQL passes as is. */
export function rewriteSql<F extends PgFrame | MyFrame>(rewrite: (sql: string, ctx: ConnContext) => string): FrameHook<F> {
  return (frame, ctx) => {
    const sql = sqlOf(frame);
    if (sql === undefined) return frame;
    const next = rewrite(sql, ctx);
    if (next === sql) return frame;
    ctx.mark();
    return withSql(frame, next);
  };
}
