import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgbouncer, startPostgres, type Endpoint, type PgbouncerEndpoint } from '../src/index.js';
import { groupMembers, leftovers, pidExists } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function withClient<T>(config: pg.ClientConfig, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionTimeoutMillis: 10_000, query_timeout: 10_000, ...config });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Backend PID and a session setting, each read in its own transaction on one client connection. */
async function twoTransactions(dsn: string): Promise<{ setting: string; pids: number[] }> {
  return withClient({ connectionString: dsn }, async (c) => {
    // A custom setting: PgBouncer itself tracks and replays a few (application_name, TimeZone…).
    const p1 = (await c.query<{ pid: number }>("SELECT set_config('hc.probe', 'kept', false) AS v, pg_backend_pid() AS pid")).rows[0]!.pid;
    // Another client holds a transaction open meanwhile: in transaction pooling it gets the
    // server connection we just released (PgBouncer reuses the last one first), so our next
    // transaction must run on another server connection, one that never saw our setting.
    return withClient({ connectionString: dsn }, async (o) => {
      await o.query('BEGIN');
      await o.query('SELECT 1');
      try {
        const r = await c.query<{ v: string | null; pid: number }>("SELECT current_setting('hc.probe', true) AS v, pg_backend_pid() AS pid");
        return { setting: r.rows[0]!.v ?? '(unset)', pids: [p1, r.rows[0]!.pid] };
      } finally {
        await o.query('COMMIT');
      }
    });
  });
}

describe.each(['session', 'transaction'] as const)('startPgbouncer (%s pooling, scram-sha-256)', (poolMode) => {
  let ep: PgbouncerEndpoint;
  beforeAll(async () => {
    ep = await startPgbouncer({ poolMode });
  });
  afterAll(async () => {
    await ep?.stop();
  });

  it('describes a reachable endpoint in front of a PostgreSQL 15 backend', () => {
    expect(ep.kind).toBe('pgbouncer');
    expect(ep.poolMode).toBe(poolMode);
    expect(ep.port).not.toBe(ep.backend.port);
    expect(ep.dsn).toBe(`postgres://hc:${ep.password}@127.0.0.1:${ep.port}/hc`);
    expect(ep.version).toMatch(new RegExp(`^PgBouncer 1\\.\\d+\\.\\d+ \\(${poolMode}\\) → PostgreSQL 15\\.\\d+$`));
    expect(ep.alive()).toBe(true);
    expect(ep.logs()).toMatch(/process up: PgBouncer/);
    expect(ep.logs()).toContain(`listening on 127.0.0.1:${ep.port}`);
  });

  it('the config holds the SCRAM secret and the pool mode, never the password', () => {
    const ini = readFileSync(path.join(ep.tempDir!, 'pgbouncer.ini'), 'utf8');
    const userlist = readFileSync(path.join(ep.tempDir!, 'userlist.txt'), 'utf8');
    expect(ini).toMatch(new RegExp(`^pool_mode = ${poolMode}$`, 'm'));
    expect(ini).toMatch(/^auth_type = scram-sha-256$/m);
    expect(userlist).toMatch(/^"hc" "SCRAM-SHA-256\$4096:/);
    expect(ini + userlist + ep.logs()).not.toContain(ep.password);
  });

  it('runs a query through PgBouncer, reaching the backend', async () => {
    const r = await withClient({ connectionString: ep.dsn }, (c) =>
      c.query<{ one: number; db: string; port: number; version: string }>("SELECT 1 AS one, current_database() AS db, inet_server_port() AS port, version() AS version"),
    );
    expect(r.rows[0]).toMatchObject({ one: 1, db: 'hc', port: ep.backend.port });
    expect(r.rows[0]!.version).toMatch(/^PostgreSQL 15\./);
    // The log shows that the client went through PgBouncer, not around it.
    expect(ep.logs()).toMatch(/login attempt: db=hc user=hc/);
  });

  it('authenticates with scram-sha-256: a wrong password is refused, a role created on the backend logs in (auth_query)', async () => {
    // PgBouncer 1.18 answers a failed SCRAM exchange with 08P01, not PostgreSQL's 28P01.
    await expect(
      withClient({ host: ep.host, port: ep.port, user: ep.user, password: 'wrong-password', database: ep.database }, async () => 0),
    ).rejects.toMatchObject({ code: '08P01', message: 'SASL authentication failed' });
    const role = `hc_pgb_${poolMode}`;
    await withClient({ connectionString: ep.backend.dsn }, (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-${poolMode}-x1'`));
    try {
      const who = await withClient({ host: ep.host, port: ep.port, user: role, password: `pw-${poolMode}-x1`, database: ep.database }, (c) =>
        c.query<{ u: string }>('SELECT current_user AS u'),
      );
      expect(who.rows[0]!.u).toBe(role);
    } finally {
      await withClient({ connectionString: ep.backend.dsn }, (c) => c.query(`DROP ROLE ${role}`));
    }
  });

  it(`${poolMode === 'session' ? 'keeps' : 'loses'} a session SET between transactions (the pooling mode is real)`, async () => {
    // The admin console reports the mode PgBouncer actually runs in.
    const mode = await withClient({ connectionString: ep.dsn.replace(/\/hc$/, '/pgbouncer') }, async (c) => {
      const r = await c.query<{ key: string; value: string }>('SHOW CONFIG');
      return r.rows.find((x) => x.key === 'pool_mode')?.value;
    });
    expect(mode).toBe(poolMode);
    const r = await twoTransactions(ep.dsn);
    if (poolMode === 'session') {
      expect(r.setting).toBe('kept');
      expect(r.pids[0]).toBe(r.pids[1]);
    } else {
      expect(r.setting).not.toBe('kept');
      expect(r.pids[0]).not.toBe(r.pids[1]);
    }
  });

  it('stop() stops PgBouncer and the backend it started, and removes both temp dirs', async () => {
    const c = new pg.Client({ connectionString: ep.dsn });
    c.on('error', () => undefined);
    await c.connect();
    const backend = ep.backend;
    await Promise.all([ep.stop(), ep.stop()]);
    expect(leftovers(ep)).toEqual({ pid: false, group: [], tempDir: false });
    expect(leftovers(backend)).toEqual({ pid: false, group: [], tempDir: false });
    expect(ep.alive()).toBe(false);
    await c.end().catch(() => undefined);
  });
});

describe('startPgbouncer with a given backend', () => {
  let backend: Endpoint;
  beforeAll(async () => {
    backend = await startPostgres({ tls: false });
  });
  afterAll(async () => {
    await backend?.stop();
  });

  it('pools it and leaves it running on stop()', async () => {
    const ep = await startPgbouncer({ poolMode: 'transaction', backend });
    expect(ep.backend).toBe(backend);
    const r = await withClient({ connectionString: ep.dsn }, (c) => c.query<{ port: number }>('SELECT inet_server_port() AS port'));
    expect(r.rows[0]!.port).toBe(backend.port);
    await ep.stop();
    expect(leftovers(ep)).toEqual({ pid: false, group: [], tempDir: false });
    expect(backend.alive()).toBe(true);
    await withClient({ connectionString: backend.dsn }, (c) => c.query('SELECT 1'));
  });

  it('refuses an md5 backend and a bad pool mode with one clear line, leaving nothing behind', async () => {
    const md5 = await startPostgres({ tls: false, authMethod: 'md5' });
    try {
      await expect(startPgbouncer({ poolMode: 'session', backend: md5 })).rejects.toThrow(/not a SCRAM secret/);
      expect(md5.alive()).toBe(true);
    } finally {
      await md5.stop();
    }
    await expect(startPgbouncer({ poolMode: 'statement' as 'session' })).rejects.toThrow(/unsupported poolMode "statement"/);
    await expect(startPgbouncer({ poolMode: 'session', binPath: '/nonexistent/pgbouncer' })).rejects.toThrow(/binPath option \/nonexistent\/pgbouncer is not an executable/);
  });
});

describe('reaper: PgBouncer never outlives its owner', () => {
  it('SIGKILL of the owner: PgBouncer and its backend are stopped and their temp dirs removed', async () => {
    const child = spawn(process.execPath, [path.join(here, 'fixtures', 'owner.mjs'), 'pgbouncer'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const info = await new Promise<{ started: Array<{ pid: number; tempDir: string; backendPid: number; backendTempDir: string }> }>((resolve, reject) => {
        let out = '';
        let err = '';
        const timer = setTimeout(() => reject(new Error(`owner did not report within 60 s\n${err}`)), 60_000);
        child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) {
            clearTimeout(timer);
            resolve(JSON.parse(line));
          }
        });
        child.once('exit', (code) => reject(new Error(`owner exited (${code}) before reporting\n${err}`)));
      });
      const s = info.started[0]!;
      const dirs = [s.tempDir, s.backendTempDir];
      const pids = [s.pid, s.backendPid];
      for (const pid of pids) expect(groupMembers(pid).length).toBeGreaterThan(0);
      for (const dir of dirs) expect(existsSync(dir)).toBe(true);
      child.kill('SIGKILL');
      const t0 = Date.now();
      while (pids.some((p) => groupMembers(p).length > 0 || pidExists(p)) || dirs.some((d) => existsSync(d))) {
        if (Date.now() - t0 > 20_000) throw new Error(`still there after 20 s: ${JSON.stringify(pids.map((p) => groupMembers(p)))} ${JSON.stringify(dirs.map((d) => existsSync(d)))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log(`reaper: owner SIGKILLed, PgBouncer and its backend gone after ${Date.now() - t0} ms`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
