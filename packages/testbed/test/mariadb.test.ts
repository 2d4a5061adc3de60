import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, type Endpoint } from '../src/index.js';
import { leftovers } from './helpers.js';

describe('startMariadb (TLS)', () => {
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await startMariadb();
  });
  afterAll(async () => {
    await ep?.stop();
  });

  const connect = (extra: mysql.ConnectionOptions = {}) =>
    mysql.createConnection({ host: ep.host, port: ep.port, user: ep.user, password: ep.password, database: ep.database, connectTimeout: 10_000, ...extra });

  it('describes a reachable endpoint', () => {
    expect(ep.kind).toBe('mariadb');
    expect(ep.dsn).toBe(`mysql://hc:${ep.password}@127.0.0.1:${ep.port}/hc`);
    expect(ep.version).toMatch(/MariaDB/);
    expect(ep.tls).toBe(true);
    expect(ep.caCertPath).toBeTruthy();
    expect(ep.alive()).toBe(true);
  });

  it('answers SELECT 1 and VERSION() over the DSN', async () => {
    const conn = await mysql.createConnection(ep.dsn);
    try {
      const [rows] = await conn.query('SELECT 1 AS one, VERSION() AS version, DATABASE() AS db');
      expect(rows).toEqual([{ one: 1, version: ep.version, db: 'hc' }]);
      // ALL PRIVILEGES: may create its own databases
      await conn.query('CREATE DATABASE hc_probe');
      await conn.query('DROP DATABASE hc_probe');
    } finally {
      await conn.end();
    }
  });

  it('serves TLS that verifies against caCertPath', async () => {
    const ca = readFileSync(ep.caCertPath!, 'utf8');
    const conn = await connect({ ssl: { ca, rejectUnauthorized: true } });
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      expect(String(rows[0]?.Value ?? '')).not.toBe('');
    } finally {
      await conn.end();
    }
  });

  it('rejects a wrong password with 1045, and root over TCP', async () => {
    await expect(connect({ password: 'wrong-password' })).rejects.toMatchObject({ errno: 1045 });
    await expect(connect({ user: 'root', password: '' })).rejects.toMatchObject({ errno: expect.any(Number) });
  });

  it('stop() kills the server and removes the temp dir; logs survive', async () => {
    await ep.stop();
    await ep.stop();
    expect(() => process.kill(ep.pid, 0)).toThrow();
    expect(leftovers(ep)).toEqual({ pid: false, group: [], tempDir: false });
    expect(ep.logs()).toMatch(/ready for connections/);
  });
});

describe('startMariadb, several at once', () => {
  // Test files of different packages start MariaDB at the same moment in CI. A starting server
  // deletes the #sql* files in its tmpdir; with a shared /tmp that broke another's bootstrap.
  it('three instances bootstrapped concurrently all start, twice in a row', async () => {
    for (let round = 0; round < 2; round++) {
      const started = await Promise.allSettled([0, 1, 2].map(() => startMariadb({ tls: false })));
      const eps = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      await Promise.all(eps.map((e) => e.stop()));
      const errors = started.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message).split('\n').slice(0, 4).join(' | ')] : []));
      expect(errors).toEqual([]);
      for (const e of eps) expect(leftovers(e)).toEqual({ pid: false, group: [], tempDir: false });
    }
  }, 120_000);
});
