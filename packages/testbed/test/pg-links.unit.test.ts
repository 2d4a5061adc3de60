// The replication link proxies of a pg-cluster over real loopback TCP (an echo server stands in for
// a node): a cut resets live connections and every new one until heal; the control port checks its token.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { controlRequest, LinkSet, parseGroups } from '../src/_internal/pg-links.js';

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

/** Connects, sends `text`, resolves with what comes back, or with how the connection ended. */
function roundTrip(port: number, text: string, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const done = (r: string) => {
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    const t = setTimeout(() => done(`timeout (got "${got}")`), ms);
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got === text) done(got);
    });
    s.on('error', (e: NodeJS.ErrnoException) => done(`error ${e.code}`));
    s.on('close', () => done(`closed (got "${got}")`));
    s.write(text);
  });
}

async function links(nodes: string[], ports: Record<string, number>): Promise<{ set: LinkSet; ports: Record<string, number> }> {
  const set = new LinkSet(nodes, (n) => ports[n]!);
  closers.push(() => set.close());
  return { set, ports: await set.listen() };
}

describe('pg-cluster link proxies', () => {
  it('parseGroups: a node not named is a group of its own', () => {
    expect(parseGroups('n1|n2,n3', ['n1', 'n2', 'n3'])).toEqual([['n1'], ['n2', 'n3']]);
    expect(parseGroups(' n2 ', ['n1', 'n2', 'n3'])).toEqual([['n2'], ['n1'], ['n3']]);
    expect(() => parseGroups('n1||n2', ['n1', 'n2'])).toThrow(/empty node name or group/);
  });

  it('forwards each ordered pair to its upstream; a cut resets live connections and refuses new ones until heal', async () => {
    const up = { a: await echoServer(), b: await echoServer(), c: await echoServer() };
    const { set, ports } = await links(['a', 'b', 'c'], up);
    expect(Object.keys(ports).sort()).toEqual(['a>b', 'a>c', 'b>a', 'b>c', 'c>a', 'c>b']);
    expect(await roundTrip(ports['b>a']!, 'hello')).toBe('hello');

    // A live connection through b>a, then the cut: it ends (reset) without another byte.
    const live = net.connect({ host: '127.0.0.1', port: ports['b>a']! });
    const ended = new Promise<string>((resolve) => {
      let got = '';
      live.on('data', (d: Buffer) => (got += d.toString()));
      live.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code} after "${got}"`));
      live.on('close', () => resolve(`closed after "${got}"`));
    });
    live.write('x');
    await new Promise((r) => setTimeout(r, 100));
    expect(set.partition(parseGroups('a|b,c', ['a', 'b', 'c']))).toBe('partitioned: a | b, c (4 of 6 replication links cut, 2 sockets reset)');
    expect(await ended).toBe('error ECONNRESET after "x"');
    // New connections across the cut are reset at once; within a group they pass.
    expect(await roundTrip(ports['b>a']!, 'again')).toMatch(/^(error ECONNRESET|closed \(got ""\))$/);
    expect(await roundTrip(ports['a>c']!, 'again')).toMatch(/^(error ECONNRESET|closed \(got ""\))$/);
    expect(await roundTrip(ports['b>c']!, 'same group')).toBe('same group');
    expect(set.current()).toEqual([['a'], ['b', 'c']]);

    expect(set.heal()).toBe('healed: 4 replication links restored');
    expect(set.heal()).toBe('no partition to heal');
    expect(await roundTrip(ports['b>a']!, 'healed')).toBe('healed');
  });

  it('control port: partition and heal with the token; a wrong token or bad groups change nothing', async () => {
    const up = { n1: await echoServer(), n2: await echoServer() };
    const { set, ports } = await links(['n1', 'n2'], up);
    const control = { port: await set.listenControl('tok-123'), token: 'tok-123' };
    await expect(controlRequest({ ...control, token: 'tok-124' }, 'partition', 'n1|n2', 2000)).rejects.toThrow('bad control token');
    await expect(controlRequest(control, 'partition', 'n1|n3', 2000)).rejects.toThrow('unknown node "n3" (nodes: n1, n2)');
    expect(set.current()).toBeUndefined();
    expect(await controlRequest(control, 'partition', 'n1|n2', 2000)).toBe('partitioned: n1 | n2 (2 of 2 replication links cut, 0 sockets reset)');
    expect(await roundTrip(ports['n2>n1']!, 'x')).toMatch(/^(error ECONNRESET|closed \(got ""\))$/);
    expect(await controlRequest(control, 'heal', undefined, 2000)).toBe('healed: 2 replication links restored');
    expect(await roundTrip(ports['n2>n1']!, 'x')).toBe('x');
    // close(): heals, stops accepting; the control port is gone.
    await set.close();
    await expect(controlRequest(control, 'heal', undefined, 2000)).rejects.toThrow(/does not answer on its control port/);
  });
});
