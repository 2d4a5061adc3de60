// The suite against the testbed's Patroni + etcd reference cluster (failover "automatic": Patroni
// elects, the suite never promotes), through the built CLI and the cluster's own topology file.
// TC-AF-001 is shown able to go both ways: the real cluster passes; a mutant whose isolated leader
// loses its HA agent (nobody demotes it) and stops waiting for its synchronous standbys fails it;
// on a manual-failover topology it is n/a. TC-AF-002 and HA-001 run against it too, with
// test/patroni.expectations.json: Patroni's failover after a kill takes about its ttl, so
// TC-AF-002's election is over the 5 s SLA in most runs — expected, and nothing else may fail;
// TC-AF-001's (about 4 s) may pass 5 s too, as this file runs beside the other cluster files.
// One cluster for the whole file. HC_HADR_PATRONI_FULL=1 also runs TC-AF-005 (about a minute more).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@helios-conformance/core';
import { leftoverNamespaces, runCacheDir } from '@helios-conformance/suite-kit';
import { resolvePatroni, startPatroniCluster, type PatroniCluster } from '@helios-conformance/testbed';
import { judge, result } from './helpers.js';

const skip = resolvePatroni() === undefined;
if (skip) console.warn('[ha-dr patroni] skipped: patroni, patronictl or etcd not installed (Debian: apt-get install patroni etcd-server etcd-client)');
const full = process.env.HC_HADR_PATRONI_FULL === '1';
const expectations = fileURLToPath(new URL('./patroni.expectations.json', import.meta.url));

/** Waits until Patroni lists every member running with lag 0 (a case's rollback ends once its own node is back). */
async function settled(c: PatroniCluster, ms = 90_000): Promise<string> {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < ms) {
    last = await c.run('lag').catch((e: unknown) => String(e));
    const lines = last.trim().split('\n');
    if (lines.length === c.nodes.length && lines.every((l) => / (running|streaming) /.test(l) && (/ leader /.test(l) || / lag=0$/.test(l)))) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the cluster did not settle within ${ms} ms: ${last}`);
}

/** A copy of the topology with some keys replaced. */
function variant(c: PatroniCluster, patch: (doc: Record<string, unknown> & { name: string; actions: Record<string, string> }) => void): string {
  const doc = JSON.parse(readFileSync(c.topologyPath, 'utf8')) as Record<string, unknown> & { name: string; actions: Record<string, string> };
  patch(doc);
  const file = path.join(mkdtempSync(path.join(runCacheDir(), 'ha-dr-patroni-')), 'topology.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/**
 * The mutant's partition: the real one, then on the isolated leader (the first group) Patroni is
 * SIGKILLed — its HA agent is gone, nobody demotes it — and synchronous_standby_names is cleared, so
 * it acknowledges writes alone while the majority elects another leader: a fencing failure.
 */
function fencingMutant(c: PatroniCluster): string {
  const dir = mkdtempSync(path.join(runCacheDir(), 'ha-dr-patroni-mutant-'));
  const script = path.join(dir, 'partition.mjs');
  const pgPath = createRequire(import.meta.url).resolve('pg');
  writeFileSync(
    script,
    `import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
const groups = process.argv[2];
const real = ${JSON.stringify(c.topology.actions.partition)}.replace('{groups}', "'" + groups + "'");
process.stdout.write(execFileSync('/bin/sh', ['-c', real], { encoding: 'utf8', timeout: 10000 }));
const st = JSON.parse(readFileSync(${JSON.stringify(c.statePath)}, 'utf8'));
const node = st.nodes.find((n) => n.name === groups.split('|')[0]);
for (const p of readdirSync('/proc').filter((x) => /^\\d+$/.test(x))) {
  try { if (readFileSync('/proc/' + p + '/cmdline', 'utf8').split('\\0').includes(node.configFile)) process.kill(Number(p), 'SIGKILL'); } catch {}
}
const { default: pg } = await import(${JSON.stringify(pgPath)});
const cl = new pg.Client({ host: '127.0.0.1', port: node.port, user: st.user, password: st.password, database: 'postgres', connectionTimeoutMillis: 3000 });
await cl.connect();
await cl.query("ALTER SYSTEM SET synchronous_standby_names = ''");
await cl.query('SELECT pg_reload_conf()');
await cl.end();
console.log('mutant: ' + node.name + ': Patroni killed, synchronous_standby_names cleared');
`,
  );
  return variant(c, (d) => {
    d.name = `${d.name} — MUTANT: the isolated leader's Patroni dies and it stops waiting for its standbys`;
    d.actions.partition = `${process.execPath} ${script} {groups}`;
  });
}

describe.skipIf(skip)('Patroni + etcd reference cluster (automatic failover)', () => {
  let cluster: PatroniCluster;
  beforeAll(async () => {
    const t0 = Date.now();
    // A bootstrap that fails is the cluster's start, not a verdict: once in a CI run on the 2-core
    // machine Patroni's initdb of the first member gave up ("Failed to bootstrap cluster"). Retried
    // once, and said so.
    cluster = await startPatroniCluster().catch((e: unknown) => {
      console.warn(`[ha-dr patroni] cluster start failed, retrying once: ${String(e).split('\n')[0]}`);
      return startPatroniCluster();
    });
    console.log(`[ha-dr patroni] cluster up in ${Date.now() - t0} ms (bootstrap ${cluster.bootstrapMs} ms)`);
  }, 200_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('TC-AF-001 passes (only its election may miss the SLA): the isolated leader steps down, the majority elects, writes resume, nothing lost, no overlap; it rejoins after the heal', async () => {
    const run = await judge(cluster.topologyPath, ['--only', 'TC-AF-001', '--expectations', expectations]);
    const r = result(run.report, 'TC-AF-001');
    const m = r?.metrics as Record<string, number>;
    console.log(`[ha-dr patroni] TC-AF-001: ${r?.status}; ${JSON.stringify(m)}`);
    // Beside the other cluster files the lease can expire a little after 5 s: the election alone may miss its SLA.
    expectOnlyElectionMissed(run.report, 'TC-AF-001');
    expect(run.code).toBe(0);
    expect(m.oldPrimaryStepDownMs).toBeGreaterThan(0);
    expect(m.rejoinMs).toBeGreaterThanOrEqual(0);
    const hadr = (run.report.sections as { hadr: Record<string, { phases: Array<{ phase: string }>; actions: Array<{ action: string }> }> }).hadr['TC-AF-001'];
    expect(hadr?.actions.map((a) => a.action)).toEqual(['partition', 'heal']);
    expect(hadr?.phases[0]?.phase).toBe('steady state');
    expect(hadr?.phases.at(-1)?.phase).toBe('rollback');
    expect(JSON.stringify(run.report)).not.toContain(cluster.password);
    expect(await leftoverNamespaces(cluster.clientDsn)).toEqual([]);
  }, 300_000);

  it('TC-AF-001 is n/a on a manual-failover topology (nobody elects)', async () => {
    const run = await judge(variant(cluster, (d) => (d.failover = 'manual')), ['--only', 'TC-AF-001']);
    const r = result(run.report, 'TC-AF-001');
    expect(r?.status).toBe('n/a');
    expect(r?.message).toMatch(/failover "manual": nobody elects/);
  }, 120_000);

  it('TC-AF-001 fails against a fencing mutant: the isolated leader keeps acknowledging writes while another is elected', async () => {
    await settled(cluster);
    // The mutant never steps down, so the case waits out its whole RTO SLA and then as long again
    // for a rejoin that cannot come: 12 s keeps the file short and still holds Patroni's election (≈ ttl).
    const run = await judge(fencingMutant(cluster), ['--only', 'TC-AF-001', '--sla-rto-ms', '12000']);
    const r = result(run.report, 'TC-AF-001');
    console.log(`[ha-dr patroni] TC-AF-001 on the fencing mutant: ${r?.status}: ${r?.message}`);
    expect(r?.status, run.stdout).toBe('fail');
    expect(run.code).toBe(1);
    expect(r?.message).toMatch(/never stepped down/);
    expect((r?.metrics as Record<string, number>).oldPrimaryAcksAfterCut).toBeGreaterThan(0);
    // The case's rollback started the old leader's Patroni again: it rejoined, one primary is left.
    const who = await cluster.run('who-is-primary');
    expect(who.trim().split('\n')).toHaveLength(1);
  }, 300_000);

  it('TC-AF-002 and HA-001: Patroni elects after the kill, nothing acknowledged is lost; only the election SLA may be missed (expected, by Patroni\'s ttl)', async () => {
    await settled(cluster);
    const run = await judge(cluster.topologyPath, ['--only', 'TC-AF-002,HA-001', '--expectations', expectations]);
    console.log(`[ha-dr patroni] TC-AF-002 + HA-001: ${run.ms} ms`);
    for (const id of ['TC-AF-002', 'HA-001']) {
      const r = result(run.report, id);
      console.log(`[ha-dr patroni] ${id}: ${r?.status} ${r?.message ?? ''} ${JSON.stringify(r?.metrics)}`);
    }
    // HA-001: the isolated leader loses etcd with its standbys, so its key is gone before the kill: within every SLA.
    const ha = result(run.report, 'HA-001');
    expect(ha?.status, `${ha?.message}\n${run.stdout}`).toBe('pass');
    expectOnlyElectionMissed(run.report, 'TC-AF-002');
    expect(run.code).toBe(0);
    expect(JSON.stringify(run.report)).not.toContain(cluster.password);
    expect(await leftoverNamespaces(cluster.clientDsn)).toEqual([]);
    // Each case's rollback waited for its old leader to rejoin: one primary, every member back.
    expect((await cluster.run('who-is-primary')).trim().split('\n')).toHaveLength(1);
    await settled(cluster, 30_000);
  }, 300_000);

  it.runIf(full)('TC-AF-005: the old leader rejoins with every acknowledged write, a planned switchover makes it leader again; only the election SLA may be missed', async () => {
    await settled(cluster);
    const run = await judge(cluster.topologyPath, ['--only', 'TC-AF-005', '--expectations', expectations]);
    const r = result(run.report, 'TC-AF-005');
    console.log(`[ha-dr patroni] TC-AF-005: ${r?.status} ${r?.message ?? ''} ${JSON.stringify(r?.metrics)} (${run.ms} ms)`);
    expectOnlyElectionMissed(run.report, 'TC-AF-005');
    const m = r?.metrics as Record<string, number>;
    expect(m.reintegrationMs).toBeGreaterThan(0);
    expect(m.failbackMs).toBeLessThan(300_000);
    expect(m.interimRejoinMs).toBeGreaterThanOrEqual(0);
    expect(run.code).toBe(0);
  }, 480_000);
});

/**
 * `id` passed, or failed (xfail by test/patroni.expectations.json) on its election SLA alone:
 * nothing lost, back or stale, the RTO and detection within their SLAs, a leader elected.
 */
function expectOnlyElectionMissed(report: Report, id: string): void {
  const r = result(report, id);
  const m = r?.metrics as Record<string, number | null>;
  expect(['pass', 'xfail'], `${id}: ${r?.status}: ${r?.message}`).toContain(r?.status);
  if (r?.status === 'xfail') expect(r.message).toMatch(/^election \d+\.\d\d s \(SLA 5\.00 s\)$/);
  expect(m.lostAckedWrites).toBe(0);
  expect(m.resurrectedRows).toBe(0);
  expect(m.staleRows).toBe(0);
  expect(m.ackedWrites).toBeGreaterThan(20);
  expect(m.electionMs).toBeGreaterThan(0);
  expect(m.electionMs).toBeLessThan(10_000);
  expect(m.detectionMs).toBeLessThan(10_000);
  expect(m.rtoMs).toBeLessThan(60_000);
}
