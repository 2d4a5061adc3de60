// The suite against the testbed's reference clusters, through the built CLI and each cluster's own
// topology file, as a vendor runs it against theirs. Each verdict is shown able to go both ways:
// a synchronous cluster passes; an asynchronous one loses the writes its isolated primary
// acknowledged — inserts lost, deleted rows back, updated rows stale (HA-001 fails); a "failover"
// whose promote does nothing fails TC-AF-002; an old primary whose start does nothing never rejoins
// (TC-AF-005 fails naming it).
//
// Issue 19: HA-001 and TC-AF-005 (whose failback starts with a whole TC-AF-002 failover) also run
// with every connection the suite makes (the writers' client DSN, the probes of each node's DSN)
// through a perturbation proxy, and must give the same verdicts (see "through perturbation proxies"
// below); the sweep runs all three.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHtml, leftoverNamespaces, runCli, SKIP_BROWSER } from '@helios-conformance/suite-kit';
import { startPgCluster, type PgCluster } from '@helios-conformance/testbed';
import { differences, EXACT_METRICS, judge, judgeThroughProxies, mutate, result, type PerturbedRun } from './helpers.js';

/** The cases of this file: each judged from what the writers and the probes saw. */
const CASES = ['TC-AF-002', 'HA-001', 'TC-AF-005'];
/**
 * Through the proxies in CI, after the direct run on the same cluster: TC-AF-005 begins with the
 * failover TC-AF-002 judges, so TC-AF-002 itself is left to the sweep (about 15 s saved). A twin
 * cluster beside the direct run cost no wall time but doubled the CPU while election times were
 * measured against their 5 s SLA (6.5 s seen at load 18).
 */
const PROXIED = ['HA-001', 'TC-AF-005'];
/** HC_PERTURB_SEEDS=1,2,...: the three cases through the proxies at each seed, up to 40 ms per chunk (instead of the CI run at seed 1, 5 ms). */
const SWEEP = process.env.HC_PERTURB_SEEDS?.split(',').map(Number);
const CI_PERTURB = { seed: 1, maxDelayMs: 5 };
const SWEEP_DELAY_MS = 40;

describe('synchronous reference cluster (1 primary + 2 standbys)', () => {
  let cluster: PgCluster;
  let run: Awaited<ReturnType<typeof judge>>;
  let perturbed: PerturbedRun | undefined;
  beforeAll(async () => {
    cluster = await startPgCluster({ replication: 'sync', standbys: 2 });
    // Only the cases this file judges: the others have their own test files (and clusters).
    run = await judge(cluster.topologyPath, ['--only', CASES.join(',')], { html: true });
    if (!SWEEP) perturbed = await judgeThroughProxies(cluster, CI_PERTURB, ['--only', PROXIED.join(',')]);
  }, 420_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('passes the failover and failback experiments, every figure measured within the seed SLAs', () => {
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`target: the cluster in ${cluster.topologyPath}`);
    const hadr = (run.report.sections as { hadr: Record<string, { ledger: { byOp: Record<string, { ack: number }> } }> }).hadr;
    for (const id of ['TC-AF-002', 'HA-001', 'TC-AF-005']) {
      const r = result(run.report, id);
      expect(r?.status, `${id}: ${r?.message}`).toBe('pass');
      const m = r?.metrics as Record<string, number>;
      expect(m.lostAckedWrites, id).toBe(0);
      expect(m.resurrectedRows, id).toBe(0);
      expect(m.staleRows, id).toBe(0);
      expect(m.ackedWrites, id).toBeGreaterThan(50);
      expect(m.rtoMs, id).toBeLessThan(60_000);
      expect(m.electionMs, id).toBeLessThan(5_000);
      expect(m.detectionMs, id).toBeLessThan(10_000);
      // The writer mixes deletes and updates of acknowledged rows into its inserts.
      const ops = hadr[id]?.ledger.byOp;
      expect(ops?.insert?.ack, id).toBeGreaterThan(20);
      expect(ops?.update?.ack, id).toBeGreaterThan(5);
      expect(ops?.delete?.ack, id).toBeGreaterThan(2);
    }
    for (const id of ['TC-AF-002', 'HA-001']) {
      const m = result(run.report, id)?.metrics as Record<string, number>;
      console.log(`${id} on the sync cluster: detection ${m.detectionMs} ms, election ${m.electionMs} ms, redirect ${m.redirectMs} ms, RTO ${m.rtoMs} ms; ${m.ackedWrites} acknowledged, ${m.lostAckedWrites} lost, ${m.inDoubtWrites} in doubt`);
    }
    const fb = result(run.report, 'TC-AF-005')?.metrics as Record<string, number>;
    expect(fb.reintegrationMs).toBeGreaterThan(0);
    expect(fb.failbackMs).toBeGreaterThan(fb.reintegrationMs ?? Infinity);
    expect(fb.failbackMs).toBeLessThan(300_000);
    expect(fb.interimRejoinMs).toBeGreaterThan(0);
    console.log(`TC-AF-005 on the sync cluster: reintegration ${fb.reintegrationMs} ms, switchover ${fb.switchoverMs} ms, failback ${fb.failbackMs} ms, interim rejoin ${fb.interimRejoinMs} ms`);
  });

  it.skipIf(SKIP_BROWSER)('draws each case as a timeline (acks per node, fault windows, RTO) and the SLA table, readable at 700 px (chromium)', async () => {
    const html = readFileSync(run.htmlPath!, 'utf8');
    const check = await checkHtml(run.htmlPath!, { width: 700, screenshot: `${run.htmlPath}.png` });
    expect(check.problems, JSON.stringify(check)).toEqual([]);
    const labels = check.svgs.map((s) => s.label);
    for (const id of ['TC-AF-002', 'HA-001', 'TC-AF-005']) expect(labels).toContain(`timeline of ${id}`);
    // The figures in the SLA table are the report's own, next to the seed's SLA.
    const m = result(run.report, 'TC-AF-002')?.metrics as Record<string, number>;
    expect(html).toContain(`${((m.rtoMs ?? NaN) / 1000).toFixed(2)} s`);
    expect(html).toMatch(/(&lt;|&#60;) 60.00 s/);
    // Both nodes that acknowledged writes (old and new primary) are series of the TC-AF-002 timeline, and the kill is shaded.
    const section = html.slice(html.indexOf('id="hadr-TC-AF-002"'), html.indexOf('id="hadr-HA-001"'));
    expect(new Set(section.match(/acknowledged by n\d/g)).size).toBeGreaterThanOrEqual(2);
    expect(section).toContain('node down');
    expect(section).toMatch(/RTO \d+\.\d\d s/);
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
    expect(hadr['TC-AF-005']?.actions.map((a) => a.action)).toEqual(['kill', 'promote', 'start', 'stop', 'promote', 'start']);
    expect(hadr['TC-AF-005']?.phases.map((p) => p.phase)).toEqual(expect.arrayContaining(['steady state', 'fault', 'observation', 'reintegration', 'switchover', 'rollback']));
    expect(JSON.stringify(run.report)).not.toContain(cluster.password);
  });

  it('leaves the cluster with one primary and no run schema', async () => {
    expect((await cluster.run('who-is-primary')).trim().split('\n')).toHaveLength(1);
    expect(await leftoverNamespaces(cluster.clientDsn)).toEqual([]);
  });

  describe('through perturbation proxies (issue 19): one in front of the client DSN, one in front of each node', () => {
    // Compared exactly with the direct run: each case's status, the actions it ran (the same
    // experiment), and the ledger's lost / resurrected / stale / phantom counts (0 on this cluster).
    // Judged only against the SLA, because one more hop legitimately moves them: RTO, detection,
    // election, redirect, reintegration and failback times, and how many writes were acknowledged or
    // in doubt.
    const sla = (): Record<string, number> => (run.report.sections as { sla: Record<string, number> }).sla;
    const actions = (r: { report: { sections?: unknown } }, id: string): string[] =>
      ((r.report.sections as { hadr: Record<string, { actions: Array<{ action: string }> }> }).hadr[id]?.actions ?? []).map((a) => a.action);

    function judgedAlike(p: PerturbedRun, seed: number, ids: string[]): void {
      expect(differences(run.report, p.report, ids)).toEqual([]);
      for (const id of ids) {
        expect(actions(p, id), id).toEqual(actions(run, id));
        const m = result(p.report, id)?.metrics as Record<string, number | null>;
        for (const k of EXACT_METRICS.slice(0, 3)) expect(m[k], `${id} ${k}`).toBe(0);
        expect(m.rtoMs, id).toBeLessThan(sla().rtoMs ?? NaN);
        expect(m.electionMs, id).toBeLessThan(sla().electionMs ?? NaN);
        expect(m.detectionMs, id).toBeLessThan(sla().detectionMs ?? NaN);
      }
      expect((result(p.report, 'TC-AF-005')?.metrics as Record<string, number>).failbackMs).toBeLessThan(sla().failbackMs ?? NaN);
      // Every proxy carried the suite's connections, cut the answers into more pieces than it read, and merged some.
      expect(Object.keys(p.stats).sort()).toEqual(['client', ...cluster.nodes.map((n) => n.name)].sort());
      for (const [k, st] of Object.entries(p.stats)) {
        expect(st.connections, k).toBeGreaterThan(0);
        expect(st.pieces.down, k).toBeGreaterThan(st.chunks.down);
        expect(st.writes.down, k).toBeLessThan(st.pieces.down);
      }
      const fig = (r: { report: Parameters<typeof result>[0] }, id: string): string => {
        const m = result(r.report, id)?.metrics as Record<string, number | null>;
        return `RTO ${m.rtoMs} ms, detection ${m.detectionMs} ms, election ${m.electionMs} ms, redirect ${m.redirectMs} ms${id === 'TC-AF-005' ? `, failback ${m.failbackMs} ms` : ''}, ${m.ackedWrites} acked`;
      };
      for (const id of ids) console.log(`${id} directly: ${fig(run, id)}; through the proxies at seed ${seed}: ${fig(p, id)}`);
    }

    it.skipIf(SWEEP !== undefined)(`the same verdicts at seed ${CI_PERTURB.seed}, up to ${CI_PERTURB.maxDelayMs} ms per chunk, chunks split: nothing lost, back or stale; every timing within its SLA`, () => {
      expect(run.code, run.stdout).toBe(0);
      expect(perturbed, 'the run through the proxies is missing').toBeDefined();
      console.log(`through the proxies: ${perturbed!.ms} ms (directly ${run.ms} ms)`);
      judgedAlike(perturbed!, CI_PERTURB.seed, PROXIED);
    });

    it.runIf(SWEEP !== undefined).each(SWEEP ?? [])(
      `sweep: the same verdicts at up to ${SWEEP_DELAY_MS} ms per chunk (seed %i)`,
      async (seed) => {
        const p = await judgeThroughProxies(cluster, { seed, maxDelayMs: SWEEP_DELAY_MS }, ['--only', CASES.join(',')]);
        console.log(`seed ${seed} through the proxies: ${p.ms} ms`);
        judgedAlike(p, seed, CASES);
      },
      300_000,
    );

    it('can fail: with the proxies to the nodes slower than the deadline of the probes (up to 3 s per chunk, probes 1.5 s), TC-AF-002 differs, named with both messages', async () => {
      // A node that answers, but later than the suite waits for it, is not seen: the steady state
      // (one primary, a standby) is not reached. Directly it is; the comparison must say so. It also
      // shows that the node probes really go through the node proxies.
      const p = await judgeThroughProxies(cluster, { seed: 1, maxDelayMs: 5, nodeDelayMs: 3_000 }, ['--only', 'TC-AF-002']);
      const diff = differences(run.report, p.report, ['TC-AF-002']);
      expect(diff).toHaveLength(1);
      expect(diff[0]).toMatch(/^TC-AF-002: directly pass; through the proxy fail \(steady state not reached: (\d nodes answer as primary|no standby answers)/);
      expect((await cluster.run('who-is-primary')).trim().split('\n')).toHaveLength(1);
    }, 120_000);
  });

  it('fails a failover whose promote does nothing (mutant)', async () => {
    const r = await judge(mutate(cluster, { promote: 'true' }), ['--only', 'TC-AF-002', '--sla-rto-ms', '8000']);
    expect(r.code).toBe(1);
    expect(result(r.report, 'TC-AF-002')?.status).toBe('fail');
    expect(result(r.report, 'TC-AF-002')?.message).toMatch(/election not reached.*RTO not reached|RTO not reached.*election not reached/);
  }, 240_000);

  it('fails a failback whose old primary never comes back (mutant: start does nothing), naming the node', async () => {
    const r = await judge(mutate(cluster, { start: 'true' }), ['--only', 'TC-AF-005', '--sla-failback-ms', '15000']);
    try {
      expect(r.code).toBe(1);
      const res = result(r.report, 'TC-AF-005');
      expect(res?.status).toBe('fail');
      expect(res?.message).toMatch(/^(n\d) did not rejoin as a caught-up standby within 1\d\.\d\d s of its start \(failback SLA 15\.00 s\): it does not answer/);
      expect((res?.metrics as Record<string, unknown>).reintegrationMs).toBeNull();
    } finally {
      // The mutant left the old primary down: the real start brings it back for the next tests.
      for (const n of ['n1', 'n2', 'n3']) await cluster.run('start', n);
    }
    expect((await cluster.run('who-is-primary')).trim().split('\n')).toHaveLength(1);
  }, 240_000);

  it('without --allow-destructive runs nothing and says why', async () => {
    const r = await runCli(['--topology', cluster.topologyPath], { timeoutMs: 60_000 });
    // Refused before the topology is even read: a run that skipped every case would read "conformant".
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/pass --allow-destructive/);
    expect(r.stdout).not.toMatch(/conformant: yes/);
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

  it('HA-001 fails: the writes the isolated primary acknowledged are lost after failover (RPO > 0), its deletes and updates too', async () => {
    const r = await judge(cluster.topologyPath, ['--only', 'HA-001']);
    const res = result(r.report, 'HA-001');
    expect(res?.status, res?.message ?? '').toBe('fail');
    expect(res?.message).toMatch(/^RPO: \d+ acknowledged writes lost/);
    expect(res?.message).toMatch(/; \d+ rows whose DELETE was acknowledged are back \(ids \d+/);
    expect(res?.message).toMatch(/; \d+ rows are stale: older than their last acknowledged UPDATE \(id \d+ at version \d+, acknowledged \d+/);
    const m = res?.metrics as Record<string, number>;
    expect(m.lostAckedWrites).toBeGreaterThan(0);
    expect(m.resurrectedRows).toBeGreaterThan(0);
    expect(m.staleRows).toBeGreaterThan(0);
    console.log(`HA-001 on the async cluster: ${m.lostAckedWrites} inserts lost, ${m.resurrectedRows} deleted rows back, ${m.staleRows} stale rows`);
  }, 240_000);
});
