// The pg-cluster chaos actions on a real cluster, through the CLI as a topology runs them:
// skew-clock (libfaketime; a negative SECONDS is an argument, not an option; 0 restores it and the
// skew survives another restart), fill-disk / free-disk (a tmpfs as root: an open session gets
// 53100 disk_full, the node serves again once freed, nothing stays mounted after stop()).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTestbedCli, startPgCluster, type PgCluster } from '../src/index.js';

const root = process.getuid?.() === 0;
const faketime = existsSync('/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1') || existsSync('/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1');

function cli(c: PgCluster, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [resolveTestbedCli(), 'cluster', '--state', c.stateDir, ...args], { timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

async function connect(dsn: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 5_000 });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function clockOffset(dsn: string): Promise<number> {
  const c = await connect(dsn);
  try {
    const t0 = Date.now();
    const r = await c.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms');
    return (Number(r.rows[0]?.ms) - (t0 + Date.now()) / 2) / 1000;
  } finally {
    await c.end();
  }
}

const mounts = (dir: string): string[] => readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(dir));

describe('pg-cluster chaos actions', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPgCluster({ replication: 'async', standbys: 1 });
  }, 120_000);
  afterAll(async () => {
    const dir = cluster?.stateDir;
    await cluster?.stop();
    if (dir) {
      expect(mounts(dir)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    }
  }, 60_000);

  it.skipIf(!faketime)('skew-clock shifts a node’s clock (also negative), keeps it across a restart, and 0 restores it', async () => {
    const n2 = cluster.nodes[1]!;
    const minus = await cli(cluster, 'skew-clock', 'n2', '-30');
    expect(minus.code, minus.stderr).toBe(0);
    expect(minus.stdout).toMatch(/^n2 clock shifted by -30 s \(restarted under libfaketime\); clock_timestamp\(\) - host clock = -30\.\d s; n2 started as a standby of n1/);
    expect(Math.abs((await clockOffset(n2.dsn)) + 30)).toBeLessThan(2);
    // The skew belongs to the node: a kill and a start from another process keep it.
    await cluster.run('kill', 'n2');
    await cluster.run('start', 'n2');
    expect(Math.abs((await clockOffset(n2.dsn)) + 30)).toBeLessThan(2);
    expect(Math.abs(await clockOffset(cluster.nodes[0]!.dsn))).toBeLessThan(2);
    const back = await cli(cluster, 'skew-clock', 'n2', '0');
    expect(back.code, back.stderr).toBe(0);
    expect(Math.abs(await clockOffset(n2.dsn))).toBeLessThan(2);
    const bad = await cli(cluster, 'skew-clock', 'n2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/skew-clock needs NODE SECONDS/);
  }, 120_000);

  it.skipIf(!root)('fill-disk makes writes fail with 53100 disk_full; free-disk makes the node serve again', async () => {
    const fill = await cli(cluster, 'fill-disk', 'n1');
    expect(fill.code, fill.stderr).toBe(0);
    expect(fill.stdout).toMatch(/^n1: data directory moved onto a \d+ MB tmpfs .*; n1 started; disk filled \([\d.]+ MB written, 0 bytes free\)/);
    expect(mounts(cluster.stateDir)).toHaveLength(1);
    // A session opened before the fill (new ones cannot write their relcache init file).
    await cli(cluster, 'free-disk', 'n1');
    const c = await connect(cluster.nodes[0]!.dsn);
    try {
      await c.query('CREATE TABLE filler_probe (id int, pad text)');
      const again = await cli(cluster, 'fill-disk', 'n1');
      expect(again.stdout).toMatch(/^n1: disk filled \(/);
      const err = await c.query("INSERT INTO filler_probe SELECT g, repeat('x', 500) FROM generate_series(1, 20000) g").then(
        () => undefined,
        (e: { code?: string; message?: string }) => e,
      );
      expect(err?.code, err?.message).toBe('53100');
      expect(err?.message).toMatch(/No space left on device/);
    } finally {
      await c.end().catch(() => undefined);
    }
    const free = await cli(cluster, 'free-disk', 'n1');
    expect(free.code, free.stderr).toBe(0);
    expect(free.stdout).toMatch(/^n1: [\d.]+ MB freed; /);
    // Freed means room again, not the 48 MB margin the fill started from: the cases that follow
    // (backups, their checkpoints and kept WAL) had filled that margin and the node PANICked.
    const mountPoint = mounts(cluster.stateDir)[0]?.split(' ')[1] ?? '';
    const fs = statfsSync(mountPoint);
    expect(Number(fs.bavail) * Number(fs.bsize)).toBeGreaterThan(1024 ** 3);
    const d = await connect(cluster.nodes[0]!.dsn);
    try {
      await d.query("INSERT INTO filler_probe SELECT g, repeat('x', 500) FROM generate_series(1, 2000) g");
      expect((await d.query<{ n: string }>('SELECT count(*) AS n FROM filler_probe')).rows[0]?.n).toBe('2000');
    } finally {
      await d.end();
    }
  }, 120_000);
});
