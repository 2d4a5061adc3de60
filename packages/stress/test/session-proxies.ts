// Mutant endpoints for the session cases: small loopback TCP proxies in front of the real test
// server, each breaking one promise about sessions. Byte-level (the test server speaks plain TCP).
import net from 'node:net';

/** A running mutant proxy. */
export interface SessionProxy {
  readonly port: number;
  /** `dsn` with host and port replaced by the proxy's. */
  dsnVia(dsn: string): string;
  /** How often the mutant did its one wrong thing. */
  mutations(): number;
  close(): Promise<void>;
}

type Pair = { client: net.Socket; upstream: net.Socket };

async function listen(upstream: { host: string; port: number }, onPair: (p: Pair, all: Set<Pair>, mark: () => void) => void): Promise<SessionProxy> {
  const pairs = new Set<Pair>();
  let mutations = 0;
  const server = net.createServer((client) => {
    const up = net.connect(upstream.port, upstream.host);
    client.setNoDelay(true);
    up.setNoDelay(true);
    const p = { client, upstream: up };
    pairs.add(p);
    client.on('error', () => undefined);
    up.on('error', () => undefined);
    onPair(p, pairs, () => void mutations++);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    dsnVia(dsn) {
      const u = new URL(dsn);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    mutations: () => mutations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
        pairs.clear();
        server.close(() => resolve());
      }),
  };
}

/** PostgreSQL's Terminate message: 'X' and a length of 4. */
export const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);
/** MySQL's COM_QUIT: a packet of length 1, sequence 0, command 0x01. */
export const COM_QUIT = Buffer.from([1, 0, 0, 0, 1]);

/**
 * Leaks server sessions: when a client says goodbye (Terminate, or COM_QUIT for MySQL) and closes, the proxy swallows the
 * Terminate and keeps its connection to the server open, so the server's backend lives on idle
 * (a pooler or gateway that never releases what its clients closed).
 */
export function startLeakyProxy(upstream: { host: string; port: number }, goodbye: Buffer = TERMINATE): Promise<SessionProxy> {
  return listen(upstream, ({ client, upstream: up }, _all, mark) => {
    client.on('data', (b: Buffer) => {
      // node-postgres (Terminate) and mysql2 (COM_QUIT) write the goodbye on its own just before closing the socket.
      if (b.length >= goodbye.length && b.subarray(b.length - goodbye.length).equals(goodbye)) {
        mark();
        if (b.length > goodbye.length) up.write(b.subarray(0, b.length - goodbye.length));
        return;
      }
      up.write(b);
    });
    up.on('data', (b: Buffer) => {
      if (!client.destroyed) client.write(b);
    });
    client.on('close', () => undefined); // the leak: the server side stays open
    up.on('close', () => client.destroy());
  });
}

/**
 * Drops established sessions under pressure: once more than `limit` connections are open through
 * it, every new one makes the proxy reset the oldest open connection (a gateway that sheds old
 * sessions instead of refusing new ones).
 */
export function startSheddingProxy(upstream: { host: string; port: number }, limit: number): Promise<SessionProxy> {
  return listen(upstream, (p, all, mark) => {
    const { client, upstream: up } = p;
    client.pipe(up);
    up.pipe(client);
    const end = (): void => {
      all.delete(p);
      client.destroy();
      up.destroy();
    };
    client.on('close', end);
    up.on('close', end);
    while (all.size > limit) {
      const oldest = all.values().next().value as Pair;
      all.delete(oldest);
      mark();
      oldest.client.resetAndDestroy();
      oldest.upstream.destroy();
    }
  });
}

/**
 * Breaks LISTEN sessions (those whose StartupMessage names an application ending in `_listener`),
 * each listener in turn one of three ways once its first notification comes: the first is cut
 * (both sockets reset), the second never gets a NotificationResponse again, the rest get
 * everything from then on `delayMs` late (in order). Every other session passes untouched.
 */
export function startListenerBreakingProxy(upstream: { host: string; port: number }, delayMs: number): Promise<SessionProxy> {
  let listeners = 0;
  return listen(upstream, ({ client, upstream: up }, all, mark) => {
    let role: 'plain' | 'cut' | 'drop' | 'delay' | undefined;
    let pending = Buffer.alloc(0);
    let broken = false;
    client.on('data', (b: Buffer) => {
      if (role === undefined) {
        // The first client packet is the StartupMessage: parameter names and values, NUL-separated.
        const isListener = /_listener\0/.test(b.toString('latin1'));
        role = !isListener ? 'plain' : (['cut', 'drop', 'delay'] as const)[Math.min(2, listeners++)];
      }
      up.write(b);
    });
    const send = (b: Buffer): void => {
      if (!client.destroyed) client.write(b);
    };
    up.on('data', (b: Buffer) => {
      if (role === 'plain' || role === undefined) return send(b);
      pending = Buffer.concat([pending, b]);
      // Frame the server's messages: type byte and a length that counts itself.
      let out = Buffer.alloc(0);
      while (pending.length >= 5 && pending.length >= 1 + pending.readInt32BE(1)) {
        const n = 1 + pending.readInt32BE(1);
        const m = pending.subarray(0, n);
        pending = pending.subarray(n);
        const notification = m[0] === 0x41;
        if (notification && !broken) {
          broken = true;
          mark();
          if (role === 'cut') {
            client.resetAndDestroy();
            up.destroy();
            return;
          }
        }
        if (broken && role === 'drop' && notification) continue;
        out = Buffer.concat([out, m]);
      }
      if (out.length === 0) return;
      if (broken && role === 'delay') setTimeout(() => send(out), delayMs);
      else send(out);
    });
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
  });
}
