// The benign-perturbation proxy: the opposite of a mutant. It forwards every byte unchanged and in
// order within each direction, but changes *when* and *in what pieces* they arrive: each chunk is
// delayed by a random 0–maxDelayMs, cut at random byte boundaries (down to single bytes), and pieces
// that fall due together are written as one (coalesced across protocol messages). Connections get
// their own seeded streams, so two sessions' answers can arrive in either order while every byte of
// each session stays intact. A hop like this (a pooler, a load balancer, a slow link) never changes
// what the server did, so a verdict through it must equal the verdict without it; a difference is a
// case that judged arrival order, or a parser that expected a message in one chunk.
//
// Byte-level on purpose (no framing): TLS and both wire families pass through it untouched.
import net from 'node:net';

/** Options of {@link startPerturbProxy}. */
export interface PerturbOptions {
  upstream: { host: string; port: number };
  /** Seeds every random choice, so a failing run can be replayed. */
  seed: number;
  /** Upper bound of the random delay added to each chunk, per direction (ms). Default 20. */
  maxDelayMs?: number;
  /** Cut chunks at random byte boundaries (sometimes into single bytes). Default true. */
  split?: boolean;
  /**
   * Cut every chunk into single bytes and write each on its own, one per event-loop turn, so a
   * reader in this process sees one-byte reads (a hand-framed parser must cope). Slow: meant for
   * small exchanges, with a small `maxDelayMs`. Default false.
   */
  oneByte?: boolean;
}

/** Which way bytes flow: `up` client → server, `down` server → client. */
export type Direction = 'up' | 'down';

/** A running perturbation proxy. */
export interface PerturbProxy {
  readonly host: string;
  readonly port: number;
  readonly seed: number;
  /** `dsn` with host and port replaced by the proxy's (everything else, TLS included, unchanged). */
  dsnVia(dsn: string): string;
  /** Holds one direction of every connection (bytes queue up) while the other keeps flowing. */
  hold(direction: Direction): void;
  /** Releases a held direction: the queued bytes go out in order. */
  release(direction: Direction): void;
  /**
   * What the proxy did so far, per direction: chunks read, the pieces it cut them into (more pieces
   * than chunks: it split), the writes it made of them (fewer writes than pieces: it merged), bytes.
   */
  stats(): { connections: number; chunks: Record<Direction, number>; pieces: Record<Direction, number>; writes: Record<Direction, number>; bytes: Record<Direction, number> };
  close(): Promise<void>;
}

/** mulberry32: small, seedable, good enough to pick delays and cut points. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cut points of a chunk: none, a few random ones, or (now and then, for short chunks) every byte. */
function pieces(buf: Buffer, r: () => number, split: boolean, oneByte: boolean): Buffer[] {
  if (oneByte) return [...buf].map((b) => Buffer.from([b]));
  if (!split || buf.length < 2) return [buf];
  const roll = r();
  if (roll < 0.3) return [buf];
  if (roll < 0.45 && buf.length <= 64) return [...buf].map((b) => Buffer.from([b]));
  const n = 1 + Math.floor(r() * Math.min(4, buf.length - 1));
  const cuts = new Set<number>();
  while (cuts.size < n) cuts.add(1 + Math.floor(r() * (buf.length - 1)));
  const at = [0, ...[...cuts].sort((x, y) => x - y), buf.length];
  return at.slice(1).map((end, i) => buf.subarray(at[i], end));
}

/** Starts a perturbation proxy on 127.0.0.1 (a free port) in front of `upstream`. */
export async function startPerturbProxy(o: PerturbOptions): Promise<PerturbProxy> {
  const maxDelay = o.maxDelayMs ?? 20;
  const split = o.split ?? true;
  const oneByte = o.oneByte ?? false;
  const held: Record<Direction, boolean> = { up: false, down: false };
  const stats = { connections: 0, chunks: { up: 0, down: 0 }, pieces: { up: 0, down: 0 }, writes: { up: 0, down: 0 }, bytes: { up: 0, down: 0 } };
  const flushers = new Set<(d: Direction) => void>();
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const conn = stats.connections++;
    const upstream = net.connect(o.upstream.port, o.upstream.host);
    // Nagle's algorithm would hold each small piece until the previous one is acknowledged (40 ms
    // with Linux's delayed ACK): unseeded delays, ten times the chosen ones. Only ours apply.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const pipes: Partial<Record<Direction, { flush(): void; queued(): number }>> = {};
    const teardown = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      flushers.delete(onRelease);
    };
    const onRelease = (d: Direction): void => pipes[d]?.flush();
    flushers.add(onRelease);

    const pipe = (from: net.Socket, to: net.Socket, d: Direction): void => {
      // Each connection and direction draws from its own stream: the same seed replays the same run.
      const r = rng((o.seed * 1_000_003 + conn * 2 + (d === 'up' ? 0 : 1)) >>> 0);
      const queue: Array<{ due: number; buf: Buffer }> = [];
      let lastDue = 0;
      let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
      let ended = false;
      /** A one-byte write not yet handed to the kernel: nothing else goes out until it has. */
      let writing = false;
      const flush = (): void => {
        timer = undefined;
        if (held[d] || to.destroyed) return;
        const now = Date.now();
        const out: Buffer[] = [];
        // One byte per turn in oneByte mode: bytes written in one turn would reach the reader as one read.
        while (queue.length && queue[0]!.due <= now && !(oneByte && out.length)) out.push(queue.shift()!.buf);
        if (out.length) {
          stats.writes[d]++;
          // In oneByte mode the next byte waits until this one has left (the write's callback) and a
          // turn has passed: two one-byte writes queued in the socket at once can reach a reader in one read.
          if (oneByte && queue.length && queue[0]!.due <= now) {
            writing = true;
            to.write(out[0]!, () => {
              writing = false;
              if (!timer) timer = setImmediate(flush);
            });
            return;
          }
          to.write(out.length === 1 ? out[0]! : Buffer.concat(out));
        }
        if (queue.length && oneByte && queue[0]!.due <= now) timer = setImmediate(flush);
        else if (queue.length) timer = setTimeout(flush, Math.max(0, queue[0]!.due - now));
        else if (ended) to.end();
      };
      pipes[d] = { flush: () => (timer || writing ? undefined : flush()), queued: () => (to.destroyed ? 0 : queue.length) };
      from.on('data', (chunk: Buffer) => {
        stats.chunks[d]++;
        stats.bytes[d] += chunk.length;
        const now = Date.now();
        // Order within a direction is kept: a piece is never due before the one queued ahead of it,
        // and pieces that come due together go out in one write.
        for (const p of pieces(chunk, r, split, oneByte)) {
          stats.pieces[d]++;
          lastDue = Math.max(lastDue, now + Math.floor(r() * (maxDelay + 1)));
          queue.push({ due: lastDue, buf: Buffer.from(p) });
        }
        if (!timer && !writing && !held[d]) timer = setTimeout(flush, Math.max(0, queue[0]!.due - now));
      });
      from.on('end', () => {
        ended = true;
        if (!queue.length && !held[d]) to.end();
      });
    };
    pipe(client, upstream, 'up');
    pipe(upstream, client, 'down');
    // After a close, what is still queued goes out first (in oneByte mode that takes one turn per
    // byte, longer than maxDelay), bounded so a held direction cannot keep the sockets forever.
    const closing = (since: number): void => {
      const queued = (pipes.up?.queued() ?? 0) + (pipes.down?.queued() ?? 0);
      if (queued && Date.now() - since < 5_000) setTimeout(() => closing(since), maxDelay + 10);
      else teardown();
    };
    const onClose = (): void => void setTimeout(() => closing(Date.now()), maxDelay + 50);
    client.on('error', teardown).on('close', onClose);
    upstream.on('error', teardown).on('close', onClose);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    seed: o.seed,
    dsnVia(dsn) {
      const u = new URL(dsn);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    hold(d) {
      held[d] = true;
    },
    release(d) {
      held[d] = false;
      for (const f of flushers) f(d);
    },
    stats: () => structuredClone(stats),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
