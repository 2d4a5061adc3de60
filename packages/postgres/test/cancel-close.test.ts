import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite } from '@helios-conformance/core';
import { leftoverNamespaces, testServer } from '@helios-conformance/suite-kit';
import { postgresSuite } from '../src/index.js';

/** The first 8 bytes of a CancelRequest: length 16, code 80877102. */
const CANCEL_HEAD = Buffer.from([0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e]);

/** What the relay saw on one connection, in the order it happened. */
interface ConnLog {
  head: Buffer;
  events: ('client-fin' | 'server-fin' | 'server-close')[];
}

/**
 * A byte-for-byte TCP relay that forwards half-closes faithfully (allowHalfOpen on both legs)
 * and records, per connection, whether the client's FIN came before the server closed.
 */
async function startRelay(upstream: { host: string; port: number }): Promise<{ port: number; logs: ConnLog[]; stop: () => Promise<void> }> {
  const logs: ConnLog[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const log: ConnLog = { head: Buffer.alloc(0), events: [] };
    logs.push(log);
    const up = connect({ ...upstream, allowHalfOpen: true });
    sockets.add(client).add(up);
    const both = (): void => {
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    client.on('data', (b: Buffer) => {
      if (log.head.length < 8) log.head = Buffer.concat([log.head, b]).subarray(0, 8);
      up.write(b);
    });
    up.on('data', (b: Buffer) => client.write(b));
    client.on('end', () => {
      log.events.push('client-fin');
      up.end();
    });
    up.on('end', () => {
      log.events.push('server-fin');
      client.end();
    });
    up.on('close', () => {
      log.events.push('server-close');
      both();
    });
    client.on('close', both);
    client.on('error', both);
    up.on('error', both);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('relay has no TCP address');
  return {
    port: addr.port,
    logs,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// PG-088 must cancel as libpq's PQcancel does: send the CancelRequest, keep its side open, and
// wait for the server to close the connection. A client that half-closes at once (end(packet))
// shows its FIN to whatever sits in between before the server has answered: PgBouncer and
// similar middleboxes may then drop the connection with the cancel still unsent.
describe('PG-088 cancel connection (PostgreSQL 15 behind a recording relay)', () => {
  const pg15 = testServer('postgres');
  let relay: Awaited<ReturnType<typeof startRelay>>;
  beforeAll(async () => {
    relay = await startRelay({ host: pg15.host, port: pg15.port });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('writes the CancelRequest without half-closing and waits for the server to close', async () => {
    const url = new URL(pg15.dsn);
    url.hostname = '127.0.0.1';
    url.port = String(relay.port);
    url.search = ''; // plain TCP: the cancel connection is plain anyway
    const report = await runSuite(postgresSuite, { dsn: url.toString(), seed: 42, only: ['PG-088'] });
    const r = report.results.find((x) => x.id === 'PG-088');
    expect(r?.status, r?.message ?? '').toBe('pass');

    const cancels = relay.logs.filter((l) => l.head.equals(CANCEL_HEAD));
    // One CancelRequest with a wrong key, one with the right key.
    expect(cancels.length).toBe(2);
    for (const c of cancels) {
      expect(c.events, 'the server closed the cancel connection').toContain('server-close');
      const fin = c.events.indexOf('client-fin');
      const serverDone = c.events.findIndex((e) => e === 'server-fin' || e === 'server-close');
      // The client may close after the server did (as libpq does), never before.
      expect(fin === -1 || fin > serverDone, `events on the cancel connection: ${c.events.join(', ')}`).toBe(true);
    }
    expect(await leftoverNamespaces(pg15.dsn)).toEqual([]);
  });
});
