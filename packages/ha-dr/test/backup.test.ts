// The backup cases against the testbed's reference cluster with pgBackRest, through the built CLI
// and the cluster's own topology file. Each verdict is shown able to go both ways: the real
// pgBackRest passes TC-BR-001 and TC-BR-004; a restore that ignores its target (always the latest
// backup), a backup that makes no new backup and a verification that always succeeds fail them.
// HA-034 (a flipped page in a table's data file) too: the real cluster passes it; one that ignores
// checksum failures, and a restore that ignores its target (restores the flagged latest backup
// instead of the one before the damage), fail it.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftoverNamespaces, runCacheDir } from '@helios-conformance/suite-kit';
import { loadPg } from '@helios-conformance/sql/postgres';
import { startPgCluster, type PgCluster } from '@helios-conformance/testbed';
import { judge, mutate, result, type Judged } from './helpers.js';

/** Restored servers' data dirs still in the cluster's state dir (drop-restore removes them). */
const restoresLeft = (c: PgCluster): string[] => readdirSync(c.stateDir).filter((e) => /^restore-\d+$/.test(e));
const hadr = (r: Judged['report'], id: string) => (r.sections as { hadr: Record<string, Record<string, unknown>> }).hadr[id] ?? {};

async function onPrimary(c: PgCluster, sql: string): Promise<void> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: c.nodes[0]!.dsn, connectionTimeoutMillis: 5000, query_timeout: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('reference cluster with pgBackRest (1 primary + 1 standby)', () => {
  let cluster: PgCluster;
  let run: Awaited<ReturnType<typeof judge>>;
  beforeAll(async () => {
    cluster = await startPgCluster({ replication: 'async', standbys: 1, backup: 'pgbackrest' });
    run = await judge(cluster.topologyPath, ['--only', 'TC-BR-001,TC-BR-004,HA-034']);
    console.log(`backup cases: ${run.ms} ms; ${JSON.stringify(run.report.results.map((r) => ({ id: r.id, status: r.status, metrics: r.metrics })))}`);
  }, 300_000);
  afterAll(async () => {
    await cluster?.stop();
    if (cluster) expect(existsSync(cluster.stateDir)).toBe(false);
  }, 60_000);

  it('TC-BR-001: every restore point of a full/incr/diff/incr chain holds exactly the markers before it', () => {
    const r = result(run.report, 'TC-BR-001');
    expect(r?.status, `${r?.message}\n${run.stdout}`).toBe('pass');
    const m = r?.metrics as Record<string, number>;
    expect(m.backups).toBe(4);
    expect(m.restorePointsVerified).toBe(4);
    expect(m.markersAcked).toBeGreaterThan(20);
    expect(m.restoreMsMax).toBeGreaterThan(0);
    const points = (run.report.sections as { hadr: Record<string, { points: Array<{ kind: string; before: number; after: number; missing: number[]; extra: number[] }> }> }).hadr['TC-BR-001']?.points ?? [];
    expect(points.map((p) => p.kind)).toEqual(['full', 'incr', 'diff', 'incr']);
    // Each point judged both ways: markers before it, and markers after it, that its restore must (not) hold.
    for (const p of points.slice(0, -1)) {
      expect(p.before).toBeGreaterThan(0);
      expect(p.after).toBeGreaterThan(0);
    }
    expect(points[0]!.before).toBeLessThan(points.at(-1)!.before);
  });

  it('TC-BR-004: verification detects the flipped bytes and the restore of the damaged set is refused', () => {
    const r = result(run.report, 'TC-BR-004');
    expect(r?.status, `${r?.message}\n${run.stdout}`).toBe('pass');
    const m = r?.metrics as Record<string, number>;
    expect(m.corruptionDetected).toBe(1);
    expect(m.restoreRefused).toBe(1);
    const phases = (run.report.sections as { hadr: Record<string, { phases: Array<{ phase: string }> }> }).hadr['TC-BR-004']?.phases.map((p) => p.phase);
    expect(phases?.[0]).toBe('steady state');
    expect(phases).toContain('fault');
    expect(phases?.at(-1)).toBe('rollback');
  });

  it('HA-034: a flipped page is refused on read (XX001) and flagged by the backup; the backup before it restores every row by content; the flagged one restores flagged', () => {
    const r = result(run.report, 'HA-034');
    expect(r?.status, `${r?.message}\n${run.stdout}`).toBe('pass');
    const m = r?.metrics as Record<string, number>;
    expect(m).toMatchObject({ readRefused: 1, corruptionErrorCode: 1, backupFlagged: 1, rowsRestoredIntact: 2000, flaggedRestoreRefusedOrFlagged: 1 });
    const h = hadr(run.report, 'HA-034');
    expect(String((h.backup as { line: string }).line)).toMatch(/invalid page checksum/);
    expect(h.restoreBefore).toMatchObject({ ok: true, rows: 2000, verdict: 'every acknowledged row, by content' });
    // pgBackRest restores the flagged set (its files are what it copied); the testbed's restore
    // flags it from pgbackrest info, and the restored server refuses the damaged table.
    expect(h.restoreFlagged).toMatchObject({ ok: true, how: 'flagged', read: { code: 'XX001', rows: null } });
    expect(String((h.restoreFlagged as { line: string }).line)).toMatch(/taken with page checksum errors/);
    const phases = (h.phases as Array<{ phase: string }>).map((p) => p.phase);
    expect(phases[0]).toBe('steady state');
    expect(phases.at(-1)).toBe('rollback');
  });

  it('leaves no restored server, no run schema, and no password in the report', async () => {
    expect(restoresLeft(cluster)).toEqual([]);
    expect(await leftoverNamespaces(cluster.clientDsn)).toEqual([]);
    expect(JSON.stringify(run.report)).not.toContain(cluster.password);
  });

  it('fails TC-BR-001 and HA-034 when restore ignores its target and always restores the latest backup (mutant)', async () => {
    const base = cluster.topology.actions.restore!.replace('{target}', 'latest');
    const r = await judge(mutate(cluster, { restore: base }), ['--only', 'TC-BR-001,HA-034', '--backups', '2']);
    const res = result(r.report, 'TC-BR-001');
    expect(res?.status, res?.message ?? '').toBe('fail');
    // Caught by the later markers it holds, or (when a loaded machine stalled the writer across the
    // backups) refused as unverifiable, never passed.
    expect(res?.message).toMatch(/^restore point 1 \(full \S+\): (\d+ markers sent after the backup returned are present|no marker to judge after the backup)/);
    // HA-034's "backup before the damage" comes back as the flagged latest one: its table is refused.
    const ha = result(r.report, 'HA-034');
    expect(ha?.status, ha?.message ?? '').toBe('fail');
    expect(ha?.message).toMatch(/^restore of \S+, the last backup before the damage: reading pages_ha_034 there fails: XX001 invalid page/);
    expect(restoresLeft(cluster)).toEqual([]);
  }, 240_000);

  it('fails TC-BR-001 when backup makes no new backup and prints the latest existing label (mutant)', async () => {
    const repo = path.join(cluster.stateDir, 'pgbackrest', 'repo', 'backup', 'hc');
    const r = await judge(mutate(cluster, { backup: `ls ${repo} | grep -E '^[0-9]{8}-[0-9]{6}F' | sort | tail -n 1` }), ['--only', 'TC-BR-001', '--backups', '2']);
    const res = result(r.report, 'TC-BR-001');
    expect(res?.status, res?.message ?? '').toBe('fail');
    expect(res?.message).toMatch(/backup incr #2 printed the label \S+ of an earlier backup: it made no new backup/);
  }, 240_000);

  it('fails TC-BR-004 when verify-backup always succeeds (mutant)', async () => {
    const r = await judge(mutate(cluster, { 'verify-backup': 'true' }), ['--only', 'TC-BR-004']);
    const res = result(r.report, 'TC-BR-004');
    expect(res?.status, res?.message ?? '').toBe('fail');
    expect(res?.message).toBe('verify-backup did not detect the corruption (exit 0)');
    expect((res?.metrics as Record<string, number>).restoreRefused).toBe(1);
  }, 240_000);

  it('fails HA-034 on a cluster that ignores checksum failures (mutant: ignore_checksum_failure = on)', async () => {
    await onPrimary(cluster, 'ALTER SYSTEM SET ignore_checksum_failure = on');
    await onPrimary(cluster, 'SELECT pg_reload_conf()');
    try {
      // Without `restore` (the recovery half is judged above and by the next mutant): the read alone must fail it, in less time.
      const doc = JSON.parse(readFileSync(cluster.topologyPath, 'utf8')) as { name: string; actions: Record<string, string> };
      doc.name += ' — MUTANT: ignore_checksum_failure = on, no restore';
      delete doc.actions.restore;
      const file = path.join(mkdtempSync(path.join(runCacheDir(), 'ha-dr-mutant-')), 'topology.json');
      writeFileSync(file, JSON.stringify(doc));
      const r = await judge(file, ['--only', 'HA-034']);
      const res = result(r.report, 'HA-034');
      expect(res?.status, res?.message ?? '').toBe('fail');
      expect(res?.message).toMatch(/^reading the damaged table (returned \d+ rows, \d+ of them WRONG|failed, but not with a data-corruption error)/);
      // The backup half still holds: pgBackRest checks the page itself.
      expect(res?.metrics).toMatchObject({ backupFlagged: 1 });
      expect(res?.metrics).not.toHaveProperty('rowsRestoredIntact');
    } finally {
      await onPrimary(cluster, 'ALTER SYSTEM RESET ignore_checksum_failure');
      await onPrimary(cluster, 'SELECT pg_reload_conf()');
    }
  }, 240_000);

  it('is n/a on a topology without backup actions', async () => {
    const doc = JSON.parse(readFileSync(cluster.topologyPath, 'utf8')) as { actions: Record<string, string> };
    for (const a of ['backup', 'verify-backup', 'restore', 'drop-restore', 'corrupt-backup']) delete doc.actions[a];
    const file = path.join(mkdtempSync(path.join(runCacheDir(), 'ha-dr-nobackup-')), 'topology.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = await judge(file, ['--only', 'TC-BR-001,TC-BR-004']);
    for (const id of ['TC-BR-001', 'TC-BR-004']) {
      expect(result(r.report, id)?.status).toBe('n/a');
      expect(result(r.report, id)?.message).toMatch(/declares no "backup"/);
    }
  }, 60_000);
});
