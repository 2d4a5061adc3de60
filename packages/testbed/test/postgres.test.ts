import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Endpoint } from '../src/index.js';
import { leftovers } from './helpers.js';

async function withClient<T>(config: pg.ClientConfig, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionTimeoutMillis: 10_000, ...config });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('startPostgres (scram-sha-256, TLS)', () => {
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await startPostgres();
  });
  afterAll(async () => {
    await ep?.stop();
  });

  it('describes a reachable endpoint', () => {
    expect(ep.kind).toBe('postgres');
    expect(ep.host).toBe('127.0.0.1');
    expect(ep.user).toBe('hc');
    expect(ep.database).toBe('hc');
    expect(ep.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(ep.dsn).toBe(`postgres://hc:${ep.password}@127.0.0.1:${ep.port}/hc`);
    expect(ep.version).toMatch(/^PostgreSQL 15\./);
    expect(ep.tls).toBe(true);
    expect(ep.caCertPath).toBeTruthy();
    expect(ep.alive()).toBe(true);
    expect(ep.logs()).toMatch(/ready to accept connections/);
  });

  it('answers SELECT 1 and version() over the DSN', async () => {
    await withClient({ connectionString: ep.dsn }, async (c) => {
      const r = await c.query<{ one: number; version: string; db: string; enc: string }>(
        "SELECT 1 AS one, version() AS version, current_database() AS db, pg_encoding_to_char(encoding) AS enc FROM pg_database WHERE datname = current_database()",
      );
      expect(r.rows[0]).toEqual({ one: 1, version: ep.version, db: 'hc', enc: 'UTF8' });
    });
  });

  it('serves TLS that verifies (verify-full) against caCertPath, by IP and by name', async () => {
    const ca = readFileSync(ep.caCertPath!, 'utf8');
    const base = { host: '127.0.0.1', port: ep.port, user: ep.user, password: ep.password, database: ep.database };
    for (const ssl of [{ ca, rejectUnauthorized: true }, { ca, rejectUnauthorized: true, servername: 'localhost' }]) {
      const on = await withClient({ ...base, ssl }, async (c) => {
        const r = await c.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        return r.rows[0]?.ssl;
      });
      expect(on).toBe(true);
    }
    // A wrong host name must fail verification: the check is real.
    await expect(withClient({ ...base, ssl: { ca, rejectUnauthorized: true, servername: 'example.com' } }, async () => 0)).rejects.toThrow(
      /example\.com|altnames|Hostname/i,
    );
  });

  it('rejects a wrong password with 28P01, over TCP and over the Unix socket (no trust)', async () => {
    // (pg lets a connectionString override `password`, so pass fields)
    await expect(
      withClient({ host: ep.host, port: ep.port, user: ep.user, password: 'wrong-password', database: ep.database }, async () => 0),
    ).rejects.toMatchObject({ code: '28P01' });
    await expect(
      withClient({ host: ep.tempDir, port: ep.port, user: 'hc', password: 'wrong-password', database: 'hc' }, async () => 0),
    ).rejects.toMatchObject({ code: '28P01' });
    await withClient({ host: ep.tempDir, port: ep.port, user: 'hc', password: ep.password, database: 'hc' }, async (c) => {
      expect((await c.query('SELECT 1 AS x')).rows[0]).toEqual({ x: 1 });
    });
  });

  it('stop() kills the process group and removes the temp dir; it is idempotent', async () => {
    // an open session must not delay shutdown
    const c = new pg.Client({ connectionString: ep.dsn });
    c.on('error', () => undefined);
    await c.connect();
    await Promise.all([ep.stop(), ep.stop()]);
    await ep.stop();
    expect(() => process.kill(ep.pid, 0)).toThrow();
    expect(leftovers(ep)).toEqual({ pid: false, group: [], tempDir: false });
    expect(ep.alive()).toBe(false);
    await c.end().catch(() => undefined);
  });
});
