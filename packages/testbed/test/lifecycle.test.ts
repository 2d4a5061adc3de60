import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findFreePort, liveEndpoints, startPglite, startPostgres, stopAll, type Endpoint } from '../src/index.js';
import { childPids, groupMembers, pidExists } from './helpers.js';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distIndex = pathToFileURL(path.join(pkgDir, 'dist', 'index.js')).href;
const distCli = path.join(pkgDir, 'dist', 'cli.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns node; calls `onLine` for each stdout line; resolves on exit. */
function runNode(args: string[], onLine: (line: string, child: ReturnType<typeof spawn>) => void = () => undefined, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; stdout=${stdout} stderr=${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onLine(line, child);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const hostScript = (mode: 'natural' | 'signal') => `
const m = await import(${JSON.stringify(distIndex)});
const ep = await m.startPostgres({ tls: false });
if (${JSON.stringify(mode)} === 'signal') { m.installSignalTeardown(); setInterval(() => {}, 1000); }
console.log(JSON.stringify({ pid: ep.pid, tempDir: ep.tempDir }));
`;

describe('findFreePort', () => {
  it('returns a loopback port that can be bound', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThan(65536);
    await new Promise<void>((resolve, reject) => {
      const s = net.createServer().once('error', reject);
      s.listen(port, '127.0.0.1', () => s.close(() => resolve()));
    });
  });
});

describe('startPostgres options', () => {
  it('md5 without TLS, with extraConf', async () => {
    const ep = await startPostgres({ tls: false, authMethod: 'md5', extraConf: { work_mem: '8MB', application_name: "it's" } });
    try {
      expect(ep.tls).toBe(false);
      expect(ep.caCertPath).toBeUndefined();
      const c = new pg.Client({ connectionString: ep.dsn });
      await c.connect();
      try {
        const r = await c.query<{ md5: boolean; wm: string; ssl: string }>(
          "SELECT (SELECT rolpassword LIKE 'md5%' FROM pg_authid WHERE rolname = 'hc') AS md5, current_setting('work_mem') AS wm, current_setting('ssl') AS ssl",
        );
        expect(r.rows[0]).toEqual({ md5: true, wm: '8MB', ssl: 'off' });
      } finally {
        await c.end();
      }
      await expect(
        (async () => {
          const bad = new pg.Client({ host: ep.host, port: ep.port, user: ep.user, password: 'nope', database: ep.database });
          await bad.connect();
          await bad.end();
        })(),
      ).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await ep.stop();
    }
    expect(existsSync(ep.tempDir!)).toBe(false);
  });

  it('fails with a clear error (and cleans up) on a bad setting', async () => {
    const before = liveEndpoints().length;
    await expect(startPostgres({ tls: false, extraConf: { shared_buffers: 'lots' } })).rejects.toThrow(/could not start PostgreSQL[\s\S]*shared_buffers/);
    expect(liveEndpoints().length).toBe(before);
    expect(childPids()).toEqual([]);
  });
});

describe('teardown in host programs', () => {
  it('a host that simply ends leaves nothing behind (exit handler), and is not kept alive', async () => {
    let info: { pid: number; tempDir: string } | undefined;
    const run = await runNode(['--input-type=module', '-e', hostScript('natural')], (line) => {
      if (line.startsWith('{')) info = JSON.parse(line) as { pid: number; tempDir: string };
    });
    expect(run.code, run.stderr).toBe(0);
    expect(info).toBeDefined();
    expect(groupMembers(info!.pid)).toEqual([]);
    expect(existsSync(info!.tempDir)).toBe(false);
  });

  it('installSignalTeardown(): SIGTERM stops everything and exits 143', async () => {
    let info: { pid: number; tempDir: string } | undefined;
    const run = await runNode(['--input-type=module', '-e', hostScript('signal')], (line, child) => {
      if (line.startsWith('{')) {
        info = JSON.parse(line) as { pid: number; tempDir: string };
        child.kill('SIGTERM');
      }
    });
    expect(run.code, run.stderr).toBe(143);
    expect(groupMembers(info!.pid)).toEqual([]);
    expect(existsSync(info!.tempDir)).toBe(false);
  });
});

describe('helios-testbed CLI', () => {
  it('--help prints usage', async () => {
    const run = await runNode([distCli, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: helios-testbed up <postgres\|pglite\|mariadb\|pgbouncer\|pg-cluster\|patroni-cluster\|auto-failover\|galera>/);
    expect(run.stdout).toMatch(/helios-testbed cluster --state DIR <action> \[NODE\]/);
  });

  it('an unknown kind exits 2 with one line', async () => {
    const run = await runNode([distCli, 'up', 'oracle']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/unknown endpoint kind "oracle"/);
  });

  it('up postgres --no-tls prints DSN=, serves it, and stops on Ctrl-C with exit 0', async () => {
    const fields: Record<string, string> = {};
    let queried: unknown;
    const run = await runNode([distCli, 'up', 'postgres', '--no-tls'], (line, child) => {
      const eq = line.indexOf('=');
      if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
      if (line.startsWith('TEMP_DIR=')) {
        const c = new pg.Client({ connectionString: fields.DSN });
        void c
          .connect()
          .then(() => c.query('SELECT 1 AS x'))
          .then((r) => (queried = r.rows[0]))
          .finally(() => c.end().finally(() => child.kill('SIGINT')));
      }
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fields.DSN).toMatch(/^postgres:\/\/hc:[A-Za-z0-9_-]{24}@127\.0\.0\.1:\d+\/hc$/);
    expect(fields.CA).toBeUndefined();
    expect(queried).toEqual({ x: 1 });
    expect(groupMembers(Number(fields.PID))).toEqual([]);
    expect(existsSync(fields.TEMP_DIR!)).toBe(false);
  });

  it('up pgbouncer-transaction serves PgBouncer in transaction pooling and stops it and its backend on Ctrl-C', async () => {
    const fields: Record<string, string> = {};
    let mode: unknown;
    const run = await runNode([distCli, 'up', 'pgbouncer-transaction'], (line, child) => {
      const eq = line.indexOf('=');
      if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
      if (line.startsWith('BACKEND_PID=')) {
        const c = new pg.Client({ connectionString: fields.DSN!.replace(/\/hc$/, '/pgbouncer') });
        void c
          .connect()
          .then(() => c.query<{ key: string; value: string }>('SHOW CONFIG'))
          .then((r) => (mode = r.rows.find((x) => x.key === 'pool_mode')?.value))
          .finally(() => c.end().finally(() => child.kill('SIGINT')));
      }
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fields.VERSION).toMatch(/^PgBouncer 1\.\d+\.\d+ \(transaction\) → PostgreSQL 15\./);
    expect(mode).toBe('transaction');
    expect(fields.BACKEND_DSN).not.toBe(fields.DSN);
    for (const pid of [fields.PID, fields.BACKEND_PID]) expect(groupMembers(Number(pid))).toEqual([]);
    expect(existsSync(fields.TEMP_DIR!)).toBe(false);
  });

  it('--pool-mode is checked: a bad mode or a contradiction exits 2 with one line', async () => {
    for (const [args, message] of [
      [['up', 'pgbouncer', '--pool-mode', 'statement'], /--pool-mode must be session or transaction, not "statement"/],
      [['up', 'pgbouncer-session', '--pool-mode', 'transaction'], /--pool-mode transaction contradicts pgbouncer-session/],
      [['up', 'postgres', '--pool-mode', 'session'], /--pool-mode applies to pgbouncer only/],
    ] as const) {
      const run = await runNode([distCli, ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
  });
});

describe('stopAll', () => {
  it('stops every endpoint: no process, no hc-testbed-* dir, no child process left', async () => {
    const eps: Endpoint[] = await Promise.all([startPostgres(), startPglite()]);
    expect(liveEndpoints()).toEqual(expect.arrayContaining(eps));
    expect(childPids().length).toBeGreaterThanOrEqual(2);
    await stopAll();
    expect(liveEndpoints()).toEqual([]);
    for (const ep of eps) {
      expect(pidExists(ep.pid)).toBe(false);
      expect(groupMembers(ep.pid)).toEqual([]);
      if (ep.tempDir) expect(existsSync(ep.tempDir)).toBe(false);
    }
    expect(childPids()).toEqual([]);
    await stopAll(); // idempotent
  });
});
