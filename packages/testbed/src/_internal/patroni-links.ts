/**
 * The network of a Patroni cluster (see ../patroni-cluster.ts), and the partitions cut into it.
 *
 * Patroni advertises ONE address per member (its `connect_address`), which every other member uses,
 * so per-pair ports as in pg-links.ts are impossible for replication. Instead the owner process
 * holds, per node:
 * - an etcd proxy: the node's Patroni (and patronictl run with its config) reaches etcd only there;
 * - a PostgreSQL proxy: the node's `postgresql.connect_address`. Replication, pg_rewind and
 *   pg_basebackup of other members connect there. The proxy reads the startup packet: Patroni puts
 *   the member name into `application_name` of primary_conninfo, so the proxy knows which node
 *   streams from which and cuts exactly the links between different groups;
 * - a REST proxy: the node's `restapi.connect_address` (members ask each other's /patroni before
 *   promoting; patronictl asks the leader to switch over).
 *
 * Where etcd belongs: the one etcd stands for an etcd cluster with a member beside each Patroni
 * member, so it stays with the group holding a MAJORITY of the members (`n1|n2,n3` puts it with
 * n2,n3; `n1,n2|n3` with n1,n2) and, when no group does (`n1|n2|n3`, `n1,n2|n3,n4`), with nobody: an
 * etcd cluster split that way has no quorum anywhere. (Ties went to the group named first before; a
 * leader cut from its standbys then kept the DCS, dropped them from synchronous replication, went on
 * acknowledging alone, and nobody could be elected after its death.) A node outside etcd's group loses
 * the DCS and, when it is the leader, must demote itself: that is the behaviour the partition tests.
 * A connection whose source is unknown (pg_rewind, pg_basebackup, REST callers) is cut when its
 * target is outside etcd's group: a node without the DCS is unreachable for the majority's members.
 * Clients (the router, the suite's direct node DSNs) reach every node throughout, as with pg-cluster.
 *
 * The control port (partition/heal from the CLI) is the one of pg-links.ts' LinkSet, reused as is.
 */
import net from 'node:net';
import { formatGroups, LinkSet } from './pg-links.js';

export type ProxyKind = 'etcd' | 'pg' | 'rest';

/** state.json's ports of the proxies of one node. */
export interface NodeProxies {
  etcd: number;
  pg: number;
  rest: number;
}

interface Conn {
  kind: ProxyKind;
  /** The node whose proxy this is (etcd proxy: the node that uses it). */
  node: string;
  /** The connecting node, when known (pg proxy: application_name). */
  source: string | undefined;
  sockets: net.Socket[];
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;

function reset(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.connecting) s.destroy();
  else s.resetAndDestroy();
}

/** The `application_name` of a v3 StartupMessage (length and code already checked), or undefined. */
export function startupApplicationName(msg: Buffer): string | undefined {
  const parts = msg.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === 'application_name') return parts[i + 1];
  return undefined;
}

/** Which group etcd sits with: the one holding a majority of all members, or -1 when none does (no quorum anywhere). */
export function etcdGroup(groups: string[][]): number {
  const total = groups.reduce((n, g) => n + g.length, 0);
  return groups.findIndex((g) => 2 * g.length > total);
}

export class PatroniLinks extends LinkSet {
  private readonly servers: net.Server[] = [];
  private readonly conns = new Set<Conn>();
  private cutGroups: string[][] | undefined;
  private stopped = false;

  constructor(
    private readonly names: string[],
    private readonly target: { etcd: () => number; pg: (node: string) => number; rest: (node: string) => number },
  ) {
    // The base class' per-pair proxies are never opened (listen() is not called): only its control port is used.
    super(names, target.pg);
  }

  /** Opens the three proxies of every node on 127.0.0.1 (kernel-chosen ports). */
  async listenProxies(): Promise<Record<string, NodeProxies>> {
    const out: Record<string, NodeProxies> = {};
    for (const n of this.names) {
      out[n] = {
        etcd: await this.listenOne((c) => this.plain(c, 'etcd', n)),
        pg: await this.listenOne((c) => this.sniffPg(c, n)),
        rest: await this.listenOne((c) => this.plain(c, 'rest', n)),
      };
    }
    return out;
  }

  private async listenOne(onConn: (c: net.Socket) => void): Promise<number> {
    const server = net.createServer(onConn);
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // The owner's exit handler stops the cluster; the proxies must not keep it alive.
    server.unref();
    return (server.address() as net.AddressInfo).port;
  }

  /** True when a connection of this kind, through `node`'s proxy, from `source`, crosses the cut. */
  private isCut(kind: ProxyKind, node: string, source: string | undefined): boolean {
    const groups = this.cutGroups;
    if (!groups) return false;
    const groupOf = (n: string) => groups.findIndex((g) => g.includes(n));
    const etcdAt = etcdGroup(groups);
    if (kind === 'etcd') return groupOf(node) !== etcdAt;
    if (kind === 'pg' && source !== undefined && this.names.includes(source)) return groupOf(source) !== groupOf(node);
    return groupOf(node) !== etcdAt;
  }

  private plain(client: net.Socket, kind: ProxyKind, node: string): void {
    client.on('error', () => undefined);
    if (this.stopped || this.isCut(kind, node, undefined)) return reset(client);
    const port = kind === 'etcd' ? this.target.etcd() : this.target.rest(node);
    this.pipe({ kind, node, source: undefined, sockets: [client] }, port, undefined);
  }

  /** Reads the startup packet (answering an SSL/GSS request with 'N', as the ssl=off server would) to learn the source. */
  private sniffPg(client: net.Socket, node: string): void {
    client.on('error', () => undefined);
    if (this.stopped) return reset(client);
    client.setTimeout(5000, () => client.destroy());
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const len = buf.readInt32BE(0);
        if (len < 8 || len > 10_000) return client.destroy();
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          client.write('N');
          buf = buf.subarray(len);
          continue;
        }
        client.off('data', onData);
        client.pause();
        client.setTimeout(0);
        const source = code === PROTOCOL_3 ? startupApplicationName(buf.subarray(0, len)) : undefined;
        if (this.stopped || this.isCut('pg', node, source)) return reset(client);
        this.pipe({ kind: 'pg', node, source, sockets: [client] }, this.target.pg(node), buf);
        return;
      }
    };
    client.on('data', onData);
  }

  private pipe(conn: Conn, port: number, first: Buffer | undefined): void {
    const client = conn.sockets[0]!;
    const up = net.connect({ host: '127.0.0.1', port });
    up.on('error', () => undefined);
    conn.sockets.push(up);
    this.conns.add(conn);
    const end = () => {
      this.conns.delete(conn);
      client.destroy();
      up.destroy();
    };
    client.once('close', end);
    up.once('close', end);
    if (first && first.length) up.write(first);
    client.pipe(up);
    up.pipe(client);
    client.resume();
  }

  override current(): string[][] | undefined {
    return this.cutGroups;
  }

  /** Cuts what crosses the groups (see the module comment); replaces an earlier partition. */
  override partition(groups: string[][]): string {
    this.cutGroups = groups.length > 1 ? groups : undefined;
    let resets = 0;
    for (const c of [...this.conns]) {
      if (!this.isCut(c.kind, c.node, c.source)) continue;
      for (const s of c.sockets) {
        if (!s.destroyed) resets++;
        reset(s);
      }
      this.conns.delete(c);
    }
    const at = this.cutGroups ? etcdGroup(groups) : -1;
    const e = !this.cutGroups ? 'everyone' : at < 0 ? 'nobody: no group holds a majority' : groups[at]!.join(', ');
    return `partitioned: ${formatGroups(groups)} (etcd with ${e}; ${resets} sockets reset)`;
  }

  override heal(): string {
    const was = this.cutGroups;
    this.cutGroups = undefined;
    return was ? `healed: ${formatGroups(was)} rejoined` : 'no partition to heal';
  }

  override closeSync(): void {
    this.stopped = true;
    super.closeSync();
    for (const c of this.conns) for (const s of c.sockets) s.destroy();
    this.conns.clear();
    for (const s of this.servers) if (s.listening) s.close();
  }

  override async close(): Promise<void> {
    this.closeSync();
    await super.close();
  }
}
