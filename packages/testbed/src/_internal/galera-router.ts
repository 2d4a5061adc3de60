/**
 * The client-facing endpoint of a Galera cluster, in the role HAProxy (with a clustercheck) or
 * MaxScale plays in front of a real one: a loopback TCP proxy that sends each NEW connection to a
 * node answering `wsrep_ready = ON` and `wsrep_cluster_status = Primary`, sticking with one node
 * while it stays so (one writer node avoids certification conflicts, as a real setup does). Every
 * node is checked every `intervalMs` with a short deadline; a node that answers it is not ready in
 * a Primary component is down at once, one whose check fails or misses the deadline 3 times in a row
 * too (HAProxy's `fall 3`: one slow answer on a loaded machine is not a lost node), and the
 * connections held to it are closed. With no such node, a new connection gets a MySQL error
 * packet 1047 (08S01) instead of a handshake.
 */
import net from 'node:net';
import type * as Mysql2Module from 'mysql2/promise';
import { deadline, loadMysql2, parseWsrep, WSREP_STATUS_SQL, type GaleraNodeState } from './galera-node.js';

export interface GaleraRouterEvent {
  at: number;
  target: string | undefined;
}

interface Health {
  node: GaleraNodeState;
  conn: Mysql2Module.Connection | undefined;
  checking: boolean;
  ok: boolean;
  conns: Set<net.Socket>;
  /** Checks in a row that failed or missed their deadline. */
  fails: number;
}

/** Failed or late checks in a row that make a node down (HAProxy's default `fall`). */
const FALL = 3;

/** A MySQL protocol ERR packet as the first packet of a connection (sequence id 0). */
function errPacket(code: number, state: string, message: string): Buffer {
  const body = Buffer.concat([Buffer.from([0xff]), Buffer.from([code & 0xff, code >> 8]), Buffer.from(`#${state}${message}`, 'utf8')]);
  const head = Buffer.alloc(4);
  head.writeUIntLE(body.length, 0, 3);
  head[3] = 0;
  return Buffer.concat([head, body]);
}

export class GaleraRouter {
  port = 0;
  target: string | undefined;
  readonly events: GaleraRouterEvent[] = [];
  private readonly server: net.Server;
  private readonly health: Health[];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private waiters = new Set<() => void>();

  constructor(
    nodes: GaleraNodeState[],
    private readonly intervalMs = 200,
    private readonly checkTimeoutMs = 800,
  ) {
    this.health = nodes.map((node) => ({ node, conn: undefined, checking: false, ok: false, conns: new Set(), fails: 0 }));
    this.server = net.createServer((s) => this.accept(s));
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    this.timer = setInterval(() => this.checkAll(), this.intervalMs);
    this.timer.unref();
    this.checkAll();
  }

  /** Resolves true once new connections go to `node` (any node when undefined). */
  waitForTarget(node: string | undefined, timeoutMs: number): Promise<boolean> {
    const ok = () => (node === undefined ? this.target !== undefined : this.target === node);
    if (ok()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = () => {
        if (!ok()) return;
        clearTimeout(t);
        this.waiters.delete(w);
        resolve(true);
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  connections(): Record<string, number> {
    return Object.fromEntries(this.health.map((h) => [h.node.name, h.conns.size]));
  }

  private checkAll(): void {
    for (const h of this.health) if (!h.checking && !this.closed) void this.check(h);
  }

  private async check(h: Health): Promise<void> {
    h.checking = true;
    try {
      if (!h.conn) {
        const m = await loadMysql2();
        const p = m.createConnection({ socketPath: h.node.socket, user: 'root', connectTimeout: this.checkTimeoutMs });
        const c = await deadline(p, this.checkTimeoutMs, h.node.name).catch((e: unknown) => {
          void p.then((x) => x.destroy(), () => undefined);
          throw e;
        });
        c.on('error', () => undefined);
        if (this.closed) {
          c.destroy();
          return;
        }
        h.conn = c;
      }
      const [rows] = await deadline(h.conn.query(WSREP_STATUS_SQL), this.checkTimeoutMs, h.node.name);
      const s = parseWsrep(rows as Array<Record<string, unknown>>);
      h.fails = 0;
      this.mark(h, s.ready && s.clusterStatus === 'Primary');
    } catch {
      h.conn?.destroy();
      h.conn = undefined;
      if (++h.fails >= FALL) this.mark(h, false);
    } finally {
      h.checking = false;
    }
  }

  private mark(h: Health, ok: boolean): void {
    if (!ok) {
      // HAProxy's on-marked-down shutdown-sessions: clients see their node go away.
      for (const s of h.conns) s.destroy();
      h.conns.clear();
    }
    if (h.ok === ok) return;
    h.ok = ok;
    this.retarget();
  }

  private retarget(): void {
    const cur = this.health.find((h) => h.node.name === this.target);
    const next = cur?.ok ? cur : this.health.find((h) => h.ok);
    const name = next?.node.name;
    if (name === this.target) return;
    this.target = name;
    this.events.push({ at: Date.now(), target: name });
    for (const w of [...this.waiters]) w();
  }

  private accept(sock: net.Socket): void {
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    const h = this.health.find((x) => x.node.name === this.target && x.ok);
    if (!h || this.closed) {
      sock.end(errPacket(1047, '08S01', 'helios-testbed galera router: no node is ready in a Primary component right now'));
      return;
    }
    const up = net.connect({ host: '127.0.0.1', port: h.node.port });
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

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const h of this.health) {
      h.conn?.destroy();
      h.conn = undefined;
      for (const s of h.conns) s.destroy();
      h.conns.clear();
    }
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
