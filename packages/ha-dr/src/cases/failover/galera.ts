// Quorum and split brain on a multi-primary cluster of the MySQL family (Galera): every node of the
// Primary component takes writes, so there is no primary to fail over; what must hold is that a node
// without quorum refuses reads and writes cleanly (MariaDB: error 1047, 08S01, "WSREP has not yet
// prepared node for application use") and never acknowledges a write the majority does not have.
// Each case reads as steady state → fault → observation → rollback, like the failover experiments.
import { defineCase } from '@helios-conformance/core';
import { sleep } from '@helios-conformance/sql';
import { closeConnection, type MyTarget } from '@helios-conformance/sql/mysql';
import { clusterState, queryNode } from '../../_internal/nodes.js';
import { createLedger, readBack, startWriter, timeline, type LedgerEntry } from '../../ledger.js';
import { runAction, describeFailure, type ActionRun } from '../../actions.js';
import type { HaDrTarget } from '../../target.js';
import { nodeByPort, type ActionName, type Topology } from '../../topology.js';
import { describeLedger, fmtS, ledgerBreaches, requireActions, summarize, type Ctx, type Experiment } from './failover.js';

/** The MySQL error a node outside the Primary component answers with. */
export const NO_QUORUM_ERRNO = 1047;
const PROBE_MS = 200;
const SETTLE_MS = 60_000;

/** One write sent straight to one node (not through the client DSN). */
interface Probe {
  node: string;
  id: number;
  start: number;
  end: number;
  ok: boolean;
  /** No answer in time, or the connection lost: it may have committed (never counted as refused). */
  inDoubt: boolean;
  errno?: number;
  error?: string;
}

function guard(ctx: Ctx, actions: ActionName[]): { t: Topology; my: MyTarget } {
  const t = ctx.target.topology;
  if (t.family !== 'mysql' || !ctx.target.my)
    ctx.notApplicable('quorum of a multi-primary cluster of the MySQL family (Galera); a PostgreSQL topology has one primary: TC-AF-00x and HA-001 judge it');
  if (t.nodes.length < 3) ctx.notApplicable(`needs at least 3 nodes (a majority to keep and a minority to cut off), the topology has ${t.nodes.length}`);
  requireActions(ctx, actions);
  return { t, my: ctx.target.my };
}

function experiment(ctx: Ctx, t: Topology) {
  const t0 = Date.now();
  const exp: Experiment & { probes?: Record<string, { acked: number; refused1047: number; inDoubt: number; other: number }> } = { topology: t.name, phases: [], actions: [], timings: {}, sla: ctx.target.sla };
  ((ctx.target.sections.hadr ??= {}) as Record<string, unknown>)[ctx.id] = exp;
  const phase = (p: Experiment['phases'][number]['phase'], what: string): void => {
    exp.phases.push({ phase: p, at: Date.now() - t0, what });
    ctx.log(`${p}: ${what}`);
  };
  const act = async (a: ActionName, vars: Record<string, string> = {}): Promise<ActionRun> => {
    const r = await runAction(t, a, vars, { signal: ctx.signal });
    exp.actions.push({ action: r.action, command: r.command, ok: r.ok, code: r.code, timedOut: r.timedOut, ms: r.ms, at: r.startedAt - t0, output: (r.stdout + r.stderr).trim().slice(-400) });
    return r;
  };
  return { t0, exp, phase, act };
}

/** Creates the probe table (id, the node a probe was sent to) in the run's database. */
async function createProbeTable(my: MyTarget, table: string): Promise<string> {
  const c = await my.connect();
  try {
    await c.query(`CREATE TABLE ${my.qualify(table)} (id bigint PRIMARY KEY, node varchar(64) NOT NULL, at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`);
  } finally {
    await closeConnection(c);
  }
  return my.qualify(table);
}

/** One INSERT straight to a node within `ms`; an answer of 1047 is a clean refusal. */
async function probeWrite(dsn: string, node: string, qualified: string, id: number, ms: number): Promise<Probe> {
  const start = Date.now();
  const r = await queryNode(dsn, `INSERT INTO ${qualified} (id, node) VALUES (${id}, '${node.replace(/'/g, "''")}')`, ms);
  if (r.ok) return { node, id, start, end: Date.now(), ok: true, inDoubt: false };
  // A server error (errno < 2000) answered the statement; a timeout or a client error did not.
  const answered = !r.timedOut && r.errno !== undefined && r.errno < 2000;
  return { node, id, start, end: Date.now(), ok: false, inDoubt: !answered, ...(r.errno ? { errno: r.errno } : {}), error: r.error.slice(0, 160) };
}

/** Polls until every node answers as ready in the Primary component (or `ms` pass); resolves with the time taken, or null. */
async function waitAllPrimary(t: Topology, ms: number): Promise<number | null> {
  const t0 = Date.now();
  for (;;) {
    const s = await clusterState(t);
    if (s.every((x) => x.up && x.primary)) return Date.now() - t0;
    if (Date.now() - t0 > ms) return null;
    await sleep(PROBE_MS);
  }
}

function tally(probes: readonly Probe[]): Record<string, { acked: number; refused1047: number; inDoubt: number; other: number }> {
  const out: Record<string, { acked: number; refused1047: number; inDoubt: number; other: number }> = {};
  for (const p of probes) {
    const x = (out[p.node] ??= { acked: 0, refused1047: 0, inDoubt: 0, other: 0 });
    if (p.ok) x.acked++;
    else if (p.errno === NO_QUORUM_ERRNO) x.refused1047++;
    else if (p.inDoubt) x.inDoubt++;
    else x.other++;
  }
  return out;
}

/**
 * HA-020: nodes lost one by one under the writer. The last node is killed: the rest keep quorum and
 * keep serving (the write stall is the cluster noticing the dead member). Then the first node is cut
 * off from the others: it is a minority and must refuse reads and writes with 1047 — an
 * acknowledgement from a non-Primary component is a failure. Healed and restarted, the cluster is
 * whole again and no acknowledged write is lost.
 */
async function quorumLoss(ctx: Ctx): Promise<void> {
  const { t, my } = guard(ctx, ['kill', 'start', 'partition', 'heal']);
  const sla = ctx.target.sla;
  const { t0, exp, phase, act } = experiment(ctx, t);
  const nodeOf = (port: number | undefined): string => (port === undefined ? '?' : (nodeByPort(t, port)?.name ?? `port ${port}`));
  const broken: string[] = [];
  const survivor = t.nodes[0]!;
  const victim = t.nodes[t.nodes.length - 1]!;

  const before = await clusterState(t);
  const notPrimary = before.filter((s) => !s.up || !s.primary);
  if (notPrimary.length) return ctx.fail(`steady state: ${notPrimary.map((s) => `${s.node} ${s.up ? 'is not in the Primary component' : `is down (${s.error ?? 'no answer'})`}`).join('; ')}`);
  const table = 'quorum_ledger';
  await createLedger(my, table);
  const probeTable = await createProbeTable(my, 'quorum_probe');
  const writer = startWriter(my, table, { clients: ctx.target.writers, random: () => ctx.rng.next() });
  let healed = false;
  let started = false;
  // Whatever happens: the writers stop, the partition is healed and the killed node started again.
  ctx.defer(async () => {
    await writer.stop();
    if (!healed) await act('heal');
    if (!started) await act('start', { node: victim.name });
  });
  phase('steady state', `every node of ${t.nodes.map((n) => n.name).join(', ')} in the Primary component; ${ctx.target.writers} writers through the client DSN for ${ctx.target.steadyMs} ms`);
  await sleep(ctx.target.steadyMs);
  const steadyAcks = writer.entries.filter((e) => e.outcome === 'ack').length;
  if (!steadyAcks) return ctx.fail('steady state: no write was acknowledged through the client DSN');

  // Fault 1: one node of three crashes; two keep quorum.
  const tKill = Date.now();
  const k = await act('kill', { node: victim.name });
  if (!k.ok) return ctx.fail(`could not kill ${victim.name}: ${describeFailure(k)}`);
  phase('fault', `${victim.name} killed (${t.nodes.length - 1} of ${t.nodes.length} nodes left: a majority)`);
  let firstAck: LedgerEntry | undefined;
  while (Date.now() - tKill < sla.rtoMs && !firstAck) {
    firstAck = writer.entries.find((e) => e.outcome === 'ack' && e.start >= k.startedAt + k.ms);
    if (!firstAck) await sleep(50);
  }
  // The stall: the longest any write sent after the kill waited for its answer, up to the first ack after it.
  const stallMs = firstAck ? firstAck.end - tKill : null;
  const inFlight = writer.entries.filter((e) => e.start < tKill && e.end > tKill && e.outcome === 'ack');
  const longestAck = Math.max(0, ...writer.entries.filter((e) => e.outcome === 'ack' && e.end > tKill).map((e) => e.end - e.start));
  exp.timings.killToFirstAckMs = stallMs;
  exp.timings.longestAckAfterKillMs = longestAck;
  if (!firstAck) broken.push(`with ${t.nodes.length - 1} of ${t.nodes.length} nodes (a majority) no write was acknowledged within ${fmtS(sla.rtoMs)} (SLA RTO)`);
  else if (stallMs! > sla.detectionMs) broken.push(`writes stalled ${fmtS(stallMs)} after ${victim.name} was killed (SLA detection ${fmtS(sla.detectionMs)})`);
  phase('observation', firstAck ? `the majority kept serving: first acknowledged write sent after the kill came ${fmtS(stallMs)} after it (longest acknowledged write ${fmtS(longestAck)}; ${inFlight.length} in flight at the kill were acknowledged)` : 'no write acknowledged after the kill');

  // Fault 2: the survivor is cut off from the rest: a minority of one (with 3 nodes nobody keeps quorum).
  const others = t.nodes.filter((n) => n !== survivor).map((n) => n.name);
  const p = await act('partition', { groups: `${survivor.name}|${others.join(',')}` });
  if (!p.ok) return ctx.fail(`could not partition ${survivor.name} away: ${describeFailure(p)}`);
  const tPart = p.startedAt + p.ms;
  phase('fault', `${survivor.name} cut off from ${others.join(', ')} (${victim.name} still down): ${survivor.name} is a minority`);
  const probes: Probe[] = [];
  let id = 1;
  let refusedAt: number | undefined;
  let readRefusedAt: number | undefined;
  let readError: string | undefined;
  const probeUntil = tPart + Math.max(sla.detectionMs * 2, 20_000);
  while (Date.now() < probeUntil) {
    const w = await probeWrite(survivor.dsn, survivor.name, probeTable, id++, 3_000);
    probes.push(w);
    if (w.ok) {
      refusedAt = undefined;
    } else if (w.errno === NO_QUORUM_ERRNO) refusedAt ??= w.end;
    const r = await queryNode(survivor.dsn, `SELECT count(*) AS n FROM ${my.qualify(table)}`, 3_000);
    if (!r.ok && r.errno === NO_QUORUM_ERRNO) readRefusedAt ??= Date.now();
    else if (r.ok) readRefusedAt = undefined;
    else readError = r.error;
    // Refusing both for a second is enough; still acknowledging once the detection SLA is over decides it too.
    if (refusedAt && readRefusedAt && Date.now() - Math.max(refusedAt, readRefusedAt) > 1_000) break;
    if (w.ok && w.start - tPart > sla.detectionMs) break;
    await sleep(PROBE_MS);
  }
  exp.probes = tally(probes);
  const minorityAcks = probes.filter((x) => x.ok && x.start >= tPart);
  // Through the client DSN: with no node in a Primary component, nothing may be acknowledged.
  const quorumLeft = t.nodes.length - 2 > (t.nodes.length - 1) / 2;
  const routedAcks = quorumLeft ? [] : writer.entries.filter((e) => e.outcome === 'ack' && e.start >= tPart);
  exp.timings.partitionToWriteRefusalMs = refusedAt ? refusedAt - tPart : null;
  exp.timings.partitionToReadRefusalMs = readRefusedAt ? readRefusedAt - tPart : null;
  if (minorityAcks.length) broken.push(`${survivor.name}, cut off as a minority, acknowledged ${minorityAcks.length} direct writes (a non-Primary component must refuse: split brain)`);
  if (routedAcks.length) broken.push(`with no node keeping quorum, ${routedAcks.length} writes through the client DSN were acknowledged (by ${[...new Set(routedAcks.map((e) => nodeOf(e.port)))].join(', ')})`);
  if (!refusedAt) broken.push(`${survivor.name} never refused a write with error ${NO_QUORUM_ERRNO} while cut off (${probes.at(-1)?.ok ? 'it acknowledged' : (probes.at(-1)?.error ?? 'no probe')})`);
  else if (refusedAt - tPart > sla.detectionMs) broken.push(`${survivor.name} took ${fmtS(refusedAt - tPart)} to refuse writes without quorum (SLA detection ${fmtS(sla.detectionMs)})`);
  if (!readRefusedAt) broken.push(`${survivor.name} kept answering reads without quorum${readError ? ` (last error: ${readError.slice(0, 120)})` : ''}`);
  phase(
    'observation',
    `${survivor.name} without quorum: writes refused with ${NO_QUORUM_ERRNO} after ${fmtS(exp.timings.partitionToWriteRefusalMs)}, reads after ${fmtS(exp.timings.partitionToReadRefusalMs)}; ${minorityAcks.length} direct writes acknowledged on it, ${routedAcks.length} through the client DSN`,
  );

  // Rollback: heal (the two live nodes re-form the Primary component), start the killed node (IST).
  const h = await act('heal');
  healed = h.ok;
  if (!h.ok) broken.push(`heal failed: ${describeFailure(h)}`);
  const s = await act('start', { node: victim.name });
  started = s.ok;
  if (!s.ok) broken.push(`${victim.name} did not start again: ${describeFailure(s)}`);
  const whole = await waitAllPrimary(t, SETTLE_MS);
  exp.timings.healToAllPrimaryMs = whole;
  phase('rollback', whole === null ? `the cluster was not whole again within ${fmtS(SETTLE_MS)}` : `healed and ${victim.name} restarted: every node back in the Primary component`);
  if (whole === null) broken.push(`after heal and restart not every node was back in the Primary component within ${fmtS(SETTLE_MS)}`);
  // Writes after recovery prove the cluster serves again; then the ledger is read back.
  const tBack = Date.now();
  await sleep(Math.min(ctx.target.steadyMs, 2_000));
  if (!writer.entries.some((e) => e.outcome === 'ack' && e.start >= tBack)) broken.push('no write acknowledged through the client DSN after recovery');
  const entries = await writer.stop();
  const verdict = await readBack(my, table, entries);
  exp.ledger = summarize(verdict);
  exp.timeline = timeline(entries, t0, nodeOf);
  phase('observation', describeLedger(verdict, 'the whole cluster'));
  broken.push(...ledgerBreaches(verdict, sla));
  metrics(ctx, exp.timings);
  ctx.metric('ackedWrites', verdict.acked);
  ctx.metric('lostAckedWrites', verdict.lost.length);
  ctx.metric('resurrectedRows', verdict.resurrected.length);
  ctx.metric('staleRows', verdict.stale.length);
  ctx.metric('minorityAcks', minorityAcks.length + routedAcks.length);
  if (broken.length) return ctx.fail(broken.join('; '));
}

/**
 * HA-021: the cluster is partitioned majority | one node; writes go straight to every node. Only the
 * majority may acknowledge; the cut-off node must refuse with 1047. Two sides acknowledging in the
 * same window is a split brain. Healed, every node holds the same rows, every acknowledged one.
 */
async function splitBrain(ctx: Ctx): Promise<void> {
  const { t, my } = guard(ctx, ['partition', 'heal']);
  const sla = ctx.target.sla;
  const { exp, phase, act } = experiment(ctx, t);
  const broken: string[] = [];
  const minority = t.nodes[t.nodes.length - 1]!;
  const majority = t.nodes.slice(0, -1);

  const before = await clusterState(t);
  const notPrimary = before.filter((s) => !s.up || !s.primary);
  if (notPrimary.length) return ctx.fail(`steady state: ${notPrimary.map((s) => `${s.node} ${s.up ? 'is not in the Primary component' : `is down (${s.error ?? 'no answer'})`}`).join('; ')}`);
  const probeTable = await createProbeTable(my, 'split_probe');
  let id = 1;
  const probes: Probe[] = [];
  const round = async (): Promise<Probe[]> => {
    const r = await Promise.all(t.nodes.map((n) => probeWrite(n.dsn, n.name, probeTable, id++, 3_000)));
    probes.push(...r);
    return r;
  };
  const steady = await round();
  const refused = steady.filter((x) => !x.ok);
  if (refused.length) return ctx.fail(`steady state: direct writes refused by ${refused.map((x) => `${x.node} (${x.error})`).join(', ')}`);
  phase('steady state', `a direct write to each of ${t.nodes.map((n) => n.name).join(', ')} acknowledged`);

  let healed = false;
  ctx.defer(async () => {
    if (!healed) await act('heal');
  });
  const groups = `${majority.map((n) => n.name).join(',')}|${minority.name}`;
  const p = await act('partition', { groups });
  if (!p.ok) return ctx.fail(`could not partition ${groups}: ${describeFailure(p)}`);
  const tPart = p.startedAt + p.ms;
  phase('fault', `partitioned ${groups}`);
  let minorityRefusedAt: number | undefined;
  const until = tPart + Math.max(sla.detectionMs * 2, 20_000);
  while (Date.now() < until) {
    const r = await round();
    const m = r.find((x) => x.node === minority.name)!;
    if (!m.ok && m.errno === NO_QUORUM_ERRNO) minorityRefusedAt ??= m.end;
    else minorityRefusedAt = undefined;
    if (minorityRefusedAt && Date.now() - minorityRefusedAt > 1_000 && Date.now() - tPart > Math.min(ctx.target.steadyMs, 3_000)) break;
    // Still acknowledging on both sides once the detection SLA is over: the split brain is established.
    if (m.ok && m.start - tPart > sla.detectionMs && r.some((x) => x.ok && x.node !== minority.name)) break;
    await sleep(PROBE_MS);
  }
  const tHeal = Date.now();
  const during = probes.filter((x) => x.start >= tPart && x.end <= tHeal);
  const minAcks = during.filter((x) => x.ok && x.node === minority.name);
  const majAcks = during.filter((x) => x.ok && x.node !== minority.name);
  exp.probes = tally(during);
  exp.timings.partitionToMinorityRefusalMs = minorityRefusedAt ? minorityRefusedAt - tPart : null;
  exp.timings.majorityAcksDuringPartition = majAcks.length;
  exp.timings.minorityAcksDuringPartition = minAcks.length;
  // Overlap: the minority acknowledged a write while the majority acknowledged others (same window).
  const firstMaj = majAcks[0];
  const lastMaj = majAcks.at(-1);
  const overlapping = firstMaj && lastMaj ? minAcks.filter((x) => x.end >= firstMaj.start && x.start <= lastMaj.end) : [];
  if (overlapping.length) {
    exp.timings.splitBrainDetectedMs = overlapping[0]!.end - tPart;
    broken.push(`split brain: ${minority.name} (cut off, a minority) acknowledged ${overlapping.length} writes while ${[...new Set(majAcks.map((x) => x.node))].join(', ')} acknowledged ${majAcks.length} (ids ${overlapping.slice(0, 5).map((x) => x.id).join(', ')})`);
  } else if (minAcks.length) broken.push(`${minority.name}, cut off as a minority, acknowledged ${minAcks.length} writes`);
  if (!majAcks.length) broken.push(`the majority (${majority.map((n) => n.name).join(', ')}) acknowledged no write while partitioned`);
  if (!minorityRefusedAt) broken.push(`${minority.name} never refused cleanly with error ${NO_QUORUM_ERRNO} while cut off`);
  else if (minorityRefusedAt - tPart > sla.detectionMs) broken.push(`${minority.name} took ${fmtS(minorityRefusedAt - tPart)} to refuse writes (SLA detection ${fmtS(sla.detectionMs)})`);
  phase(
    'observation',
    `during the partition: ${majAcks.length} direct writes acknowledged by the majority, ${minAcks.length} by ${minority.name}; ${minority.name} refuses with ${NO_QUORUM_ERRNO} after ${fmtS(exp.timings.partitionToMinorityRefusalMs)}`,
  );

  const h = await act('heal');
  healed = h.ok;
  if (!h.ok) broken.push(`heal failed: ${describeFailure(h)}`);
  const whole = await waitAllPrimary(t, SETTLE_MS);
  exp.timings.healToAllPrimaryMs = whole;
  phase('rollback', whole === null ? `not every node back in the Primary component within ${fmtS(SETTLE_MS)}` : `healed: every node back in the Primary component after ${fmtS(whole)}`);
  if (whole === null) broken.push(`after heal not every node was back in the Primary component within ${fmtS(SETTLE_MS)}`);
  else {
    // Every node must now hold the same rows, and every acknowledged one.
    const acked = new Set(probes.filter((x) => x.ok).map((x) => x.id));
    const inDoubt = new Set(probes.filter((x) => x.inDoubt).map((x) => x.id));
    for (const n of t.nodes) {
      const r = await queryNode(n.dsn, `SELECT id FROM ${probeTable}`, 5_000);
      if (!r.ok) {
        broken.push(`${n.name} did not answer after heal: ${r.error.slice(0, 120)}`);
        continue;
      }
      const ids = new Set(r.rows.map((x) => Number(x.id)));
      const missing = [...acked].filter((x) => !ids.has(x));
      const extra = [...ids].filter((x) => !acked.has(x) && !inDoubt.has(x));
      if (missing.length) broken.push(`${n.name} lacks ${missing.length} acknowledged writes after heal (ids ${missing.slice(0, 5).join(', ')})`);
      if (extra.length) broken.push(`${n.name} holds ${extra.length} writes reported as refused (ids ${extra.slice(0, 5).join(', ')})`);
    }
  }
  metrics(ctx, exp.timings);
  if (broken.length) return ctx.fail(broken.join('; '));
}

function metrics(ctx: Ctx, timings: Record<string, number | null>): void {
  for (const [k, v] of Object.entries(timings)) if (v !== null) ctx.metric(k, v);
}

/** HA-020: quorum loss on a multi-primary (Galera) cluster. */
export const galeraQuorumLoss = defineCase<HaDrTarget>({
  id: 'HA-020',
  title: 'multi-primary (Galera) quorum loss under write load: with a majority left the cluster keeps serving (write stall timed); a node cut off as a minority refuses reads and writes with 1047 and acknowledges nothing; healed and restarted, no acknowledged write is lost',
  priority: 'p0',
  area: 'failover',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-AF-003; heliosdb-test-framework-design.txt §4, §9',
  destructive: true,
  timeoutMs: 240_000,
  run: quorumLoss,
});

/** HA-021: split brain on the MySQL side. */
export const galeraSplitBrain = defineCase<HaDrTarget>({
  id: 'HA-021',
  title: 'multi-primary (Galera) partition majority | one node with writes sent straight to every node: only the majority acknowledges, the cut-off node refuses with 1047 (two sides acknowledging at once is a split brain); healed, every node holds exactly the acknowledged writes',
  priority: 'p0',
  area: 'failover',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-AF-004; heliosdb-test-framework-design.txt §4',
  destructive: true,
  timeoutMs: 180_000,
  run: splitBrain,
});
