// The MySQL v10 greeting: parseHandshake on packets built byte by byte, and probeHandshake against
// the test MariaDBs (with and without TLS) and against loopback servers that answer wrongly.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { testServer } from '@helios-conformance/suite-kit';
import { findFreePort } from '@helios-conformance/testbed';
import { CAPS, parseHandshake, probeHandshake } from '../src/mysql/index.js';

/** A v10 greeting as MariaDB sends it: 20-byte scramble, mysql_native_password. */
function greeting(o: { version?: string; capabilities?: number; plugin?: string } = {}): Buffer {
  const caps = o.capabilities ?? (CAPS.PROTOCOL_41 | CAPS.SECURE_CONNECTION | CAPS.PLUGIN_AUTH | CAPS.SSL | CAPS.TRANSACTIONS);
  const head = Buffer.alloc(4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10);
  let at = 0;
  at = head.writeUInt32LE(42, at);
  Buffer.from('abcdefgh').copy(head, at);
  at += 8 + 1;
  at = head.writeUInt16LE(caps & 0xffff, at);
  head[at++] = 45; // utf8mb4_general_ci
  at = head.writeUInt16LE(0x0002, at); // SERVER_STATUS_AUTOCOMMIT
  at = head.writeUInt16LE(caps >>> 16, at);
  head[at++] = 21;
  return Buffer.concat([
    Buffer.from([10]),
    Buffer.from(`${o.version ?? '10.11.0-MariaDB'}\0`, 'latin1'),
    head,
    Buffer.from('ijklmnopqrst\0', 'latin1'),
    Buffer.from(`${o.plugin ?? 'mysql_native_password'}\0`, 'latin1'),
  ]);
}

const packet = (seq: number, payload: Buffer): Buffer => {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, payload]);
};

describe('parseHandshake', () => {
  it('reads every field of a v10 greeting', () => {
    const h = parseHandshake(greeting());
    expect(h).toMatchObject({ protocolVersion: 10, serverVersion: '10.11.0-MariaDB', connectionId: 42, characterSet: 45, statusFlags: 2, authDataLength: 21, authPlugin: 'mysql_native_password' });
    expect(h.scramble.toString('latin1')).toBe('abcdefghijklmnopqrst');
    expect(h.capabilities & CAPS.SSL).toBe(CAPS.SSL);
    expect(h.capabilities & CAPS.PLUGIN_AUTH).toBe(CAPS.PLUGIN_AUTH);
  });

  it('refuses a truncated greeting and a server version without its NUL', () => {
    expect(() => parseHandshake(greeting().subarray(0, 20))).toThrow(/truncated/);
    expect(() => parseHandshake(Buffer.from([10, 0x41, 0x42]))).toThrow(/not NUL-terminated/);
  });
});

let fake: { server: Server; sockets: Set<Socket> } | undefined;

async function closeFake(): Promise<void> {
  const f = fake;
  fake = undefined;
  if (!f) return;
  for (const s of f.sockets) s.destroy();
  await new Promise<void>((resolve) => f.server.close(() => resolve()));
}
afterEach(closeFake);

/** A loopback server that answers every connection with `onConnect`. */
async function fakeServer(onConnect: (s: Socket) => void): Promise<number> {
  await closeFake();
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onConnect(s);
  });
  fake = { server, sockets };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CannotRunError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('the probe succeeded');
}

describe('probeHandshake', () => {
  it('reads the greeting of the test MariaDB, which offers TLS', async () => {
    const { host, port } = testServer('mariadb');
    const h = await probeHandshake(host, port, 5_000);
    expect(h.protocolVersion).toBe(10);
    expect(h.serverVersion).toMatch(/MariaDB/);
    expect(h.scramble.length).toBeGreaterThanOrEqual(20);
    expect(h.capabilities & CAPS.SSL).toBe(CAPS.SSL);
    expect(h.authPlugin).toBe('mysql_native_password');
  });

  it('sees that a MariaDB without TLS does not offer it', async () => {
    const { host, port } = testServer('mariadbSnapshot');
    const h = await probeHandshake(host, port, 5_000);
    expect(h.capabilities & CAPS.SSL).toBe(0);
  });

  it('recognises a PostgreSQL server on the port, within 10 s', async () => {
    const { host, port } = testServer('postgres');
    const t0 = Date.now();
    expect(await refusal(probeHandshake(host, port, 8_000))).toMatch(/does not speak the MySQL protocol \(it is a PostgreSQL server: it answered a PostgreSQL SSLRequest\); check the host and port/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('says when nothing listens', async () => {
    const port = await findFreePort();
    expect(await refusal(probeHandshake('127.0.0.1', port, 5_000))).toMatch(/nothing is listening at 127\.0\.0\.1:\d+ \(connection refused\)/);
  });

  it('says when a server stays silent, and when it speaks another protocol', async () => {
    const silent = await fakeServer(() => undefined);
    expect(await refusal(probeHandshake('127.0.0.1', silent, 800, undefined, 200))).toMatch(/no MySQL handshake from 127\.0\.0\.1:\d+ within 800 ms/);

    const http = await fakeServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect(await refusal(probeHandshake('127.0.0.1', http, 5_000))).toMatch(/does not speak the MySQL protocol \(its first bytes 48545450 are not a MySQL packet\)/);
  });

  it('reports an ERR packet before login, and a greeting of another protocol version', async () => {
    const err = Buffer.concat([Buffer.from([0xff]), Buffer.from([0x69, 0x04]), Buffer.from('#HY000Host is blocked', 'latin1')]);
    const blocked = await fakeServer((s) => s.end(packet(0, err)));
    expect(await refusal(probeHandshake('127.0.0.1', blocked, 5_000))).toMatch(/refused the connection before login \(1129: Host is blocked\)/);

    const v9 = Buffer.from(greeting());
    v9[0] = 9;
    const old = await fakeServer((s) => s.end(packet(0, v9)));
    expect(await refusal(probeHandshake('127.0.0.1', old, 5_000))).toMatch(/its handshake has protocol version 9, not 10/);
  });

  it('gives up when its signal aborts', async () => {
    const silent = await fakeServer(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('run interrupted')), 100);
    expect(await refusal(probeHandshake('127.0.0.1', silent, 5_000, ac.signal))).toMatch(/gave up probing 127\.0\.0\.1:\d+: run interrupted/);
  });
});
