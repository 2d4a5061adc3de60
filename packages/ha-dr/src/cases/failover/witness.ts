// HA-040, witness quorum (the seed's test_split_brain_prevention with a witness, §4): a cluster of
// two data nodes and a witness (pg_auto_failover's monitor, a quorum device) must never let a
// standby promote itself without the witness's vote, and the primary that keeps the witness must
// keep serving. Steady state (one primary, the standby streaming, writers through the client DSN
// and one probe writer on each data node's own DSN) → phase 1: only the primary↔standby link is cut
// (both still reach the witness) for the window: the standby never becomes primary or writable;
// how long the primary stalled (e.g. synchronous replication waiting for the standby until the
// manager drops it) is reported → phase 2: the standby is cut from the primary AND the witness:
// the primary must still acknowledge writes, the standby must not promote → heal → rollback: the
// same primary, the standby streaming again, no acknowledged write lost, no two nodes acknowledging
// writes at the same time.
import { defineCase } from '@helios-conformance/core';
import { sleep } from '@helios-conformance/sql';
import { describeFailure } from '../../actions.js';
import { createLedger, readBack, startWriter, timeline, type LedgerEntry, type LedgerVerdict, type Writer } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import { distinctNodePorts } from '../../topology.js';
import { beginExperiment, requireActions } from '../experiment.js';
import { describeLedger, fmtS, ledgerBreaches, summarize, type Ctx, type Experiment, type LedgerSummary } from './failover.js';
import { ackOverlaps, ackWindows, awaitOnePrimary, awaitReplayed, describeRoles, nodeTarget, roles, type Ack, type RoleState } from './split-brain.js';

/** Default window of each phase: the seed's "after 10 s the mirror is NOT primary". */
export const WITNESS_WINDOW_MS = 10_000;

/** What one phase saw (`sections.hadr['HA-040'].phases[]`). */
export interface WitnessPhase {
  phase: 1 | 2;
  groups: string;
  /** ms after the case began. */
  cutAt: number;
  /** Acknowledged writes per node within the window (client writer and probes). */
  acksByNode: Record<string, number>;
  /** The primary's longest time without an acknowledged write within the window (from the cut, to its end). */
  primaryStallMs: number;
  /** Who answered as primary, as it changed (ms after the cut). */
  primariesSeen: Array<{ at: number; primaries: string[] }>;
}

/** A gap-free view of when `node` acknowledged writes: the longest gap from `from` to `to` (epoch ms). Pure. */
export function longestStall(acks: readonly Ack[], node: string, from: number, to: number): number {
  const ends = acks.filter((a) => a.node === node && a.end >= from && a.end <= to).map((a) => a.end).sort((a, b) => a - b);
  let prev = from;
  let max = 0;
  for (const e of ends) {
    max = Math.max(max, e - prev);
    prev = e;
  }
  return Math.max(max, to - prev);
}

async function witnessExperiment(ctx: Ctx): Promise<void> {
  const t = ctx.target.topology;
  const sla = ctx.target.sla;
  requireActions(ctx, ['partition', 'heal']);
  if (!t.witnesses.length) ctx.notApplicable('the topology has no witness node (a `nodes` entry with "role": "witness", e.g. pg_auto_failover\'s monitor): witness quorum needs one');
  if (t.nodes.length < 2) ctx.notApplicable('needs two data nodes besides the witness');
  const windowMs = ctx.target.witnessWindowMs ?? WITNESS_WINDOW_MS;
  const stallSla = ctx.target.witnessStallMs;
  const { exp, t0, phase, act, nodeOf } = beginExperiment<Experiment & { windowMs: number; witnesses: string[]; primary?: string; standby?: string; witnessPhases: WitnessPhase[]; probes?: Record<string, LedgerSummary> }>(ctx, {
    windowMs,
    witnesses: t.witnesses.map((w) => w.name),
    witnessPhases: [],
  });
  let cut = false;
  const writers: Writer[] = [];
  ctx.defer(async () => {
    await Promise.all(writers.map((w) => w.stop()));
    if (cut) {
      cut = false;
      const r = await act('heal');
      phase('rollback', r.ok ? 'partition healed' : describeFailure(r));
    }
  });

  const steady = await awaitOnePrimary(ctx, Date.now() + 15_000);
  if (!steady.ok) return ctx.fail(`steady state not reached: not exactly one primary with every other node streaming (${describeRoles(steady.last)})`);
  const primary = (steady.last.find((s) => s.primary) as RoleState).node;
  const standby = t.nodes.find((n) => n.name !== primary)!.name;
  const others = t.nodes.map((n) => n.name).filter((n) => n !== primary && n !== standby);
  const w = t.witnesses.map((x) => x.name);
  exp.primary = primary;
  exp.standby = standby;

  // One ledger per writer: the client writer and one probe per data node straight to its own DSN
  // (the standby's probe is the writability probe: an acknowledged write there is a second primary).
  const names = ['client', ...t.nodes.map((n) => n.name)];
  const tables = names.map((_, i) => `witness_w${i}`);
  for (const tb of tables) await createLedger(ctx.target.client, tb);
  await awaitReplayed(ctx, tables.at(-1) as string);
  writers.push(startWriter(ctx.target.client, tables[0] as string, { clients: ctx.target.writers, opTimeoutMs: 2_000, random: () => ctx.rng.next() }));
  t.nodes.forEach((n, i) => writers.push(startWriter(nodeTarget(ctx.target.client, n), tables[i + 1] as string, { clients: 1, opTimeoutMs: 2_000, random: () => ctx.rng.next() })));
  await sleep(Math.min(ctx.target.steadyMs, 2_000), ctx.signal);
  phase('steady state', `primary ${primary}, standby ${standby} streaming, witness ${w.join(', ')}; writers through the client DSN and on each data node's own DSN`);

  const distinctPorts = distinctNodePorts(t);
  const acksSince = (from: number): Ack[] => {
    const out: Ack[] = [];
    writers.forEach((wr, i) => {
      for (const e of wr.entries) {
        if (e.outcome !== 'ack' || e.end < from) continue;
        out.push({ writer: names[i] as string, id: e.id, node: i > 0 && !distinctPorts ? (names[i] as string) : nodeOf(e.port), start: e.start, end: e.end });
      }
    });
    return out;
  };

  const broken: string[] = [];
  const plan: Array<{ n: 1 | 2; groups: string; what: string }> = [
    // Overlapping groups: the witness (and any other node) in both, so only primary↔standby is cut.
    { n: 1, groups: [[primary, ...others, ...w], [standby, ...others, ...w]].map((g) => g.join(',')).join('|'), what: `only the link ${primary}↔${standby} cut (both still reach ${w.join(', ')})` },
    { n: 2, groups: [[primary, ...others, ...w], [standby]].map((g) => g.join(',')).join('|'), what: `${standby} cut from ${primary} and from ${w.join(', ')}` },
  ];
  let firstCut = 0;
  for (const p of plan) {
    const r = await act('partition', { groups: p.groups });
    if (!r.ok) return ctx.fail([...broken, `phase ${p.n}: partition ${p.groups} not injected: ${describeFailure(r)} (HA-040 needs a partition action where a node may be in two groups, reaching both)`].join('; '));
    cut = true;
    const tc = Date.now();
    firstCut ||= tc;
    const rep: WitnessPhase = { phase: p.n, groups: p.groups, cutAt: tc - t0, acksByNode: {}, primaryStallMs: 0, primariesSeen: [] };
    exp.witnessPhases.push(rep);
    phase('fault', `phase ${p.n}: ${p.what} for ${windowMs} ms`);
    let seen = '';
    while (Date.now() - tc < windowMs) {
      const prim = (await roles(t, 1_000)).filter((s) => s.primary).map((s) => s.node);
      if (prim.join(',') !== seen) {
        seen = prim.join(',');
        rep.primariesSeen.push({ at: Date.now() - tc, primaries: prim });
      }
      await sleep(Math.min(500, Math.max(0, windowMs - (Date.now() - tc))), ctx.signal);
    }
    const te = Date.now();
    const acks = acksSince(tc).filter((a) => a.end <= te);
    for (const a of acks) rep.acksByNode[a.node] = (rep.acksByNode[a.node] ?? 0) + 1;
    rep.primaryStallMs = longestStall(acks, primary, tc, te);
    exp.timings[`phase${p.n}StallMs`] = rep.primaryStallMs;
    ctx.metric(`phase${p.n}StallMs`, rep.primaryStallMs);
    phase(
      'observation',
      `phase ${p.n}: acknowledged by ${Object.entries(rep.acksByNode).map(([n, c]) => `${n} ${c}`).join(', ') || 'no node'}; primaries seen: ${rep.primariesSeen.map((x) => `+${x.at} ms ${x.primaries.join(',') || 'none'}`).join(', ')}; ${primary}'s longest stall ${fmtS(rep.primaryStallMs)}`,
    );
    const promoted = rep.primariesSeen.filter((x) => x.primaries.includes(standby));
    if (promoted.length) broken.push(`phase ${p.n} (${p.what}): ${standby} answered as primary from +${fmtS(promoted[0]!.at)} after the cut, without the witness's vote`);
    if (rep.acksByNode[standby]) broken.push(`phase ${p.n}: ${standby} acknowledged ${rep.acksByNode[standby]} writes while cut off (it must stay a read-only standby)`);
    if (p.n === 2 && !rep.acksByNode[primary]) broken.push(`phase 2: ${primary}, which keeps the witness, acknowledged no write in ${fmtS(windowMs)} (the primary with the witness's vote must keep serving)`);
    if (stallSla !== undefined && rep.primaryStallMs > stallSla) broken.push(`phase ${p.n}: ${primary} acknowledged no write for ${fmtS(rep.primaryStallMs)} (witness stall SLA ${fmtS(stallSla)})`);
  }

  const h = await act('heal');
  if (!h.ok) return ctx.fail([...broken, `could not heal: ${describeFailure(h)}`].join('; '));
  cut = false;
  const th = Date.now();
  // The standby reconnects and catches up: as long as a failover may take.
  const back = await awaitOnePrimary(ctx, th + sla.rtoMs);
  exp.timings.rollbackMs = back.ok ? back.at - th : null;
  const after = back.last.find((s) => s.primary)?.node;
  phase('rollback', back.ok ? `healed; ${after} primary, every other node streaming after ${back.at - th} ms` : `healed, but ${describeRoles(back.last)}`);
  if (!back.ok) broken.push(`after healing, the cluster did not return to one primary with ${standby} streaming within ${fmtS(sla.rtoMs)} (${describeRoles(back.last)})`);
  else if (after !== primary) broken.push(`after healing, ${after} is primary instead of ${primary} (nothing was allowed to fail over)`);
  await sleep(300, ctx.signal);
  await Promise.all(writers.map((x) => x.stop()));

  // Two nodes acknowledging writes at the same time, from the first cut to the end.
  const acks = acksSince(firstCut);
  const overlaps = ackOverlaps(ackWindows(acks, 1_000));
  for (const o of overlaps) {
    broken.push(
      `split brain: ${o.nodes[0]} and ${o.nodes[1]} both acknowledged writes from +${fmtS(o.from - firstCut)} to +${fmtS(o.to - firstCut)} after the first cut (overlap ${o.ms} ms; ${o.nodes.map((n) => `${n}: ${(o.ids[n] ?? []).join(', ')}`).join('; ')})`,
    );
  }
  ctx.metric('overlaps', overlaps.length);
  ctx.metric('maxOverlapMs', overlaps.length ? Math.max(...overlaps.map((o) => o.ms)) : 0);

  const verdicts: LedgerVerdict[] = [];
  exp.probes = {};
  for (const [i, wr] of writers.entries()) {
    try {
      const v = await readBack(ctx.target.client, tables[i] as string, wr.entries);
      verdicts.push(v);
      if (i === 0) exp.ledger = summarize(v);
      else exp.probes[names[i] as string] = summarize(v);
      broken.push(...ledgerBreaches(v, { ...sla, rpoWrites: 0 }, ` (writes ${i === 0 ? 'through the client DSN' : `to ${names[i]}'s own DSN`})`));
    } catch (e) {
      broken.push(`the ledger of the writes ${i === 0 ? 'through the client DSN' : `to ${names[i]}`} could not be read back (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
    }
  }
  if (verdicts[0]) phase('observation', `client writer ${describeLedger(verdicts[0], 'the primary')}`);
  const entries: LedgerEntry[] = writers.flatMap((x) => [...x.entries]);
  exp.timeline = timeline(entries, t0, nodeOf);
  exp.faultAt = firstCut - t0;
  ctx.metric('ackedWrites', verdicts.reduce((n, v) => n + v.acked, 0));
  ctx.metric('lostAckedWrites', verdicts.reduce((n, v) => n + v.lost.length, 0));
  ctx.metric('standbyPromoted', exp.witnessPhases.some((p) => p.primariesSeen.some((x) => x.primaries.includes(standby))));
  if (broken.length) return ctx.fail(broken.join('; '));
}

/** HA-040: a standby without the witness's vote never promotes; primary + witness keep serving. */
export const witnessQuorum = defineCase<HaDrTarget>({
  id: 'HA-040',
  title:
    'witness quorum: with the primary↔standby link cut (both still reach the witness) and then the standby cut from primary and witness, the standby never promotes or acknowledges a write, the primary with the witness keeps acknowledging writes, and after healing the standby rejoins with no acknowledged write lost',
  priority: 'p0',
  area: 'failover',
  since: '0.1.0',
  spec: 'heliosdb-test-framework-design.txt §4 test_split_brain_prevention (cluster with witness: mirror not primary after 10 s; {primary, witness} keeps serving); issue 16 reference cluster pg_auto_failover',
  destructive: true,
  // Two windows, the rollback (up to the RTO SLA) and the read-backs.
  timeoutMs: 240_000,
  run: witnessExperiment,
});
