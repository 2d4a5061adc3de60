// TC-AF-001, leader election under partition, as a chaos experiment: steady state (one primary, the
// writers' acks all on it) → fault (the primary is cut off from every other node, and from whatever
// coordinates the cluster on their side) → observation (the old primary stops acknowledging writes —
// from the ledger and its own pg_is_in_recovery() —, the majority elects a new primary, the writers'
// acks resume there, no acknowledged write is lost, no two nodes acknowledge writes in overlapping
// time windows, never two primaries at once) → rollback (heal; the old primary rejoins as a standby).
// Only a cluster that elects its own leader can pass: on `failover: manual` nobody elects (n/a).
import { defineCase } from '@helios-conformance/core';
import { sleep } from '@helios-conformance/sql';
import { describeFailure } from '../../actions.js';
import { clusterState, type NodeState } from '../../_internal/nodes.js';
import { createLedger, readBack, startWriter, timeline, type LedgerEntry, type LedgerVerdict } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import { beginExperiment, requireActions } from '../experiment.js';
import { describeLedger, fmtS, ledgerBreaches, POLL_MS, summarize, type Ctx, type Experiment } from './failover.js';

/** How long the old primary may take to rejoin as a standby after the heal: the RTO SLA, at most this. */
const REJOIN_MAX_MS = 60_000;

async function electionExperiment(ctx: Ctx): Promise<void> {
  const t = ctx.target.topology;
  const sla = ctx.target.sla;
  if (t.failover !== 'automatic') return ctx.notApplicable('the topology declares failover "manual": nobody elects a new leader when the primary is cut off (only a cluster that elects its own, failover "automatic", can be judged)');
  requireActions(ctx, ['partition', 'heal']);

  const { exp, t0, phase, act, nodeOf } = beginExperiment<Experiment & { twoPrimaries?: Array<{ at: number; nodes: string[] }> }>(ctx, {});

  // Steady state.
  const before = await clusterState(t);
  const prim = before.filter((s) => s.up && s.primary);
  const standbys = before.filter((s) => s.up && !s.primary);
  if (prim.length !== 1) return ctx.fail(`steady state not reached: ${prim.length} nodes answer as primary (${prim.map((s) => s.node).join(', ') || 'none'}) before any fault`);
  // A witness votes with the standbys (pg_auto_failover's monitor): one standby + a witness are a majority.
  if (standbys.length + t.witnesses.length < 2) return ctx.fail(`steady state not reached: a majority without the primary needs at least two standbys (or a standby and a witness) answering (${before.map((s) => `${s.node}: ${s.up ? (s.primary ? 'primary' : 'standby') : s.error}`).join('; ')})`);
  const old = (prim[0] as NodeState).node;
  const table = `ledger_${ctx.id.toLowerCase().replaceAll('-', '_')}`;
  await createLedger(ctx.target.client, table);
  const writer = startWriter(ctx.target.client, table, { clients: ctx.target.writers, random: () => ctx.rng.next() });
  let partitioned = false;
  ctx.defer(() => writer.stop());
  ctx.defer(async () => {
    if (!partitioned) return;
    partitioned = false;
    const r = await act('heal');
    phase('rollback', r.ok ? 'partition healed' : describeFailure(r));
  });
  phase('steady state', `primary ${old}, standbys ${standbys.map((s) => s.node).join(', ')}; ${ctx.target.writers} writers through the client DSN`);
  await sleep(ctx.target.steadyMs, ctx.signal);
  const steadyAcks = writer.entries.filter((e) => e.outcome === 'ack');
  if (!steadyAcks.length) return ctx.fail(`steady state not reached: no write acknowledged in ${ctx.target.steadyMs} ms through the client DSN (${writer.entries.at(-1)?.error ?? 'no attempt finished'})`);
  const elsewhere = steadyAcks.filter((e) => nodeOf(e.port) !== old);
  if (elsewhere.length) return ctx.fail(`steady state: ${elsewhere.length} writes acknowledged by ${nodeOf(elsewhere[0]?.port)}, which is not the primary ${old}`);

  // Fault: the primary alone on one side; every other node (and, by the cluster's own placement, its coordinator) on the other.
  // A witness (pg_auto_failover's monitor) stays with the majority: the primary is cut off from every other member.
  const groups = `${old}|${[...standbys.map((s) => s.node), ...ctx.target.topology.witnesses.map((w) => w.name)].join(',')}`;
  const tf = Date.now();
  const p = await act('partition', { groups });
  if (!p.ok) return ctx.fail(`fault not injected: ${describeFailure(p)}`);
  partitioned = true;
  phase('fault', `network partition ${groups}: the primary ${old} is cut off from every other node`);

  // Observation: the old primary's own answers, who answers as primary, the ledger.
  let demotedAt: number | undefined;
  let electedAt: number | undefined;
  let elected: string | undefined;
  let firstNewAck: LedgerEntry | undefined;
  const twoPrimaries: Array<{ at: number; nodes: string[] }> = [];
  while (Date.now() - tf < sla.rtoMs) {
    const now = await clusterState(t, 1_000);
    const o = now.find((s) => s.node === old);
    if (demotedAt === undefined && o && !(o.up && o.primary)) demotedAt = Date.now();
    const ps = now.filter((s) => s.up && s.primary).map((s) => s.node);
    if (ps.length > 1) twoPrimaries.push({ at: Date.now() - tf, nodes: ps });
    const fresh = ps.find((n) => n !== old);
    if (electedAt === undefined && fresh) {
      electedAt = Date.now();
      elected = fresh;
      phase('observation', `${fresh} answers as primary ${electedAt - tf} ms after the partition`);
    }
    if (elected) firstNewAck ??= writer.entries.find((e) => e.outcome === 'ack' && e.end > tf && nodeOf(e.port) === elected);
    if (demotedAt !== undefined && firstNewAck) break;
    await sleep(POLL_MS, ctx.signal);
  }
  // A second look at once: an old primary that never steps down shows up here even when the loop ended on time.
  await sleep(Math.min(ctx.target.steadyMs, 1_000), ctx.signal);
  const late = await clusterState(t, 1_000);
  const lateP = late.filter((s) => s.up && s.primary).map((s) => s.node);
  if (lateP.length > 1) twoPrimaries.push({ at: Date.now() - tf, nodes: lateP });
  exp.twoPrimaries = twoPrimaries.slice(0, 10);

  const entries = [...(await writer.stop())];
  const oldAcks = entries.filter((e) => e.outcome === 'ack' && e.end > tf && nodeOf(e.port) === old);
  const lastOldAck = oldAcks.at(-1);
  const detected = entries.find((e) => e.end > tf && e.outcome !== 'ack');
  const detectedAt = Math.min(detected?.end ?? Infinity, demotedAt ?? Infinity, electedAt ?? Infinity);
  exp.timings.detectionMs = Number.isFinite(detectedAt) ? detectedAt - tf : null;
  // The old primary stops acknowledging: its own step-down, or its last acknowledgement after the cut, whichever shows it later.
  exp.timings.oldPrimaryStepDownMs = demotedAt === undefined ? null : demotedAt - tf;
  exp.timings.oldPrimaryLastAckMs = lastOldAck ? lastOldAck.end - tf : null;
  exp.timings.electionMs = electedAt === undefined || !Number.isFinite(detectedAt) ? null : Math.max(0, electedAt - detectedAt);
  exp.timings.rtoMs = firstNewAck ? firstNewAck.end - tf : null;
  exp.timings.redirectMs = firstNewAck && electedAt !== undefined ? Math.max(0, firstNewAck.end - electedAt) : null;
  phase(
    'observation',
    `${old}: ${oldAcks.length} writes acknowledged after the cut${lastOldAck ? ` (last at +${lastOldAck.end - tf} ms)` : ''}; ` +
      (demotedAt === undefined ? 'it never stepped down' : `read-only or gone ${demotedAt - tf} ms after the cut`) +
      `; new primary: ${elected ?? 'none'}; first write acknowledged there: ${firstNewAck ? `+${firstNewAck.end - tf} ms` : 'none'}`,
  );
  const acksAfter: Record<string, number> = {};
  for (const e of entries) if (e.outcome === 'ack' && e.end > tf) acksAfter[nodeOf(e.port)] = (acksAfter[nodeOf(e.port)] ?? 0) + 1;
  exp.acksAfterFaultByNode = acksAfter;
  exp.timeline = timeline(entries, t0, nodeOf);

  let verdict: LedgerVerdict | undefined;
  if (firstNewAck) {
    verdict = await readBack(ctx.target.client, table, entries);
    exp.ledger = summarize(verdict);
    phase('observation', describeLedger(verdict, elected ?? '?'));
  }

  // Rollback: heal; the old primary must come back as a standby (never as a second primary).
  const h = await act('heal');
  partitioned = !h.ok;
  phase('rollback', h.ok ? 'partition healed' : describeFailure(h));
  const th = Date.now();
  const REJOIN_MS = Math.min(REJOIN_MAX_MS, sla.rtoMs);
  let rejoinedAt: number | undefined;
  let lastSeen = '';
  while (Date.now() - th < REJOIN_MS) {
    const s = (await clusterState(t, 1_000)).find((x) => x.node === old);
    lastSeen = !s?.up ? `down (${s?.error ?? '?'})` : s.primary ? 'primary' : 'standby';
    if (s?.up && !s.primary) {
      rejoinedAt = Date.now();
      break;
    }
    await sleep(POLL_MS, ctx.signal);
  }
  exp.timings.rejoinMs = rejoinedAt === undefined ? null : rejoinedAt - th;
  phase('rollback', rejoinedAt === undefined ? `${old} did not come back as a standby within ${REJOIN_MS} ms (last: ${lastSeen})` : `${old} answers as a standby ${rejoinedAt - th} ms after the heal`);
  if (rejoinedAt === undefined && t.actions.start) {
    // A node whose HA agent died is started again, so the cluster is left whole.
    const r = await act('start', { node: old });
    phase('rollback', r.ok ? `${old} started again` : describeFailure(r));
  }

  for (const [k, v] of Object.entries(exp.timings)) ctx.metric(k, v);
  ctx.metric('oldPrimaryAcksAfterCut', oldAcks.length);
  ctx.metric('twoPrimaryObservations', twoPrimaries.length);
  if (verdict) {
    ctx.metric('ackedWrites', verdict.acked);
    ctx.metric('lostAckedWrites', verdict.lost.length);
    ctx.metric('resurrectedRows', verdict.resurrected.length);
    ctx.metric('staleRows', verdict.stale.length);
    ctx.metric('inDoubtWrites', verdict.inDoubt);
  }

  const broken: string[] = verdict ? ledgerBreaches(verdict, sla) : [];
  if (demotedAt === undefined) broken.push(`the isolated old primary ${old} never stepped down (it still answers pg_is_in_recovery() = false)`);
  // Two nodes answering as primary is shown, not judged: an old primary that cannot acknowledge
  // anything (its synchronous standbys are cut off) is harmless until it steps down. Split brain is
  // judged from the ledger: the old primary still acknowledged a write once the new one was primary.
  if (twoPrimaries.length) phase('observation', `${twoPrimaries[0]!.nodes.join(' and ')} both answered pg_is_in_recovery() = false at +${twoPrimaries[0]!.at} ms (${twoPrimaries.length} observations)`);
  const newSince = Math.min(electedAt ?? Infinity, firstNewAck?.start ?? Infinity);
  if (lastOldAck && lastOldAck.end > newSince) {
    const during = oldAcks.filter((e) => e.end > newSince).length;
    broken.push(`split brain: ${old} acknowledged ${during} writes after ${elected} became primary at +${newSince - tf} ms (the last at +${lastOldAck.end - tf} ms)`);
  }
  if (elected === undefined) broken.push(`no new primary elected within ${fmtS(sla.rtoMs)} of the partition`);
  if (exp.timings.rtoMs == null || exp.timings.rtoMs > sla.rtoMs) broken.push(`RTO ${fmtS(exp.timings.rtoMs)} (SLA ${fmtS(sla.rtoMs)})`);
  if (elected !== undefined && (exp.timings.electionMs == null || exp.timings.electionMs > sla.electionMs)) broken.push(`election ${fmtS(exp.timings.electionMs)} (SLA ${fmtS(sla.electionMs)})`);
  if (exp.timings.detectionMs == null || exp.timings.detectionMs > sla.detectionMs) broken.push(`detection ${fmtS(exp.timings.detectionMs)} (SLA ${fmtS(sla.detectionMs)})`);
  if (rejoinedAt === undefined) broken.push(`after the heal ${old} did not rejoin as a standby within ${fmtS(REJOIN_MS)} (last seen: ${lastSeen})`);
  if (broken.length) return ctx.fail(broken.join('; '));
}

/** TC-AF-001: leader election under partition. */
export const leaderElection = defineCase<HaDrTarget>({
  id: 'TC-AF-001',
  title: 'the primary is cut off from every other node under write load: it stops acknowledging writes, the majority elects a new primary (detection and election timed against the SLAs), writes resume there with no acknowledged write lost and no overlap of acknowledged writes on two nodes; after the heal the old primary rejoins as a standby',
  priority: 'p0',
  area: 'failover',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-AF-001; heliosdb-test-framework-design.txt §4 (leader election), §9 (partition)',
  destructive: true,
  timeoutMs: 180_000,
  run: electionExperiment,
});
