// TC-AF-004 (split-brain prevention) and TC-AF-003 (cascading failures) through the built CLI against
// ONE synchronous reference cluster (1 primary + 2 standbys, `ANY 1`): both pass in one invocation;
// then two mutants of the same cluster, each a real wrong behaviour a failover script can have:
// - a kill that makes the primary drop its synchronous standbys when one dies ("degraded mode"): it
//   keeps acknowledging with no standby left, so TC-AF-003 must fail on writes acknowledged below the quorum;
// - a partition after which the standby left alone is promoted and commits without a synchronous
//   standby: two primaries acknowledge writes at once, so TC-AF-004 must fail on the overlap (last:
//   it leaves the cluster with two primaries).
// The mutants use psql directly: the testbed's own promote also re-points the other standby to the
// promoted node, which (across the cut) leaves the old primary without its sync standby, so it
// would stop acknowledging and hide the split brain this mutant has to show.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftoverNamespaces, runCacheDir } from '@helios-conformance/suite-kit';
import { startPgCluster, type PgCluster } from '@helios-conformance/testbed';
import { judge as judgeTopology, result } from './helpers.js';

const FAST = ['--split-window-ms', '1500', '--steady-ms', '1000', '--writers', '3'];

const judge = (topologyPath: string, extra: string[] = []) => judgeTopology(topologyPath, [...FAST, ...extra]);

const sq = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** A copy of the cluster's topology whose `action` is a shell script (written next to it, mode 0700). */
function mutate(c: PgCluster, action: 'kill' | 'partition', script: string): string {
  const doc = JSON.parse(readFileSync(c.topologyPath, 'utf8')) as { name: string; actions: Record<string, string> };
  const dir = mkdtempSync(path.join(runCacheDir(), 'ha-dr-mutant-'));
  const file = path.join(dir, `${action}.sh`);
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o700);
  doc.name = `${doc.name} — MUTANT: ${action}`;
  doc.actions[action] = `${file} {${action === 'kill' ? 'node' : 'groups'}}`;
  const topo = path.join(dir, 'topology.json');
  writeFileSync(topo, JSON.stringify(doc), { mode: 0o600 });
  return topo;
}

/** The testbed CLI command (`node …/cli.js cluster --state DIR`) the cluster's own actions run. */
const base = (c: PgCluster): string => c.topology.actions.heal.replace(/ heal$/, '');
const psql = (dsn: string, ...sql: string[]): string => `psql -X -q -A -t ${sq(dsn)} ${sql.map((s) => `-c ${sq(s)}`).join(' ')}`;

async function sql(dsn: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 3_000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

type Hadr = Record<string, { phases: Array<{ phase: string }>; partitions?: Array<Record<string, unknown>>; steps?: Array<Record<string, unknown>> }>;

describe('TC-AF-003 and TC-AF-004 on the synchronous reference cluster (1 primary + 2 standbys)', () => {
  let cluster: PgCluster;
  let run: Awaited<ReturnType<typeof judge>>;
  const t0 = Date.now();
  let startMs = 0;
  let runMs = 0;
  beforeAll(async () => {
    cluster = await startPgCluster({ replication: 'sync', standbys: 2 });
    startMs = Date.now() - t0;
    run = await judge(cluster.topologyPath, ['--only', 'TC-AF-003,TC-AF-004']);
    runMs = Date.now() - t0 - startMs;
  }, 300_000);
  afterAll(async () => {
    await cluster?.stop();
    console.log(`split.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s from the cluster start to its stop`);
  }, 60_000);

  it('TC-AF-004 passes: in every partition only the primary acknowledges, the probes on the standbys are refused, nothing is lost', () => {
    expect(run.code, run.stdout).toBe(0);
    const r = result(run.report, 'TC-AF-004');
    expect(r?.status, r?.message ?? '').toBe('pass');
    const m = r?.metrics as Record<string, number>;
    expect(m.partitionsTried).toBe(3);
    expect(m.splitBrains).toBe(0);
    expect(m.maxOverlapMs).toBe(0);
    expect(m.lostAckedWrites).toBe(0);
    expect(m.resurrectedRows).toBe(0);
    expect(m.staleRows).toBe(0);
    expect(m.ackedWrites).toBeGreaterThan(100);
    const ms = (id: string): number | undefined => result(run.report, id)?.durationMs;
    console.log(`cluster start ${startMs} ms; one CLI run ${runMs} ms (TC-AF-004 ${ms('TC-AF-004')} ms, TC-AF-003 ${ms('TC-AF-003')} ms)`);
    const parts = (run.report.sections as { hadr: Hadr }).hadr['TC-AF-004']?.partitions as Array<{
      groups: string;
      acksByNode: Record<string, number>;
      rollbackMs: number | null;
      ledger: Record<string, { acked: number; failed: number }>;
    }>;
    expect(parts.map((p) => p.groups)).toEqual(['n2|n1,n3', 'n1|n2,n3', 'n1|n2|n3']);
    for (const p of parts) {
      expect(Object.keys(p.acksByNode), p.groups).toEqual(['n1']);
      expect(p.rollbackMs, p.groups).not.toBeNull();
      // The probes write straight to each node: the primary's are acknowledged, the standbys' refused (25006).
      expect(p.ledger.n1?.acked, p.groups).toBeGreaterThan(0);
      for (const s of ['n2', 'n3']) {
        expect(p.ledger[s]?.acked, `${p.groups} ${s}`).toBe(0);
        expect(p.ledger[s]?.failed, `${p.groups} ${s}`).toBeGreaterThan(0);
      }
    }
  });

  it('TC-AF-003 passes: serves with 2 of 3 up, refuses (never acknowledges) below, serves again after the restarts with nothing lost', () => {
    const r = result(run.report, 'TC-AF-003');
    expect(r?.status, r?.message ?? '').toBe('pass');
    const m = r?.metrics as Record<string, number | string>;
    expect(m.acksWithoutQuorum).toBe(0);
    expect(m.lostAckedWrites).toBe(0);
    expect(m.resurrectedRows).toBe(0);
    expect(m.staleRows).toBe(0);
    expect(m.maxResumeMs).toBeLessThan(10_000);
    const steps = (run.report.sections as { hadr: Hadr }).hadr['TC-AF-003']?.steps as Array<{ action: string; node: string; expect: string; acksAfter: number; firstRefusal: { error: string } | null }>;
    expect(steps.map((s) => `${s.action} ${s.node} ${s.expect}`)).toEqual(['kill n3 serve', 'kill n2 refuse', 'kill n1 refuse', 'start n1 refuse', 'start n2 serve', 'start n3 serve']);
    for (const s of steps) {
      if (s.expect === 'serve') expect(s.acksAfter, `${s.action} ${s.node}`).toBeGreaterThan(0);
      else expect(s.acksAfter, `${s.action} ${s.node}`).toBe(0);
    }
    // Sync ANY 1 with no standby: the commit hangs, the writers' deadline turns it into in-doubt.
    expect(steps[1]?.firstRefusal?.error).toMatch(/in-doubt: no answer within 2000 ms/);
    expect(m.firstRefusal).toMatch(/in-doubt/);
    console.log(`TC-AF-003 on the sync cluster: ${steps.map((s) => `${s.action} ${s.node} → ${s.expect}: ${s.acksAfter} acks after${s.firstRefusal ? `, first refusal ${s.firstRefusal.error}` : ''}`).join('; ')}; max resume ${m.maxResumeMs} ms`);
  });

  it('reports both as steady state → fault → observation → rollback, without the password, leaving one primary and no run schema', async () => {
    const hadr = (run.report.sections as { hadr: Hadr }).hadr;
    for (const id of ['TC-AF-003', 'TC-AF-004']) {
      const phases = hadr[id]?.phases.map((p) => p.phase) ?? [];
      expect(phases[0], id).toBe('steady state');
      expect(phases, id).toEqual(expect.arrayContaining(['fault', 'observation', 'rollback']));
    }
    expect(JSON.stringify(run.report)).not.toContain(cluster.password);
    expect((await cluster.run('who-is-primary')).trim().split('\n')).toEqual(['n1']);
    expect(await leftoverNamespaces(cluster.clientDsn)).toEqual([]);
  });

  it('TC-AF-003 fails a primary that drops its synchronous standbys when one dies (mutant kill): acknowledged below the quorum', async () => {
    const dsns = cluster.nodes.map((n) => n.dsn);
    const degrade = dsns.map((d) => `[ "$(${psql(d, 'SELECT pg_is_in_recovery()')} 2>/dev/null)" = f ] && ${psql(d, "ALTER SYSTEM SET synchronous_standby_names = ''", 'SELECT pg_reload_conf()')} >/dev/null 2>&1`).join('\n');
    const topo = mutate(cluster, 'kill', `${base(cluster)} kill "$1"; rc=$?\n${degrade}\nexit $rc`);
    try {
      const r = await judge(topo, ['--only', 'TC-AF-003']);
      expect(r.code).toBe(1);
      const res = result(r.report, 'TC-AF-003');
      expect(res?.status).toBe('fail');
      expect(res?.message).toMatch(/^after killing n2 \(1 of 3 nodes up, quorum 2\), \d+ writes sent afterwards were acknowledged \(by n1 \d+; ids [\d, …]+\): below the quorum writes must be refused/);
      expect((res?.metrics as Record<string, number>).acksWithoutQuorum).toBeGreaterThan(0);
      console.log(`TC-AF-003 degrade mutant: ${(res?.metrics as Record<string, number>).acksWithoutQuorum} writes acknowledged below the quorum; case ${res?.durationMs} ms`);
      // It stopped killing once failed, and started what it killed again.
      const steps = (r.report.sections as { hadr: Hadr }).hadr['TC-AF-003']?.steps as Array<{ action: string; node: string }>;
      expect(steps.map((s) => `${s.action} ${s.node}`)).toEqual(['kill n3', 'kill n2', 'start n2', 'start n3']);
    } finally {
      for (const d of dsns) await sql(d, 'ALTER SYSTEM RESET synchronous_standby_names').catch(() => undefined);
      for (const d of dsns) await sql(d, 'SELECT pg_reload_conf()').catch(() => undefined);
    }
  }, 240_000);

  it('TC-AF-004 fails when the standby left alone by a partition is promoted and commits on its own (mutant partition): two primaries, overlap reported', async () => {
    const promote = cluster.nodes
      .map((n) => `  ${n.name}) d=${sq(n.dsn)} ;;`)
      .join('\n');
    const script = [
      `${base(cluster)} partition "$1" || exit $?`,
      'first=${1%%|*}',
      `case "$first" in\n${promote}\n  *) exit 0 ;;\nesac`,
      `[ "$(${psql('$d', 'SELECT pg_is_in_recovery()').replace(sq('$d'), '"$d"')})" = t ] || exit 0`,
      `${psql('$d', 'SELECT pg_promote()', "ALTER SYSTEM SET synchronous_standby_names = ''", 'SELECT pg_reload_conf()').replace(sq('$d'), '"$d"')} >/dev/null`,
    ].join('\n');
    const r = await judge(mutate(cluster, 'partition', script), ['--only', 'TC-AF-004']);
    expect(r.code).toBe(1);
    const res = result(r.report, 'TC-AF-004');
    expect(res?.status).toBe('fail');
    expect(res?.message).toMatch(/^split brain in partition n2\|n1,n3: n1 and n2 both acknowledged writes from \+\d+\.\d\d s to \+\d+\.\d\d s after the cut \(overlap \d+ ms; n1: [^;]+; n2: n2#\d+/);
    expect(res?.message).toContain('a manager that detects the split and fences the cut-off side within the split-brain detection SLA (5.00 s) leaves no overlap');
    expect(res?.message).toMatch(/did not return to one primary/);
    // Read back through the client DSN (the router stays with n1): what n2 acknowledged on its own is gone.
    expect(res?.message).toMatch(/RPO \(partition n2\|n1,n3, writes to n2's own DSN\): [1-9]\d* acknowledged writes lost/);
    expect(res?.message).toMatch(/2 further partitions not tried/);
    expect((res?.metrics as Record<string, number>).maxOverlapMs).toBeGreaterThan(300);
    console.log(`TC-AF-004 promote mutant: overlap ${(res?.metrics as Record<string, number>).maxOverlapMs} ms, ${(res?.metrics as Record<string, number>).lostAckedWrites} acknowledged writes lost; case ${res?.durationMs} ms`);
  }, 240_000);
});
