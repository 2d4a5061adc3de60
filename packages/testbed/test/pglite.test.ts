import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPglite, type Endpoint } from '../src/index.js';
import { leftovers } from './helpers.js';

describe('startPglite (child process, pgvector)', () => {
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await startPglite({ extensions: ['vector'] });
  });
  afterAll(async () => {
    await ep?.stop();
  });

  it('describes a reachable endpoint', () => {
    expect(ep.kind).toBe('pglite');
    expect(ep.dsn).toBe(`postgres://postgres:${encodeURIComponent(ep.password)}@127.0.0.1:${ep.port}/postgres`);
    expect(ep.password).not.toBe('postgres');
    expect(ep.tls).toBe(false);
    expect(ep.caCertPath).toBeUndefined();
    expect(ep.version).toMatch(/PGlite/);
    expect(ep.pid).not.toBe(process.pid);
  });

  it('answers SELECT 1, version() and pgvector queries', async () => {
    const client = new pg.Client({ connectionString: ep.dsn });
    await client.connect();
    try {
      const r = await client.query<{ one: number; version: string }>('SELECT 1 AS one, version() AS version');
      expect(r.rows[0]).toEqual({ one: 1, version: ep.version });
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      const d = await client.query<{ d: number }>("SELECT '[1,2,3]'::vector <-> '[1,2,5]'::vector AS d");
      expect(d.rows[0]?.d).toBe(2);
    } finally {
      await client.end();
    }
  });

  it('stop() copes with a child that already died', async () => {
    process.kill(ep.pid, 'SIGKILL');
    for (let i = 0; i < 100 && ep.alive(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(ep.alive()).toBe(false);
    await ep.stop();
    await ep.stop();
    expect(() => process.kill(ep.pid, 0)).toThrow();
    expect(leftovers(ep)).toEqual({ pid: false, group: [], tempDir: false });
  });
});
