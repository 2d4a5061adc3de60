/**
 * Replication links of a pg-cluster, and the network partitions cut into them.
 *
 * Every standby→upstream pair has its own loopback TCP proxy (a net.Server owned by the process that
 * started the cluster): a standby's primary_conninfo, pg_basebackup and pg_rewind connect to the
 * proxy of their pair, never to the peer itself, so the owner can cut any link. A cut resets both
 * sockets of every connection on the link (SO_LINGER 0: what sits in a send buffer is discarded, the
 * way a real cut loses what was in flight) and resets every new connection at once, until heal.
 *
 * The CLI (another process) reaches the owner through a small control port on loopback; a request
 * carries the token from state.json (mode 0600), and the answer comes once the cut is in place.
 */
import { timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { errorMessage } from './util.js';

/** state.json's key of the link a standby uses to stream from an upstream node. */
export function linkKey(standby: string, upstream: string): string {
  return `${standby}>${upstream}`;
}

export const GROUPS_SYNTAX = "node names, comma-separated within a group, groups separated by | (e.g. 'n1|n2,n3')";

/**
 * Parses `n1|n2,n3` into groups; every node not named forms a group of its own. Throws one line on an
 * empty group, an unknown node or a node named twice.
 */
export function parseGroups(spec: string, nodes: string[]): string[][] {
  if (spec.trim() === '') throw new Error(`no groups given: ${GROUPS_SYNTAX}`);
  const seen = new Set<string>();
  const groups = spec.split('|').map((g) => {
    const names = g.split(',').map((n) => n.trim());
    if (names.some((n) => n === '')) throw new Error(`empty node name or group in "${spec}": ${GROUPS_SYNTAX}`);
    for (const n of names) {
      if (!nodes.includes(n)) throw new Error(`unknown node "${n}" (nodes: ${nodes.join(', ')})`);
      if (seen.has(n)) throw new Error(`node "${n}" is named twice in "${spec}"`);
      seen.add(n);
    }
    return names;
  });
  for (const n of nodes) if (!seen.has(n)) groups.push([n]);
  return groups;
}

export function formatGroups(groups: string[][]): string {
  return groups.map((g) => g.join(', ')).join(' | ');
}

interface Link {
  standby: string;
  upstream: string;
  server: net.Server;
  port: number;
  cut: boolean;
  sockets: Set<net.Socket>;
}

/** Request and answer on the control port: one JSON line each. */
interface ControlRequest {
  token: string;
  action: 'partition' | 'heal';
  groups?: string;
}
interface ControlAnswer {
  ok: boolean;
  message: string;
}

/** Drops a socket at once: RST (send buffer discarded) when connected, plain destroy otherwise. */
function reset(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.connecting) s.destroy();
  else s.resetAndDestroy();
}

/** The link proxies and the control port of one cluster (lives in the owner process). */
export class LinkSet {
  private readonly links = new Map<string, Link>();
  private groups: string[][] | undefined;
  private control: net.Server | undefined;
  private token = '';
  private closed = false;

  /** `upstreamPort(name)` is read at each connection: a node's port is the state's current one. */
  constructor(
    private readonly nodes: string[],
    private readonly upstreamPort: (name: string) => number,
  ) {}

  /** Opens one proxy per ordered pair of nodes on 127.0.0.1 (ports chosen by the kernel); returns state.json's `links`. */
  async listen(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const standby of this.nodes) {
      for (const upstream of this.nodes) {
        if (standby === upstream) continue;
        const link: Link = { standby, upstream, server: net.createServer(), port: 0, cut: false, sockets: new Set() };
        link.server.on('connection', (c) => this.accept(link, c));
        await new Promise<void>((resolve, reject) => {
          link.server.once('error', reject);
          link.server.listen(0, '127.0.0.1', () => {
            link.server.off('error', reject);
            resolve();
          });
        });
        link.port = (link.server.address() as net.AddressInfo).port;
        this.links.set(linkKey(standby, upstream), link);
        out[linkKey(standby, upstream)] = link.port;
      }
    }
    return out;
  }

  private accept(link: Link, client: net.Socket): void {
    client.on('error', () => undefined);
    if (link.cut || this.closed) {
      reset(client);
      return;
    }
    const up = net.connect({ host: '127.0.0.1', port: this.upstreamPort(link.upstream) });
    up.on('error', () => undefined);
    link.sockets.add(client);
    link.sockets.add(up);
    const end = () => {
      link.sockets.delete(client);
      link.sockets.delete(up);
      client.destroy();
      up.destroy();
    };
    client.once('close', end);
    up.once('close', end);
    client.pipe(up);
    up.pipe(client);
  }

  /** The current partition (undefined: every link up). */
  current(): string[][] | undefined {
    return this.groups;
  }

  /** Cuts every link between nodes of different groups (and restores those within one group). */
  partition(groups: string[][]): string {
    const groupOf = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((n) => groupOf.set(n, i)));
    let cut = 0;
    let resets = 0;
    for (const link of this.links.values()) {
      link.cut = groupOf.get(link.standby) !== groupOf.get(link.upstream);
      if (!link.cut) continue;
      cut++;
      for (const s of link.sockets) {
        if (!s.destroyed) resets++;
        reset(s);
      }
      link.sockets.clear();
    }
    this.groups = cut ? groups : undefined;
    return `partitioned: ${formatGroups(groups)} (${cut} of ${this.links.size} replication links cut, ${resets} sockets reset)`;
  }

  /** Restores every link. */
  heal(): string {
    const cut = [...this.links.values()].filter((l) => l.cut);
    for (const l of cut) l.cut = false;
    this.groups = undefined;
    return cut.length ? `healed: ${cut.length} replication links restored` : 'no partition to heal';
  }

  /** Serves partition/heal requests of other processes on 127.0.0.1 (port chosen by the kernel). */
  async listenControl(token: string): Promise<number> {
    this.token = token;
    const server = net.createServer((c) => this.serveControl(c));
    this.control = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as net.AddressInfo).port;
  }

  private serveControl(c: net.Socket): void {
    c.on('error', () => undefined);
    c.setTimeout(5000, () => c.destroy());
    let buf = '';
    const answer = (a: ControlAnswer) => c.end(JSON.stringify(a) + '\n');
    c.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      if (buf.length > 65_536) return c.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      c.removeAllListeners('data');
      let req: ControlRequest;
      try {
        req = JSON.parse(buf.slice(0, nl)) as ControlRequest;
      } catch {
        return answer({ ok: false, message: 'bad control request' });
      }
      const a = Buffer.from(String(req.token));
      const b = Buffer.from(this.token);
      if (a.length !== b.length || !timingSafeEqual(a, b)) return answer({ ok: false, message: 'bad control token' });
      if (this.closed) return answer({ ok: false, message: 'the cluster is stopping' });
      try {
        if (req.action === 'heal') return answer({ ok: true, message: this.heal() });
        if (req.action === 'partition') return answer({ ok: true, message: this.partition(parseGroups(String(req.groups ?? ''), this.nodes)) });
        return answer({ ok: false, message: `unknown control action "${String(req.action)}"` });
      } catch (err) {
        return answer({ ok: false, message: errorMessage(err) });
      }
    });
  }

  /** Heals, then closes every proxy and connection and the control port. Idempotent. */
  async close(): Promise<void> {
    this.closeSync();
    await Promise.all([...this.links.values()].map((l) => new Promise<void>((r) => l.server.close(() => r()))));
    if (this.control) await new Promise<void>((r) => this.control!.close(() => r()));
  }

  /** Destroys every connection and stops accepting (for the synchronous exit path). */
  closeSync(): void {
    this.closed = true;
    this.heal();
    for (const l of this.links.values()) {
      for (const s of l.sockets) s.destroy();
      l.sockets.clear();
      if (l.server.listening) l.server.close();
    }
    if (this.control?.listening) this.control.close();
  }
}

/**
 * Sends a partition/heal request to the owner's control port; resolves with the owner's answer once
 * the cut (or heal) is in place, rejects with one line otherwise or after `timeoutMs`.
 */
export function controlRequest(control: { port: number; token: string }, action: 'partition' | 'heal', groups: string | undefined, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: control.port });
    let buf = '';
    let done = false;
    const finish = (err: Error | undefined, message?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve(message!);
    };
    const timer = setTimeout(() => finish(new Error(`the cluster's owner process did not confirm within ${timeoutMs} ms (is its event loop blocked?)`)), timeoutMs);
    s.on('error', (err: NodeJS.ErrnoException) =>
      finish(
        new Error(
          err.code === 'ECONNREFUSED'
            ? `the cluster's owner process does not answer on its control port ${control.port} (is the cluster still running?)`
            : `control port ${control.port}: ${errorMessage(err)}`,
        ),
      ),
    );
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let a: ControlAnswer;
      try {
        a = JSON.parse(buf.slice(0, nl)) as ControlAnswer;
      } catch {
        return finish(new Error('bad answer from the control port'));
      }
      finish(a.ok ? undefined : new Error(a.message), a.message);
    });
    s.on('close', () => finish(new Error(`the control port ${control.port} closed without an answer`)));
    const req: ControlRequest = { token: control.token, action, ...(groups !== undefined ? { groups } : {}) };
    s.write(JSON.stringify(req) + '\n');
  });
}
