// crash() and restart(): kill -9 of the whole server process group, then the same data
// directory, port and credentials again. Committed data must come back; a row inserted in a
// transaction that never committed must not.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, startPostgres, type Endpoint } from '../src/index.js';
import { pidExists } from './helpers.js';

describe('PostgreSQL crash() / restart()', () => {
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await startPostgres({ tls: false });
  });
  afterAll(async () => {
    await ep?.stop();
  });

  it('kills the server with SIGKILL and brings it back on the same port with committed data', async () => {
    const c = new pg.Client({ connectionString: ep.dsn });
    c.on('error', () => undefined);
    await c.connect();
    await c.query('CREATE TABLE t (id int PRIMARY KEY)');
    await c.query('INSERT INTO t VALUES (1), (2)');
    const open = new pg.Client({ connectionString: ep.dsn });
    open.on('error', () => undefined);
    await open.connect();
    await open.query('BEGIN');
    await open.query('INSERT INTO t VALUES (3)');
    const { port, pid, dsn } = ep;

    await ep.crash!();
    expect(ep.alive()).toBe(false);
    expect(pidExists(pid)).toBe(false);
    await expect(c.query('SELECT 1')).rejects.toThrow();

    await expect(ep.restart!()).resolves.toBeUndefined();
    expect(ep.alive()).toBe(true);
    expect(ep.port).toBe(port);
    expect(ep.dsn).toBe(dsn);
    expect(ep.pid).not.toBe(pid);
    expect(ep.logs()).toMatch(/not properly shut down|automatic recovery/);

    const again = new pg.Client({ connectionString: ep.dsn });
    await again.connect();
    try {
      const r = await again.query<{ id: number }>('SELECT id FROM t ORDER BY id');
      expect(r.rows.map((x) => x.id)).toEqual([1, 2]);
    } finally {
      await again.end();
      await c.end().catch(() => undefined);
      await open.end().catch(() => undefined);
    }
  });

  it('refuses to restart a running server', async () => {
    await expect(ep.restart!()).rejects.toThrow(/still running/);
  });
});

describe('MariaDB crash() / restart()', () => {
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await startMariadb({ tls: false });
  });
  afterAll(async () => {
    await ep?.stop();
  });

  it('kills the server with SIGKILL and brings it back on the same port with committed data', async () => {
    const c = await mysql.createConnection({ uri: ep.dsn });
    c.on('error', () => undefined);
    await c.query('CREATE TABLE t (id int PRIMARY KEY) ENGINE=InnoDB');
    await c.query('INSERT INTO t VALUES (1), (2)');
    await c.query('BEGIN');
    await c.query('INSERT INTO t VALUES (3)');
    const { port, pid } = ep;

    await ep.crash!();
    expect(ep.alive()).toBe(false);
    expect(pidExists(pid)).toBe(false);
    c.destroy();

    await ep.restart!();
    expect(ep.alive()).toBe(true);
    expect(ep.port).toBe(port);
    const again = await mysql.createConnection({ uri: ep.dsn });
    try {
      const [rows] = await again.query('SELECT id FROM t ORDER BY id');
      expect((rows as Array<{ id: number }>).map((x) => x.id)).toEqual([1, 2]);
    } finally {
      await again.end();
    }
  });
});
