// The suite against the testbed's MariaDB Galera cluster (family mysql), through the built CLI and
// the cluster's own topology file. One cluster for the file: the real cluster passes HA-020 (quorum
// loss) and HA-021 (split brain); then the same cluster with Galera's pc.ignore_quorum=true set on
// one node — a real setting that makes a node keep serving without quorum — fails each of them.
import { mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@helios-conformance/core';
import { runCacheDir, runCli } from '@helios-conformance/suite-kit';
import { galeraUnavailable, startGaleraCluster, type GaleraCluster } from '@helios-conformance/testbed';

const skip = galeraUnavailable();

async function judge(topologyPath: string, only: string): Promise<{ report: Report; stdout: string; code: number | null }> {
  const json = path.join(mkdtempSync(path.join(runCacheDir(), 'ha-dr-galera-')), 'r.json');
  // A 1 s steady state: the writers' mix is covered on PostgreSQL; here CI time goes to the faults.
  const r = await runCli(['--topology', topologyPath, '--allow-destructive', '--json', json, '--seed', '7', '--steady-ms', '1000', '--only', only], { timeoutMs: 420_000 });
  expect(r.stderr, r.stdout + r.stderr).not.toMatch(/Error:|TypeError/);
  return { report: JSON.parse(readFileSync(json, 'utf8')) as Report, stdout: r.stdout, code: r.code };
}

const result = (r: Report, id: string) => r.results.find((x) => x.id === id);

/** Sets Galera's pc.ignore_quorum on one node at runtime (the hc user has SUPER). */
async function ignoreQuorum(c: GaleraCluster, node: string, on: boolean): Promise<void> {
  const n = c.nodes.find((x) => x.name === node)!;
  const conn = await mysql.createConnection({ uri: n.dsn, connectTimeout: 5000 });
  try {
    await conn.query(`SET GLOBAL wsrep_provider_options = 'pc.ignore_quorum=${on}'`);
  } finally {
    conn.destroy();
  }
}

describe.skipIf(skip)('Galera reference cluster (3 nodes, family mysql)', () => {
  let cluster: GaleraCluster;
  let run: Awaited<ReturnType<typeof judge>>;
  beforeAll(async () => {
    cluster = await startGaleraCluster();
    console.log(`[galera] cluster up in ${cluster.timings.totalMs} ms`);
    const t0 = Date.now();
    run = await judge(cluster.topologyPath, 'HA-020,HA-021,TC-AF-002');
    console.log(`[galera] HA-020 + HA-021 run: ${Date.now() - t0} ms`);
  }, 600_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('passes quorum loss (HA-020) and split brain (HA-021); single-primary failover is n/a', () => {
    for (const id of ['HA-020', 'HA-021']) {
      const r = result(run.report, id);
      expect(r?.status, `${id}: ${r?.message}\n${run.stdout}`).toBe('pass');
    }
    const q = result(run.report, 'HA-020')?.metrics as Record<string, number>;
    console.log(`[galera] HA-020: kill→first ack ${q.killToFirstAckMs} ms, minority refuses writes after ${q.partitionToWriteRefusalMs} ms, reads after ${q.partitionToReadRefusalMs} ms, whole again after ${q.healToAllPrimaryMs} ms; ${q.ackedWrites} acked, ${q.lostAckedWrites} lost`);
    expect(q.ackedWrites).toBeGreaterThan(20);
    expect(q.lostAckedWrites).toBe(0);
    expect(q.minorityAcks).toBe(0);
    expect(q.partitionToWriteRefusalMs).toBeGreaterThan(0);
    const s = result(run.report, 'HA-021')?.metrics as Record<string, number>;
    console.log(`[galera] HA-021: minority refuses after ${s.partitionToMinorityRefusalMs} ms; majority acked ${s.majorityAcksDuringPartition}, minority ${s.minorityAcksDuringPartition}`);
    expect(s.majorityAcksDuringPartition).toBeGreaterThan(0);
    expect(s.minorityAcksDuringPartition).toBe(0);
    const af = result(run.report, 'TC-AF-002');
    expect(af?.status).toBe('n/a');
    expect(af?.message).toMatch(/multi-primary/);
  });

  it('reports each case as steady state → fault → observation → rollback', () => {
    const hadr = (run.report.sections as { hadr: Record<string, { phases: Array<{ phase: string }>; actions: Array<{ action: string; ok: boolean }> }> }).hadr;
    const phases = hadr['HA-020']?.phases.map((p) => p.phase) ?? [];
    expect(phases[0]).toBe('steady state');
    expect(phases).toContain('fault');
    expect(phases.at(-1)).toBe('observation');
    expect(phases).toContain('rollback');
    expect(hadr['HA-020']?.actions.map((a) => a.action)).toEqual(['kill', 'partition', 'heal', 'start']);
    expect(hadr['HA-021']?.actions.map((a) => a.action)).toEqual(['partition', 'heal']);
  });

  it('MUTANT pc.ignore_quorum=true on the node cut off: HA-020 fails (it acknowledges without quorum), then HA-021 fails (split brain)', async () => {
    // HA-020 cuts off n1 (the survivor); HA-021 cuts off n3. Each mutant run sets it on that node only.
    await ignoreQuorum(cluster, 'n1', true);
    let m = await judge(cluster.topologyPath, 'HA-020');
    await ignoreQuorum(cluster, 'n1', false).catch(() => undefined);
    let r = result(m.report, 'HA-020');
    expect(r?.status, `${r?.message}\n${m.stdout}`).toBe('fail');
    expect(r?.message).toMatch(/n1, cut off as a minority, acknowledged \d+ direct writes/);
    await ignoreQuorum(cluster, 'n3', true);
    m = await judge(cluster.topologyPath, 'HA-021');
    r = result(m.report, 'HA-021');
    expect(r?.status, `${r?.message}\n${m.stdout}`).toBe('fail');
    expect(r?.message).toMatch(/split brain: n3 \(cut off, a minority\) acknowledged \d+ writes while n1, n2 acknowledged/);
  }, 600_000);
});

describe.runIf(skip)('Galera reference cluster', () => {
  it(`is skipped: ${skip}`, () => {
    expect(skip).toBeTruthy();
  });
});
