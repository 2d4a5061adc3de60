// The proxies of a Patroni cluster over real loopback TCP (echo servers stand in for etcd, PostgreSQL
// and the REST APIs): where etcd sits in a partition, and which connections a cut resets — a
// PostgreSQL connection is judged by the application_name of its startup packet.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { etcdGroup, PatroniLinks, startupApplicationName } from '../src/_internal/patroni-links.js';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function echoServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => {
    sockets.add(c);
    c.on('error', () => undefined);
    c.on('close', () => sockets.delete(c));
    c.pipe(c);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => {
    for (const c of sockets) c.destroy();
    return new Promise<void>((r) => s.close(() => r()));
  });
  return (s.address() as net.AddressInfo).port;
}

/** A v3 StartupMessage with these parameters. */
function startup(params: Record<string, string>): Buffer {
  const body = Buffer.from(Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('') + '\0', 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

/** Sends `first` (then `text`), resolves with what comes back, or how the connection ended. */
function roundTrip(port: number, first: Buffer, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = Buffer.alloc(0);
    const done = (r: string) => {
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    const t = setTimeout(() => done('timeout'), ms);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.equals(first)) done('echoed');
    });
    s.on('error', (e: NodeJS.ErrnoException) => done(`error ${e.code}`));
    s.on('close', () => done('closed'));
    s.write(first);
  });
}

async function cluster(): Promise<{ links: PatroniLinks; px: Awaited<ReturnType<PatroniLinks['listenProxies']>> }> {
  const etcd = await echoServer();
  const pg: Record<string, number> = {};
  const rest: Record<string, number> = {};
  for (const n of ['n1', 'n2', 'n3']) {
    pg[n] = await echoServer();
    rest[n] = await echoServer();
  }
  const links = new PatroniLinks(['n1', 'n2', 'n3'], { etcd: () => etcd, pg: (n) => pg[n]!, rest: (n) => rest[n]! });
  closers.push(() => links.close());
  return { links, px: await links.listenProxies() };
}

describe('patroni-links', () => {
  it('reads application_name from a startup packet and puts etcd with the group holding a majority (none: nobody)', () => {
    expect(startupApplicationName(startup({ user: 'replicator', application_name: 'n2', replication: 'true' }))).toBe('n2');
    expect(startupApplicationName(startup({ user: 'hc' }))).toBeUndefined();
    expect(etcdGroup([['n1'], ['n2', 'n3']])).toBe(1);
    expect(etcdGroup([['n1', 'n2'], ['n3']])).toBe(0);
    expect(etcdGroup([['n1'], ['n2'], ['n3']])).toBe(-1);
    expect(etcdGroup([['n1', 'n2'], ['n3', 'n4']])).toBe(-1);
    expect(etcdGroup([['n1'], ['n2', 'n3', 'n4'], ['n5']])).toBe(1);
  });

  it("partition 'n1|n2,n3' cuts n1 from etcd, n2's replication from n1, n1's REST for the others; heal restores all", async () => {
    const { links, px } = await cluster();
    const fromN2 = startup({ user: 'replicator', application_name: 'n2' });
    const fromN3 = startup({ user: 'replicator', application_name: 'n3' });
    const anon = startup({ user: 'hc' });
    expect(await roundTrip(px.n1!.pg, fromN2)).toBe('echoed');
    expect(await roundTrip(px.n1!.etcd, anon)).toBe('echoed');

    expect(links.partition([['n1'], ['n2', 'n3']])).toMatch(/etcd with n2, n3/);
    expect(links.current()).toEqual([['n1'], ['n2', 'n3']]);
    expect(await roundTrip(px.n1!.etcd, anon)).toMatch(/^(error ECONNRESET|closed)$/);
    expect(await roundTrip(px.n2!.etcd, anon)).toBe('echoed');
    expect(await roundTrip(px.n1!.pg, fromN2)).toMatch(/^(error ECONNRESET|closed)$/);
    expect(await roundTrip(px.n2!.pg, fromN3)).toBe('echoed');
    // Unknown source (pg_rewind, pg_basebackup): cut when the target is outside etcd's group.
    expect(await roundTrip(px.n1!.pg, anon)).toMatch(/^(error ECONNRESET|closed)$/);
    expect(await roundTrip(px.n3!.pg, anon)).toBe('echoed');
    expect(await roundTrip(px.n1!.rest, anon)).toMatch(/^(error ECONNRESET|closed)$/);
    expect(await roundTrip(px.n3!.rest, anon)).toBe('echoed');

    expect(links.heal()).toMatch(/^healed/);
    expect(links.current()).toBeUndefined();
    expect(await roundTrip(px.n1!.etcd, anon)).toBe('echoed');
    expect(await roundTrip(px.n1!.pg, fromN2)).toBe('echoed');
  });

  it("partition 'n1|n2|n3' (no majority anywhere) cuts every member from etcd and every link between members", async () => {
    const { links, px } = await cluster();
    const anon = startup({ user: 'hc' });
    expect(links.partition([['n1'], ['n2'], ['n3']])).toMatch(/etcd with nobody/);
    for (const n of ['n1', 'n2', 'n3']) expect(await roundTrip(px[n]!.etcd, anon)).toMatch(/^(error ECONNRESET|closed)$/);
    expect(await roundTrip(px.n1!.pg, startup({ user: 'replicator', application_name: 'n2' }))).toMatch(/^(error ECONNRESET|closed)$/);
    expect(await roundTrip(px.n2!.rest, anon)).toMatch(/^(error ECONNRESET|closed)$/);
    links.heal();
    expect(await roundTrip(px.n2!.etcd, anon)).toBe('echoed');
  });

  it('a partition resets the live connections that now cross it, and only those', async () => {
    const { links, px } = await cluster();
    const open = (port: number, first: Buffer) =>
      new Promise<{ ended: Promise<string> }>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => {
          s.write(first);
          s.once('data', () => resolve({ ended: new Promise((r) => s.once('close', () => r('closed'))) }));
        });
        s.on('error', () => undefined);
        closers.push(() => s.destroy());
      });
    const cut = await open(px.n1!.pg, startup({ application_name: 'n3' }));
    const kept = await open(px.n2!.pg, startup({ application_name: 'n3' }));
    links.partition([['n1'], ['n2', 'n3']]);
    expect(await Promise.race([cut.ended, new Promise((r) => setTimeout(() => r('still open'), 1000))])).toBe('closed');
    expect(await Promise.race([kept.ended, new Promise((r) => setTimeout(() => r('still open'), 300))])).toBe('still open');
  });
});
