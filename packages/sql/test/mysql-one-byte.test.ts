// The hand-framed MySQL code of the SQL layer (the v10 greeting probe, and fromDsn, which opens
// every MySQL run with it) read through suite-kit's perturbation proxy in oneByte mode: every byte
// arrives in a read of its own, so a reader that expects a packet, or even its 4-byte header, in one
// chunk fails. A naive first-chunk reader shows that the proxy really does that to a MySQL greeting.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { leftoverNamespaces, startPerturbProxy, testServer, withParams, type PerturbProxy } from '@helios-conformance/suite-kit';
import { CAPS, fromDsn, parseHandshake, probeHandshake, type Handshake } from '../src/mysql/index.js';

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close();
});

async function oneByteProxy(upstream: { host: string; port: number }, seed = 1): Promise<PerturbProxy> {
  const p = await startPerturbProxy({ upstream, seed, maxDelayMs: 1, oneByte: true });
  opened.push(p);
  return p;
}

/** A reader that takes the first chunk for the whole greeting packet: what the probe must not be. */
function firstChunkGreeting(host: string, port: number): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host);
    const timer = setTimeout(() => s.destroy(new Error('no greeting within 5 s')), 5_000);
    s.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      s.destroy();
      try {
        resolve(parseHandshake(chunk.subarray(4, 4 + chunk.readUIntLE(0, 3))));
      } catch (e) {
        reject(e as Error);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** A loopback server that answers every connection with `onConnect`. */
async function fakeServer(onConnect: (s: Socket) => void): Promise<{ host: string; port: number }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onConnect(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  opened.push({
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
  return { host: '127.0.0.1', port: (server.address() as { port: number }).port };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => new Error('the probe succeeded'),
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CannotRunError);
  return (e as Error).message;
}

describe('MySQL greeting and login with every byte in a read of its own', () => {
  it('a first-chunk reader breaks through the proxy (the proxy really splits the greeting)', async () => {
    const { host, port } = testServer('mariadb');
    expect((await firstChunkGreeting(host, port)).protocolVersion).toBe(10);
    const proxy = await oneByteProxy({ host, port });
    await expect(firstChunkGreeting(proxy.host, proxy.port)).rejects.toThrow();
  });

  it('probeHandshake reads the same greeting as directly', async () => {
    const { host, port } = testServer('mariadb');
    const direct = await probeHandshake(host, port, 5_000);
    const proxy = await oneByteProxy({ host, port });
    const via = await probeHandshake(proxy.host, proxy.port, 5_000);
    // Connection id and scramble are per connection; everything else is the server's.
    const same = (h: Handshake): unknown => ({ ...h, connectionId: 0, scramble: h.scramble.length });
    expect(same(via)).toEqual(same(direct));
    expect(via.capabilities & CAPS.SSL).toBe(CAPS.SSL);
    const st = proxy.stats();
    expect(st.bytes.down).toBeGreaterThan(50);
    expect(st.writes.down).toBe(st.bytes.down);
  });

  it('probeHandshake refuses the same wrong servers with the same line', async () => {
    const err = Buffer.concat([Buffer.from([0x0c, 0, 0, 0, 0xff, 0x69, 0x04]), Buffer.from('#HY000Host is blocked', 'latin1')]);
    err[0] = err.length - 4;
    const cases: Array<[string, (s: Socket) => void, RegExp]> = [
      ['an ERR packet before login', (s) => s.end(err), /refused the connection before login \(1129: Host is blocked\)/],
      ['an HTTP server', (s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'), /its first bytes 48545450 are not a MySQL packet/],
      ['a greeting cut short', (s) => s.end(Buffer.from([0x40, 0, 0, 0, 10, 0x35, 0x2e])), /closed the connection after an incomplete greeting/],
    ];
    for (const [what, answer, line] of cases) {
      const fake = await fakeServer(answer);
      const proxy = await oneByteProxy(fake);
      const direct = await refusal(probeHandshake(fake.host, fake.port, 5_000));
      expect(direct, what).toMatch(line);
      expect((await refusal(probeHandshake(proxy.host, proxy.port, 5_000))).replace(String(proxy.port), String(fake.port)), what).toBe(direct);
    }
  });

  it('recognises a PostgreSQL server by its one-byte answer to an SSLRequest', async () => {
    const pg = testServer('postgres');
    const proxy = await oneByteProxy({ host: pg.host, port: pg.port });
    expect(await refusal(probeHandshake(proxy.host, proxy.port, 8_000))).toMatch(/it is a PostgreSQL server: it answered a PostgreSQL SSLRequest/);
  });

  it('fromDsn logs in with TLS verified against 127.0.0.1, runs a query and drops its database', async () => {
    const s = testServer('mariadb');
    const proxy = await oneByteProxy({ host: s.host, port: s.port });
    const session = await fromDsn(proxy.dsnVia(withParams(s.dsn, { 'ssl-mode': 'VERIFY_IDENTITY', 'ssl-ca': s.caCertPath ?? '' })));
    const namespace = session.target.namespace;
    try {
      expect(session.target.connection.tlsVerified).toBe(true);
      expect(session.capabilities).toEqual(expect.arrayContaining(['mysql-protocol-v10', 'tls', 'tls-verified']));
      const conn = await session.target.connect();
      try {
        const [rows] = await conn.query("SELECT CONCAT('one', ' byte') AS v, DATABASE() AS db");
        expect(rows).toEqual([{ v: 'one byte', db: namespace }]);
      } finally {
        conn.destroy();
      }
    } finally {
      await session.close();
    }
    expect(await leftoverNamespaces(s.dsn)).not.toContain(namespace);
    // Every byte the server sent reached the client in a write of its own.
    const st = proxy.stats();
    expect(st.writes.down).toBe(st.bytes.down);
  });
});
