// Reaching a PostgreSQL endpoint: the probe, login errors as one line (CLI exit 2) and the TLS
// modes, against the package's PostgreSQL 15 (TLS) and MariaDB test servers and a fake server
// without TLS (moved here from the postgres suite with the adapter).
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { leftoverNamespaces, testServer, withParams } from '@helios-conformance/suite-kit';
import { findFreePort } from '@helios-conformance/testbed';
import { fromDsn, probeServer, type PgSession } from '../src/postgres/index.js';

const SECRET = 'Sup3r-s3cret-pw';

async function cannotRun(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CannotRunError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected the call to fail');
}

/** A port that answers an SSLRequest with 'N' and then says nothing: a PostgreSQL without TLS, as far as the probe can tell. */
async function startNoTlsServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.write('N'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('PostgreSQL endpoints: probe, login, TLS modes', () => {
  const pg = testServer('postgres');
  const maria = testServer('mariadb');
  let noTls: { server: Server; port: number };
  beforeAll(async () => {
    noTls = await startNoTlsServer();
  });
  afterAll(async () => {
    await new Promise((r) => noTls?.server.close(r));
  });

  it('probes: PostgreSQL with TLS, a PostgreSQL-like port without, and ports that are not PostgreSQL', async () => {
    expect(await probeServer(pg.host, pg.port, 5_000)).toEqual({ tls: true });
    expect(await probeServer('127.0.0.1', noTls.port, 5_000)).toEqual({ tls: false });
    expect(await cannotRun(probeServer(maria.host, maria.port, 5_000))).toMatch(new RegExp(`the server at 127\\.0\\.0\\.1:${maria.port} does not speak the PostgreSQL protocol`));
    const free = await findFreePort();
    expect(await cannotRun(probeServer('127.0.0.1', free, 5_000))).toMatch(new RegExp(`nothing is listening at 127\\.0\\.0\\.1:${free}`));
  });

  it('judges a server by what it sent, also when it then resets the connection', async () => {
    // What a MySQL server does with an SSLRequest it cannot parse: it has greeted, then it resets.
    const greeting = Buffer.from('4a0000000a31302e31312e3138000000', 'hex');
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write(greeting);
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      expect(await cannotRun(probeServer('127.0.0.1', port, 5_000))).toMatch(/does not speak the PostgreSQL protocol \(it answered 16 bytes starting 4a0000000a31302e/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses a MariaDB server on the port within a second, naming no password', async () => {
    const t0 = Date.now();
    const line = await cannotRun(fromDsn(`postgres://hc:${maria.password}@127.0.0.1:${maria.port}/hc`));
    expect(line).toMatch(/does not speak the PostgreSQL protocol/);
    expect(line).not.toContain(maria.password);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('refuses sslmode=require against a server without TLS', async () => {
    expect(await cannotRun(fromDsn(`postgres://postgres:${SECRET}@127.0.0.1:${noTls.port}/postgres?sslmode=require`))).toMatch(
      /^sslmode=require but the server at 127\.0\.0\.1:\d+ does not accept TLS/,
    );
  });

  it('says what is wrong with a login, never the password', async () => {
    const wrong = `postgres://${pg.user}:${SECRET}@127.0.0.1:${pg.port}/${pg.database}?sslmode=require`;
    expect(await cannotRun(fromDsn(wrong))).toBe(`password authentication failed for user "${pg.user}" at 127.0.0.1:${pg.port}; check the user and password in --dsn`);
    const noDb = withParams(pg.dsn.replace(/\/[^/?]*$/, '/hc_no_such_db'), { sslmode: 'require' });
    const line = await cannotRun(fromDsn(noDb));
    expect(line).toBe(`database "hc_no_such_db" does not exist at 127.0.0.1:${pg.port}; fix the database name in --dsn`);
    expect(line).not.toContain(pg.password);
  });

  it('verify-full needs the CA that signed the server certificate', async () => {
    const line = await cannotRun(fromDsn(withParams(pg.dsn, { sslmode: 'verify-full' })));
    expect(line).toMatch(/^TLS verification of 127\.0\.0\.1:\d+ failed/);
    expect(line).not.toContain(pg.password);
    expect(await cannotRun(fromDsn(withParams(pg.dsn, { sslmode: 'verify-full', sslrootcert: '/nonexistent/ca.pem' })))).toMatch(/cannot read sslrootcert file \/nonexistent\/ca\.pem/);
  });

  async function sslOfOwnBackend(session: PgSession): Promise<boolean | undefined> {
    const c = await session.target.connect();
    try {
      return (await c.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0]?.ssl;
    } finally {
      await c.end();
    }
  }

  it.each([
    ['verify-full with the CA: TLS', { sslmode: 'verify-full', sslrootcert: pg.caCertPath ?? '' }, true],
    ['require: TLS without verification', { sslmode: 'require' }, true],
    ['prefer (the default): TLS when offered', {}, true],
    ['disable: plain TCP', { sslmode: 'disable' }, false],
  ] as const)('sslmode %s', async (_, params, tls) => {
    const session = await fromDsn(withParams(pg.dsn, params));
    try {
      expect(session.target.tls).toBe(tls);
      expect(session.capabilities).toEqual(tls ? ['ssl'] : []);
      expect(session.server).toMatch(/^PostgreSQL 15\./);
      expect(await sslOfOwnBackend(session)).toBe(tls);
    } finally {
      await session.close();
    }
    expect(await leftoverNamespaces(pg.dsn)).toEqual([]);
  });
});
