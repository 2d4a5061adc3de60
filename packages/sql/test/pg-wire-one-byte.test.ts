// Issue 19: the raw PostgreSQL client (pg-wire) must not care how the bytes are cut. The same
// exchanges run against the package's PostgreSQL 15 directly and through suite-kit's perturbation
// proxy in oneByte mode, where every byte of both directions is a write (and a read) of its own:
// startup with SCRAM-SHA-256, simple and extended query (pipelined, row limit, binary results),
// errors, notifications, a large row, and SSLRequest + TLS verify-full. Both must give the same
// messages. A parser that takes one read for one message (the mistake this mode exists to catch)
// is run the same way: it works directly and fails through the proxy. The probe every run starts
// with (SSLRequest, one byte back) goes through the same proxy, and must wait for an ErrorResponse
// that arrives in pieces further apart than its 50 ms settle time.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPerturbProxy, testServer, type PerturbProxy } from '@helios-conformance/suite-kit';
import { probeServer } from '../src/postgres/index.js';
import { errorBody, firstError, frame, msg, openTransport, openWireSession, startSession, startupMessage, textRow, typeString, type WireMessage, type WireTarget } from '../src/pg-wire/index.js';

const pg = testServer('postgres');
/** A text column this long is 16 KB on the wire, joined from 16 Ki one-byte reads. */
const LARGE = 16_384;

const target = (host: string, port: number): WireTarget => ({ host, port, user: pg.user, password: pg.password, database: pg.database, ssl: false, applicationName: 'hc-pg-wire-one-byte' });

/** Type letters and text rows of a message list, without ParameterStatus / notices (timing-dependent). */
function shape(msgs: readonly WireMessage[]): { types: string; rows: Array<Array<string | null>> } {
  const kept = msgs.filter((m) => m.type !== 'S' && m.type !== 'N');
  return { types: typeString(kept), rows: kept.filter((m) => m.type === 'D').map((m) => textRow(m.body)) };
}

/** Every exchange, on a plain TCP session to `host:port`; what it saw, comparable between runs. */
async function exchanges(host: string, port: number): Promise<Record<string, unknown>> {
  const { conn, startup } = await openWireSession(target(host, port), { timeoutMs: 15_000 });
  try {
    const out: Record<string, unknown> = {
      auth: startup.authRequests,
      scramServerVerified: startup.scramServerVerified,
      readyStatus: startup.readyStatus,
      backendKey: startup.backendKey !== undefined,
      serverEncoding: startup.parameters.get('server_encoding'),
    };
    out.simple = shape(await conn.simple("SELECT 1 AS a, 'two' AS b; SELECT NULL::text, 'é🐘'"));
    const err = await conn.simple('SELECT 1/0');
    out.error = shape(err);
    out.errorCode = firstError(err)?.C;
    out.empty = shape(await conn.simple(''));
    // Several extended-query messages pipelined before one Sync, a row limit, and binary results.
    conn.send(
      msg.parse('s1', 'SELECT g, md5(g::text) FROM generate_series(1, $1::int) g', [23]),
      msg.bind('p1', 's1', ['5']),
      msg.describe('P', 'p1'),
      msg.execute('p1', 2),
      msg.execute('p1', 0),
      msg.bind('', 's1', ['1'], [], [1]),
      msg.execute(''),
      msg.sync(),
    );
    const ext = await conn.untilReady();
    out.extended = shape(ext);
    const binary = ext.filter((m) => m.type === 'D').at(-1);
    out.binaryInt = binary ? binary.body.readInt32BE(2 + 4) : undefined;
    out.large = (await conn.queryRows(`SELECT repeat('x', ${LARGE}) AS big`))[0]?.[0]?.length;
    await conn.queryRows('LISTEN hc_one_byte');
    const notified = await conn.simple("NOTIFY hc_one_byte, 'payload in pieces'");
    const a = notified.find((m) => m.type === 'A');
    out.notification = a ? a.body.subarray(4).toString('utf8').split('\0').slice(0, 2) : undefined;
    return out;
  } finally {
    conn.close();
  }
}

/** Reads the first answer to a StartupMessage as one message per read, as a careless parser would. */
function oneReadIsOneMessage(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const t = setTimeout(() => finish('no answer within 5 s'), 5_000);
    const finish = (what: string): void => {
      clearTimeout(t);
      s.destroy();
      resolve(what);
    };
    s.on('error', (e) => finish(`error ${e.message}`));
    s.once('connect', () => s.write(startupMessage({ user: pg.user, database: pg.database })));
    s.once('data', (b: Buffer) => {
      if (b.length < 5) return finish(`a ${b.length}-byte read is no message`);
      const len = b.readInt32BE(1);
      finish(len + 1 === b.length ? `message '${String.fromCharCode(b[0] ?? 0)}' of ${len + 1} bytes` : `length ${len + 1} in a ${b.length}-byte read`);
    });
  });
}

describe('pg-wire through a proxy that delivers one byte at a time (PostgreSQL 15)', () => {
  let proxy: PerturbProxy;
  let direct: Record<string, unknown>;
  beforeAll(async () => {
    proxy = await startPerturbProxy({ upstream: { host: pg.host, port: pg.port }, seed: 19, maxDelayMs: 0, oneByte: true });
    direct = await exchanges(pg.host, pg.port);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('sees the same messages as directly: SCRAM login, simple and extended query, errors, a 16 KB row, NOTIFY', async () => {
    // What the direct run saw is what a correct client sees; pinned so "equal" cannot mean "equally empty".
    expect(direct).toMatchObject({
      auth: ['sasl', 'sasl-continue', 'sasl-final', 'ok'],
      scramServerVerified: true,
      readyStatus: 'I',
      simple: { types: 'TDCTDCZ', rows: [['1', 'two'], [null, 'é🐘']] },
      error: { types: 'EZ' },
      errorCode: '22012',
      extended: { types: '12TDDsDDDC2DCZ' },
      empty: { types: 'IZ' },
      binaryInt: 1,
      large: LARGE,
      notification: ['hc_one_byte', 'payload in pieces'],
    });
    const before = proxy.stats();
    const through = await exchanges(proxy.host, proxy.port);
    expect(through).toEqual(direct);
    const st = proxy.stats();
    const down = st.bytes.down - before.bytes.down;
    expect(down).toBeGreaterThan(LARGE);
    // Every byte the server sent reached the client in a write of its own.
    expect(st.writes.down - before.writes.down).toBe(down);
  });

  it('SSLRequest, then a TLS handshake with verify-full by IP, then login, one byte at a time', async () => {
    const ca = readFileSync(pg.caCertPath ?? '', 'utf8');
    const conn = await openTransport({ host: proxy.host, port: proxy.port, ssl: { ca, rejectUnauthorized: true }, timeoutMs: 15_000 });
    try {
      expect(conn.tlsAuthorized).toBe(true);
      const r = await startSession(conn, { user: pg.user, password: pg.password, database: pg.database }, true);
      expect(r.scramServerVerified).toBe(true);
      expect(await conn.queryRows('SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).toEqual([['true']]);
    } finally {
      conn.close();
    }
  });

  it('can fail: a parser that takes one read for one message works directly and breaks through the proxy', async () => {
    expect(await oneReadIsOneMessage(pg.port)).toMatch(/^message 'R' of \d+ bytes$/);
    expect(await oneReadIsOneMessage(proxy.port)).toBe('a 1-byte read is no message');
  });
});

describe('the PostgreSQL probe through a hop', () => {
  it('sees TLS offered through the one-byte proxy, as directly', async () => {
    const proxy = await startPerturbProxy({ upstream: { host: pg.host, port: pg.port }, seed: 7, maxDelayMs: 0, oneByte: true });
    try {
      expect(await probeServer(pg.host, pg.port, 5_000)).toEqual({ tls: true });
      expect(await probeServer(proxy.host, proxy.port, 5_000)).toEqual({ tls: true });
    } finally {
      await proxy.close();
    }
  });

  it('waits for an ErrorResponse whose second half comes 200 ms after its first (it judged after 50 ms of quiet)', async () => {
    // What a server without SSL support answers to an SSLRequest, cut the way a slow hop may deliver it.
    const answer = frame('E', errorBody([['S', 'FATAL'], ['C', '0A000'], ['M', 'unsupported frontend protocol 1234.5679']]));
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write(answer.subarray(0, 4));
        setTimeout(() => socket.write(answer.subarray(4)), 200).unref();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      expect(await probeServer('127.0.0.1', port, 5_000)).toEqual({ tls: false });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
