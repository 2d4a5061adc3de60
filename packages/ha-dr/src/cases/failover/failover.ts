// Failover under load, read as a chaos experiment: steady state (one primary, the writer's acks all
// on it) → fault (the primary is killed; for HA-001 first partitioned from its standbys) → observation
// (detection, election, client redirect, the ledger read back from the new primary) → rollback
// (the partition healed, the old primary started again to rejoin). Every figure is measured from
// the writer's ledger and the nodes' own answers, and judged against the SLA options.
import { defineCase, type CaseContext } from '@helios-conformance/core';
import { sleep } from '@helios-conformance/sql';
import { describeFailure, type ActionRun } from '../../actions.js';
import { clusterState, primaries, type NodeState } from '../../_internal/nodes.js';
import { createLedger, readBack, startWriter, timeline, type LedgerEntry, type LedgerVerdict, type Writer } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import type { ActionName } from '../../topology.js';
import { beginExperiment, requireActions } from '../experiment.js';

export type Ctx = CaseContext<HaDrTarget>;

export const POLL_MS = 200;

/** What the report shows of one failover experiment (`sections.hadr[<id>]`). */
export interface Experiment {
  topology: string;
  phases: Array<{ phase: 'steady state' | 'fault' | 'observation' | 'reintegration' | 'switchover' | 'rollback'; at: number; what: string }>;
  actions: Array<Pick<ActionRun, 'action' | 'command' | 'ok' | 'code' | 'timedOut' | 'ms'> & { at: number; output: string }>;
  timings: Record<string, number | null>;
  sla: HaDrTarget['sla'];
  ledger?: LedgerSummary;
  /** TC-AF-005: the ledger read back after the switchover back (both moves). */
  ledgerAfterFailback?: LedgerSummary;
  timeline?: ReturnType<typeof timeline>;
  acksAfterFaultByNode?: Record<string, number>;
  /** When the fault the RTO is measured from was injected (ms from t0; the HTML timeline marks it). */
  faultAt?: number;
}

/** A verdict with its id lists cut to samples (the report stays small). */
export type LedgerSummary = Omit<LedgerVerdict, 'lost' | 'resurrected' | 'stale' | 'phantoms'> & {
  lost: number[];
  lostCount: number;
  resurrected: number[];
  resurrectedCount: number;
  stale: LedgerVerdict['stale'];
  staleCount: number;
  phantoms: number[];
  phantomCount: number;
  /** Kept for readers of the first reports. */
  lostSample: number[];
};

export function summarize(v: LedgerVerdict): LedgerSummary {
  return {
    ...v,
    lost: v.lost.slice(0, 20),
    lostCount: v.lost.length,
    resurrected: v.resurrected.slice(0, 20),
    resurrectedCount: v.resurrected.length,
    stale: v.stale.slice(0, 20),
    staleCount: v.stale.length,
    phantoms: v.phantoms.slice(0, 20),
    phantomCount: v.phantoms.length,
    lostSample: v.lost.slice(0, 20),
  };
}

/** One line per kind of write: how many were acknowledged, failed, in doubt. */
export function describeLedger(v: LedgerVerdict, where: string): string {
  const b = v.byOp;
  return (
    `ledger: ${v.acked} acknowledged (${b.insert.ack} inserts, ${b.update.ack} updates, ${b.delete.ack} deletes); on ${where}: ` +
    `${v.lost.length} acknowledged inserts missing, ${v.resurrected.length} deleted rows back, ${v.stale.length} stale rows; ` +
    `${v.failed} failed (${v.phantoms.length} took effect anyway); ${v.inDoubt} in doubt (${v.inDoubtPresent} of the inserts present)`
  );
}

const ids = (xs: readonly number[]): string => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ', …' : ''}`;

/** What the ledger shows broken (empty: nothing lost, back, stale or phantom), each a message part. */
export function ledgerBreaches(v: LedgerVerdict, sla: HaDrTarget['sla'], when = ''): string[] {
  const out: string[] = [];
  if (v.lost.length > sla.rpoWrites) out.push(`RPO${when}: ${v.lost.length} acknowledged writes lost (ids ${ids(v.lost)}; SLA ${sla.rpoWrites})`);
  if (v.resurrected.length) out.push(`${v.resurrected.length} rows whose DELETE was acknowledged are back${when} (ids ${ids(v.resurrected)})`);
  if (v.stale.length)
    out.push(`${v.stale.length} rows are stale${when}: older than their last acknowledged UPDATE (${v.stale.slice(0, 3).map((x) => `id ${x.id} at version ${x.found}, acknowledged ${x.expected}`).join('; ')}${v.stale.length > 3 ? '; …' : ''})`);
  if (v.phantoms.length) out.push(`${v.phantoms.length} writes reported as failed took effect${when} (ids ${ids(v.phantoms)})`);
  return out;
}

export { requireActions } from '../experiment.js';

/** What a failover left behind, for the case to judge or to go on from (TC-AF-005). */
export interface FailoverRun {
  exp: Experiment;
  t0: number;
  table: string;
  /** Stopped after the observation; resume it to write on. */
  writer: Writer;
  /** The primary before the fault, and the one after it (undefined when none was elected). */
  old: string;
  elected: string | undefined;
  /** The ledger read back from the new primary (undefined when no write was acknowledged after the fault). */
  verdict: LedgerVerdict | undefined;
  /** What missed an SLA or lost data; empty when the failover passed. */
  broken: string[];
  phase(p: Experiment['phases'][number]['phase'], what: string): void;
  act(a: ActionName, vars?: Record<string, string>): Promise<ActionRun>;
  nodeOf(port: number | undefined): string;
}

export const fmtS = (ms: number | null | undefined): string => (ms == null ? 'not reached' : `${(ms / 1000).toFixed(2)} s`);

/**
 * Runs the failover experiment up to the ledger read back from the new primary; `isolate` first
 * partitions the primary from every standby for `isolateMs` while it keeps taking writes. Ends the
 * case (ctx.fail / notApplicable) when the experiment cannot go on; SLA misses and data loss are
 * returned in `broken`.
 */
export async function runFailover(ctx: Ctx, o: { isolate: boolean; isolateMs?: number; extraActions?: ActionName[] }): Promise<FailoverRun> {
  const t = ctx.target.topology;
  const sla = ctx.target.sla;
  if (t.family !== 'postgres')
    ctx.notApplicable('a failover needs one primary to lose and a standby to take over; a mysql-family topology such as Galera is multi-primary (every node in the Primary component takes writes): HA-020 and HA-021 judge its quorum and split brain');
  const needed: ActionName[] = ['kill'];
  if (t.failover === 'manual') needed.push('promote');
  if (o.isolate) needed.push('partition', 'heal');
  for (const a of o.extraActions ?? []) if (!needed.includes(a)) needed.push(a);
  requireActions(ctx, needed);

  const { exp, t0, phase, act, nodeOf } = beginExperiment(ctx);

  // Steady state: exactly one primary, at least one standby answering, every ack on the primary.
  const before = await clusterState(t);
  const prim = before.filter((s) => s.up && s.primary);
  const standbys = before.filter((s) => s.up && !s.primary);
  if (prim.length !== 1) return ctx.fail(`steady state not reached: ${prim.length} nodes answer as primary (${prim.map((s) => s.node).join(', ') || 'none'}) before any fault`);
  if (!standbys.length) return ctx.fail(`steady state not reached: no standby answers (${before.map((s) => `${s.node}: ${s.up ? 'primary' : s.error}`).join('; ')})`);
  const old = prim[0] as NodeState;
  const table = `ledger_${ctx.id.toLowerCase().replaceAll('-', '_')}`;
  await createLedger(ctx.target.client, table);
  const writer: Writer = startWriter(ctx.target.client, table, { clients: ctx.target.writers, random: () => ctx.rng.next() });
  let partitioned = false;
  ctx.defer(() => writer.stop());
  // Rollback, whatever happened: heal the partition, start the old primary again (it rejoins as a standby).
  ctx.defer(async () => {
    if (partitioned) {
      partitioned = false;
      await act('heal');
    }
    if (t.actions.start && !(await clusterState(t)).find((s) => s.node === old.node)?.up) {
      const r = await act('start', { node: old.node });
      phase('rollback', r.ok ? `${old.node} started again (rejoins as a standby)` : describeFailure(r));
    }
  });
  phase('steady state', `primary ${old.node}, standbys ${standbys.map((s) => s.node).join(', ')}; ${ctx.target.writers} writers through the client DSN (inserts, and updates and deletes of acknowledged rows)`);
  await sleep(ctx.target.steadyMs, ctx.signal);
  const steadyAcks = writer.entries.filter((e) => e.outcome === 'ack');
  if (!steadyAcks.length) return ctx.fail(`steady state not reached: no write acknowledged in ${ctx.target.steadyMs} ms through the client DSN (${writer.entries.at(-1)?.error ?? 'no attempt finished'})`);
  const elsewhere = steadyAcks.filter((e) => nodeOf(e.port) !== old.node);
  if (elsewhere.length) return ctx.fail(`steady state: ${elsewhere.length} writes acknowledged by ${nodeOf(elsewhere[0]?.port)}, which is not the primary ${old.node}`);

  // Fault.
  if (o.isolate) {
    // The primary keeps its clients (it stays on the writers' side of the cut) but loses every standby.
    // A witness stays with the standbys: the primary is cut off from every other member.
    const groups = `${old.node}|${[...standbys.map((s) => s.node), ...t.witnesses.map((w) => w.name)].join(',')}`;
    const r = await act('partition', { groups });
    if (!r.ok) return ctx.fail(`could not cut the primary off from its standbys: ${describeFailure(r)}`);
    partitioned = true;
    phase('fault', `network partition ${groups}: the primary is cut off from its standbys for ${o.isolateMs ?? 1_500} ms while the writers go on`);
    await sleep(o.isolateMs ?? 1_500, ctx.signal);
  }
  const tf = Date.now();
  const kill = await act('kill', { node: old.node });
  if (!kill.ok) return ctx.fail(`fault not injected: ${describeFailure(kill)}`);
  exp.faultAt = tf - t0;
  phase('fault', `primary ${old.node} killed`);
  if (o.isolate) {
    const r = await act('heal');
    partitioned = false;
    if (!r.ok) return ctx.fail(`could not heal the partition: ${describeFailure(r)}`);
    phase('fault', 'partition healed (the primary is gone)');
  }

  // Observation: detection, election, redirect.
  let detectedAt: number | undefined;
  while (Date.now() - tf < sla.detectionMs * 2) {
    const lost = writer.entries.find((e) => e.end > tf && e.outcome !== 'ack');
    const seen = (await clusterState(t, 1_000)).find((s) => s.node === old.node);
    if (lost || !seen?.up || !seen.primary) {
      detectedAt = Math.min(lost?.end ?? Infinity, Date.now());
      break;
    }
    await sleep(POLL_MS, ctx.signal);
  }
  exp.timings.detectionMs = detectedAt === undefined ? null : detectedAt - tf;
  phase('observation', detectedAt === undefined ? `the loss of ${old.node} was not noticed within ${sla.detectionMs * 2} ms` : `loss of ${old.node} noticed after ${detectedAt - tf} ms`);

  let electedNode: string | undefined;
  let electStart = Date.now();
  let electedAt: number | undefined;
  if (t.failover === 'manual') {
    // As an operator or a failover script would: promote the standby that received the most WAL.
    const candidates = (await clusterState(t)).filter((s) => s.up && !s.primary && s.node !== old.node).sort((a, b) => ((b.lsn ?? 0n) > (a.lsn ?? 0n) ? 1 : -1));
    const pick = candidates[0];
    if (!pick) return ctx.fail(`no standby answers after the primary was killed: nothing to promote`);
    electStart = Date.now();
    const r = await act('promote', { node: pick.node });
    if (!r.ok) return ctx.fail(`promoting ${pick.node} failed: ${describeFailure(r)}`);
    electedNode = pick.node;
  }
  const electDeadline = Date.now() + Math.max(sla.electionMs * 2, 5_000);
  for (;;) {
    const now = await primaries(t, 1_000);
    const fresh = now.filter((n) => n !== old.node);
    if (fresh.length && (electedNode === undefined || fresh.includes(electedNode))) {
      electedNode ??= fresh[0];
      electedAt = Date.now();
      break;
    }
    if (Date.now() > electDeadline) break;
    await sleep(POLL_MS, ctx.signal);
  }
  exp.timings.electionMs = electedAt === undefined ? null : electedAt - electStart;
  phase('observation', electedAt === undefined ? `no new primary within ${electDeadline - electStart} ms${electedNode ? ` (${electedNode} was promoted but does not answer as primary)` : ''}` : `${electedNode} is primary ${electedAt - electStart} ms after the election began`);

  let firstAck: LedgerEntry | undefined;
  if (electedNode !== undefined) {
    while (Date.now() - tf < sla.rtoMs) {
      firstAck = writer.entries.find((e) => e.outcome === 'ack' && e.end > tf && nodeOf(e.port) === electedNode);
      if (firstAck) break;
      await sleep(POLL_MS, ctx.signal);
    }
  }
  exp.timings.rtoMs = firstAck ? firstAck.end - tf : null;
  exp.timings.redirectMs = firstAck && electedAt !== undefined ? Math.max(0, firstAck.end - electedAt) : null;
  phase('observation', firstAck ? `first write acknowledged by ${electedNode} ${firstAck.end - tf} ms after the fault` : `no write acknowledged by a new primary within ${sla.rtoMs} ms`);

  await sleep(Math.min(ctx.target.steadyMs, 1_000), ctx.signal);
  const entries = [...(await writer.stop())];
  const acksAfter: Record<string, number> = {};
  for (const e of entries) if (e.outcome === 'ack' && e.end > tf) acksAfter[nodeOf(e.port)] = (acksAfter[nodeOf(e.port)] ?? 0) + 1;
  exp.acksAfterFaultByNode = acksAfter;
  exp.timeline = timeline(entries, t0, nodeOf);
  let verdict: LedgerVerdict | undefined;
  if (firstAck) {
    verdict = await readBack(ctx.target.client, table, entries);
    exp.ledger = summarize(verdict);
    phase('observation', describeLedger(verdict, electedNode ?? '?'));
  }

  for (const [k, v] of Object.entries(exp.timings)) ctx.metric(k, v);
  if (verdict) {
    ctx.metric('ackedWrites', verdict.acked);
    ctx.metric('lostAckedWrites', verdict.lost.length);
    ctx.metric('resurrectedRows', verdict.resurrected.length);
    ctx.metric('staleRows', verdict.stale.length);
    ctx.metric('inDoubtWrites', verdict.inDoubt);
  }

  const broken: string[] = verdict ? ledgerBreaches(verdict, sla) : [];
  if (exp.timings.rtoMs == null || exp.timings.rtoMs > sla.rtoMs) broken.push(`RTO ${fmtS(exp.timings.rtoMs)} (SLA ${fmtS(sla.rtoMs)})`);
  if (exp.timings.electionMs == null || exp.timings.electionMs > sla.electionMs) broken.push(`election ${fmtS(exp.timings.electionMs)} (SLA ${fmtS(sla.electionMs)})`);
  if (exp.timings.detectionMs == null || exp.timings.detectionMs > sla.detectionMs) broken.push(`detection ${fmtS(exp.timings.detectionMs)} (SLA ${fmtS(sla.detectionMs)})`);
  // Two primaries at once: a node other than the new primary still acknowledging writes once the
  // new one has (the old primary's last acknowledgements while it dies are not that: they count
  // for the RPO).
  const overlap = firstAck ? entries.filter((e) => e.outcome === 'ack' && e.end > (firstAck as LedgerEntry).end && nodeOf(e.port) !== electedNode) : [];
  if (overlap.length) broken.push(`split brain: after ${electedNode} acknowledged its first write, ${overlap.length} writes were still acknowledged by ${[...new Set(overlap.map((e) => nodeOf(e.port)))].join(', ')}`);
  return { exp, t0, table, writer, old: old.node, elected: firstAck ? electedNode : undefined, verdict, broken, phase, act, nodeOf };
}

async function failoverExperiment(ctx: Ctx, o: { isolate: boolean; isolateMs?: number }): Promise<void> {
  const r = await runFailover(ctx, o);
  if (r.broken.length) return ctx.fail(r.broken.join('; '));
}

/** TC-AF-002: failover timing with the seed's breakdown, and no acknowledged write lost. */
export const failoverTiming = defineCase<HaDrTarget>({
  id: 'TC-AF-002',
  title: 'the primary is killed under write load: a standby takes over (detection, election, client redirect timed against the SLAs); every acknowledged write is on it, no deleted row back, no updated row stale',
  priority: 'p0',
  area: 'failover',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-AF-002; heliosdb-test-framework-design.txt §4',
  destructive: true,
  timeoutMs: 120_000,
  run: (ctx) => failoverExperiment(ctx, { isolate: false }),
});

/** HA-001: a primary cut off from its standbys must not acknowledge writes it then loses (synchronous replication). */
export const isolatedPrimaryLost = defineCase<HaDrTarget>({
  id: 'HA-001',
  title: 'the primary is cut off from every standby under write load, then killed: no write it acknowledged meanwhile (insert, update or delete) is lost after failover (synchronous replication holds the acks)',
  priority: 'p0',
  area: 'failover',
  since: '0.1.0',
  spec: 'heliosdb-test-framework-design.txt §4 (synchronous replication without loss)',
  destructive: true,
  timeoutMs: 120_000,
  run: (ctx) => failoverExperiment(ctx, { isolate: true, isolateMs: 1_500 }),
});
