/**
 * The client-facing endpoint of a testbed cluster, in the role HAProxy plays with a health check in
 * front of a real one: a loopback TCP proxy that sends each NEW connection to the node that answers
 * `SELECT pg_is_in_recovery()` = false. Every node is checked every `intervalMs` over a kept-open
 * session, each check with a short deadline. A node is down when that session breaks, or after `fall`
 * checks in a row failed or missed their deadline (HAProxy's `fall`, 3 by default there and here: one
 * slow answer on a loaded machine is not a dead node — with one, a 500 ms hiccup at load 15 cut the
 * clients' sessions to a healthy primary). The connections the router holds to a down node are closed
 * (HAProxy's `on-marked-down shutdown-sessions`). With no primary, a new connection gets a PostgreSQL
 * FATAL 57P03 at once.
 */
import net from 'node:net';
import pg from 'pg';
import { withDeadline } from './pg-cluster-node.js';

export interface RouterNode {
  name: string;
  port: number;
  /** Default 127.0.0.1 (a node in its own network namespace has its own address). */
  host?: string;
}

export interface RouterOptions {
  user: string;
  password: string;
  intervalMs?: number;
  checkTimeoutMs?: number;
  /** Failed or late checks in a row that make a node down. Default 3. */
  fall?: number;
}

/** One change of the node new connections go to. */
export interface RouterEvent {
  at: number;
  target: string | undefined;
}

interface Health {
  node: RouterNode;
  client: pg.Client | undefined;
  checking: boolean;
  primary: boolean;
  conns: Set<net.Socket>;
  /** Checks in a row that failed or missed their deadline. */
  fails: number;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat([
    Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0`, 'utf8'),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

export class PgRouter {
  port = 0;
  /** The node new connections go to (undefined: none answers as primary). */
  target: string | undefined;
  readonly events: RouterEvent[] = [];
  private readonly server: net.Server;
  private readonly health: Health[];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly intervalMs: number;
  private readonly checkTimeoutMs: number;
  private readonly fall: number;
  private readonly waiters = new Set<() => void>();

  constructor(
    nodes: RouterNode[],
    private readonly opts: RouterOptions,
  ) {
    this.intervalMs = opts.intervalMs ?? 200;
    this.checkTimeoutMs = opts.checkTimeoutMs ?? 500;
    this.fall = Math.max(1, opts.fall ?? 3);
    this.health = nodes.map((node) => ({ node, client: undefined, checking: false, primary: false, conns: new Set(), fails: 0 }));
    this.server = net.createServer((sock) => this.accept(sock));
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one) and starts the health checks. */
  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    // A forgotten cluster must not keep its host process alive (the exit handler stops the nodes).
    this.server.unref();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    this.tick();
  }

  /** Resolves once new connections go to `name` (or to anyone, when undefined), false after `timeoutMs`. */
  async waitForTarget(name: string | undefined, timeoutMs: number): Promise<boolean> {
    const ok = () => (name === undefined ? this.target !== undefined : this.target === name);
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() >= deadline || this.closed) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now())));
        this.waiters.add(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  /** Number of open client connections per node (tests, diagnostics). */
  connections(): Record<string, number> {
    return Object.fromEntries(this.health.map((h) => [h.node.name, h.conns.size]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const h of this.health) {
      this.dropClient(h);
      for (const s of h.conns) s.destroy();
      h.conns.clear();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private tick(): void {
    if (this.closed) return;
    for (const h of this.health) if (!h.checking) void this.check(h);
  }

  private dropClient(h: Health): void {
    const c = h.client;
    h.client = undefined;
    if (!c) return;
    // end() would wait for a frozen server; the socket is simply destroyed.
    (c as unknown as { connection?: { stream?: net.Socket } }).connection?.stream?.destroy();
    void c.end().catch(() => undefined);
  }

  private async check(h: Health): Promise<void> {
    h.checking = true;
    let primary = false;
    try {
      if (!h.client) {
        const c = new pg.Client({
          host: h.node.host ?? '127.0.0.1',
          port: h.node.port,
          user: this.opts.user,
          password: this.opts.password,
          database: 'postgres',
          ssl: false,
          connectionTimeoutMillis: this.checkTimeoutMs,
          application_name: 'helios-testbed-router',
        });
        c.on('error', () => {
          if (h.client === c) this.markDown(h);
        });
        h.client = c;
        const connected = await withDeadline(
          c.connect().then(() => true),
          this.checkTimeoutMs,
          () => false,
        );
        if (!connected) throw new Error('connect timeout');
      }
      const r = await withDeadline(h.client.query('SELECT pg_is_in_recovery() AS r'), this.checkTimeoutMs, () => undefined);
      if (!r) throw new Error('check timeout');
      primary = (r.rows[0] as { r: boolean } | undefined)?.r === false;
    } catch {
      h.checking = false;
      if (this.closed) return;
      // The router's own session is replaced either way (a late query would hold the next check).
      this.dropClient(h);
      if (++h.fails >= this.fall) this.markDown(h);
      return;
    }
    h.checking = false;
    h.fails = 0;
    if (this.closed) return;
    if (h.primary !== primary) {
      h.primary = primary;
      this.retarget();
    }
  }

  private markDown(h: Health): void {
    this.dropClient(h);
    for (const s of h.conns) s.destroy();
    h.conns.clear();
    if (h.primary) {
      h.primary = false;
      this.retarget();
    }
  }

  /** Sticks with the current target while it is primary; otherwise the first primary in node order. */
  private retarget(): void {
    const cur = this.health.find((h) => h.node.name === this.target);
    const next = cur?.primary ? cur : this.health.find((h) => h.primary);
    const name = next?.node.name;
    if (name === this.target) return;
    this.target = name;
    this.events.push({ at: Date.now(), target: name });
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }

  private accept(sock: net.Socket): void {
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    const h = this.health.find((x) => x.node.name === this.target && x.primary);
    if (!h || this.closed) {
      this.refuse(sock);
      return;
    }
    const up = net.connect({ host: h.node.host ?? '127.0.0.1', port: h.node.port });
    up.setNoDelay(true);
    h.conns.add(sock);
    const done = () => {
      h.conns.delete(sock);
      sock.destroy();
      up.destroy();
    };
    up.on('error', done);
    up.on('close', done);
    sock.on('close', done);
    sock.pipe(up);
    up.pipe(sock);
  }

  /** No primary: answer the client's startup with FATAL 57P03 (an SSL/GSS request first gets 'N'). */
  private refuse(sock: net.Socket): void {
    sock.setTimeout(2000, () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const len = buf.readInt32BE(0);
        if (len < 8 || len > 10_000) {
          sock.destroy();
          return;
        }
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        buf = buf.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          sock.write('N');
          continue;
        }
        sock.end(errorResponse('57P03', 'helios-testbed router: no node answers pg_is_in_recovery() = false right now'));
        return;
      }
    });
  }
}
