// pgBackRest on a pg-cluster, through the topology's action command lines as the ha-dr suite runs
// them: a backup restores into a separate server that holds the rows committed before it and not
// the ones after; verify-backup exits non-zero on a flipped byte (pgbackrest itself exits 0); a
// restored server left running is stopped with the cluster.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote, startPgCluster, type PgCluster } from '../src/index.js';
import { pidExists } from './helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function action(c: PgCluster, name: keyof PgCluster['topology']['actions'], arg?: string): Promise<Run> {
  const cmd = (c.topology.actions[name] ?? 'false').replace(/\{[a-z]+\}/, arg === undefined ? '' : shellQuote(arg));
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', cmd], { timeout: 150_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: Math.round(performance.now() - t0) });
    });
  });
}

async function query(dsn: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const c = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 3000, query_timeout: 5000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(sql)).rows as Array<Record<string, unknown>>;
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('pg-cluster with pgBackRest', () => {
  let cluster: PgCluster;
  let stopped = false;
  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await startPgCluster({ standbys: 1, backup: 'pgbackrest' });
    console.log(`start with backup: ${Date.now() - t0} ms`);
  }, 120_000);
  afterAll(async () => {
    if (!stopped) await cluster?.stop();
  }, 60_000);

  it('backs up the primary, restores a label into a separate server that holds exactly the rows before it, and stops it with the cluster', async () => {
    expect((await query(cluster.clientDsn, 'SHOW data_checksums'))[0]?.data_checksums).toBe('on');
    await query(cluster.clientDsn, 'CREATE TABLE t AS SELECT 1 AS id');
    const full = await action(cluster, 'backup', 'full');
    expect(full.code, full.stderr).toBe(0);
    const label = full.stdout.trim();
    expect(label).toMatch(/^\d{8}-\d{6}F$/);
    await query(cluster.clientDsn, 'INSERT INTO t VALUES (2)');
    const verify = await action(cluster, 'verify-backup');
    expect(verify.code, verify.stderr).toBe(0);

    const restore = await action(cluster, 'restore', label);
    expect(restore.code, restore.stderr).toBe(0);
    const dsn = restore.stdout.trim();
    const port = Number(new URL(dsn).port);
    expect(cluster.nodes.map((n) => n.port)).not.toContain(port);
    expect(await query(dsn, 'SELECT pg_is_in_recovery() AS rec, array_agg(id ORDER BY id)::text AS ids FROM t')).toEqual([{ rec: false, ids: '{1}' }]);
    // The live cluster is untouched.
    expect((await query(cluster.clientDsn, 'SELECT count(*)::int AS n FROM t'))[0]?.n).toBe(2);
    console.log(`backup full ${full.ms} ms, verify ${verify.ms} ms, restore ${restore.ms} ms`);

    const corrupt = await action(cluster, 'corrupt-backup');
    expect(corrupt.stdout).toMatch(new RegExp(`^${label}/pg_data/\\S+: 16 bytes flipped at offset \\d+`));
    const bad = await action(cluster, 'verify-backup');
    expect([bad.code, bad.stdout]).toEqual([2, '']);
    expect(bad.stderr).toMatch(/^helios-testbed cluster: verify-backup: verification failed: .*invalid/);
    const refused = await action(cluster, 'restore', 'latest');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/restore of latest failed/);

    // The first restore is still running: the cluster's stop() ends it too.
    const pid = Number(readFileSync(path.join(cluster.stateDir, `restore-${port}`, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(pidExists(pid)).toBe(true);
    stopped = true;
    await cluster.stop();
    // Its postmaster may take a moment to exit after the fast shutdown stop() asked for (seen in CI).
    for (let i = 0; i < 50 && pidExists(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pidExists(pid)).toBe(false);
    expect(existsSync(cluster.stateDir)).toBe(false);
  }, 180_000);
});
