// The suite against the testbed's reference clusters, through the built CLI and each cluster's own
// topology file, as a vendor runs it against theirs. Each verdict is shown able to go both ways:
// a synchronous cluster passes; an asynchronous one loses the writes its isolated primary
// acknowledged (HA-001 fails on the RPO); a "failover" whose promote does nothing fails TC-AF-002.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@helios-conformance/core';
import { leftoverNamespaces, runCacheDir, runCli } from '@helios-conformance/suite-kit';
import { startPgCluster, type PgCluster } from '@helios-conformance/testbed';

async function judge(topologyPath: string, extra: string[] = []): Promise<{ report: Report; stdout: string; code: number | null }> {
  const json = path.join(mkdtempSync(path.join(runCacheDir(), 'ha-dr-')), 'r.json');
  const r = await runCli(['--topology', topologyPath, '--allow-destructive', '--json', json, '--seed', '7', ...extra], { timeoutMs: 240_000 });
  expect(r.stderr, r.stdout + r.stderr).not.toMatch(/Error:|TypeError/);
  return { report: JSON.parse(readFileSync(json, 'utf8')) as Report, stdout: r.stdout, code: r.code };
}

const result = (r: Report, id: string) => r.results.find((x) => x.id === id);

/** A copy of the cluster's topology with some actions replaced (a broken cluster for the suite to catch). */
function mutate(c: PgCluster, actions: Record<string, string>): string {
  const doc = JSON.parse(readFileSync(c.topologyPath, 'utf8')) as { name: string; actions: Record<string, string> };
  doc.name = `${doc.name} — MUTANT: ${Object.keys(actions).join(', ')} replaced`;
  Object.assign(doc.actions, actions);
  const file = path.join(mkdtempSync(path.join(runCacheDir(), 'ha-dr-mutant-')), 'topology.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('synchronous reference cluster (1 primary + 2 standbys)', () => {
  let cluster: PgCluster;
  let run: Awaited<ReturnType<typeof judge>>;
  beforeAll(async () => {
    cluster = await startPgCluster({ replication: 'sync', standbys: 2 });
    run = await judge(cluster.topologyPath);
  }, 300_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('passes both failover experiments, every figure measured within the seed SLAs', () => {
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`target: the cluster in ${cluster.topologyPath}`);
    for (const id of ['TC-AF-002', 'HA-001']) {
      const r = result(run.report, id);
      expect(r?.status, `${id}: ${r?.message}`).toBe('pass');
      const m = r?.metrics as Record<string, number>;
      expect(m.lostAckedWrites, id).toBe(0);
      expect(m.ackedWrites, id).toBeGreaterThan(50);
      expect(m.rtoMs, id).toBeLessThan(60_000);
      expect(m.electionMs, id).toBeLessThan(5_000);
      expect(m.detectionMs, id).toBeLessThan(10_000);
    }
  });

  it('reports each case as steady state → fault → observation → rollback, with the actions run', () => {
    const hadr = (run.report.sections as { hadr: Record<string, { phases: Array<{ phase: string }>; actions: Array<{ action: string; ok: boolean }> }> }).hadr;
    const phases = hadr['TC-AF-002']?.phases.map((p) => p.phase) ?? [];
    expect(phases[0]).toBe('steady state');
    expect(phases).toContain('fault');
    expect(phases).toContain('observation');
    expect(phases.at(-1)).toBe('rollback');
    expect(hadr['TC-AF-002']?.actions.map((a) => a.action)).toEqual(['kill', 'promote', 'start']);
    expect(hadr['HA-001']?.actions.map((a) => a.action)).toEqual(['partition', 'kill', 'heal', 'promote', 'start']);
    expect(JSON.stringify(run.report)).not.toContain(cluster.password);
  });

  it('leaves the cluster with one primary and no run schema', async () => {
    expect((await cluster.run('who-is-primary')).trim().split('\n')).toHaveLength(1);
    expect(await leftoverNamespaces(cluster.clientDsn)).toEqual([]);
  });

  it('fails a failover whose promote does nothing (mutant)', async () => {
    const r = await judge(mutate(cluster, { promote: 'true' }), ['--only', 'TC-AF-002', '--sla-rto-ms', '8000']);
    expect(r.code).toBe(1);
    expect(result(r.report, 'TC-AF-002')?.status).toBe('fail');
    expect(result(r.report, 'TC-AF-002')?.message).toMatch(/election not reached.*RTO not reached|RTO not reached.*election not reached/);
  }, 240_000);

  it('without --allow-destructive runs nothing and says why', async () => {
    const r = await runCli(['--topology', cluster.topologyPath], { timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/SKIP\s+1\/\d+ TC-AF-002.*\n.*pass --allow-destructive/);
  }, 90_000);
});

describe('asynchronous reference cluster (mutant: acknowledges before replicating)', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPgCluster({ replication: 'async', standbys: 2 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('HA-001 fails: the writes the isolated primary acknowledged are lost after failover (RPO > 0)', async () => {
    const r = await judge(cluster.topologyPath, ['--only', 'HA-001']);
    const res = result(r.report, 'HA-001');
    expect(res?.status, res?.message ?? '').toBe('fail');
    expect(res?.message).toMatch(/^RPO: \d+ acknowledged writes lost/);
    expect((res?.metrics as Record<string, number>).lostAckedWrites).toBeGreaterThan(0);
  }, 240_000);
});
