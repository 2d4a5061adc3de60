// Chaos experiments (heliosdb-test-framework-design.txt §9, and §5's integrity after VACUUM and
// restart), each read as steady state (one primary, the ledger writer's acks all on it) → fault →
// observation → rollback, with the fault healed in a deferred cleanup too. Every fault is checked to
// have taken effect (a paused node stops answering, a skewed clock reads differently, a full disk
// refuses writes): an action that did nothing fails the case as "fault not injected", never a pass.
import { defineCase } from '@helios-conformance/core';
import { sleep, within } from '@helios-conformance/sql';
import { closeClient, destroyClient, loadPg, parsePgDsn, pgSslOptions } from '@helios-conformance/sql/postgres';
import { describeFailure, type ActionRun } from '../../actions.js';
import { clusterState, nodeState, primaries, type NodeState } from '../../_internal/nodes.js';
import { createLedger, judgeLedger, readBack, readRowsOnNode, startWriter, timeline, type LedgerEntry, type LedgerVerdict, type Writer } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import type { ActionName, TopologyNode } from '../../topology.js';
import { beginExperiment, requireActions } from '../experiment.js';
import { describeLedger, fmtS, ledgerBreaches, POLL_MS, summarize, type Ctx, type Experiment } from '../failover/failover.js';

/** A running chaos experiment: its report section, the writer, the primary it started on. */
interface Run {
  exp: Experiment & { chaos: Record<string, unknown> };
  t0: number;
  table: string;
  writer: Writer;
  old: string;
  standbys: string[];
  phase(p: Experiment['phases'][number]['phase'], what: string): void;
  act(a: ActionName, vars?: Record<string, string>): Promise<ActionRun>;
  nodeOf(port: number | undefined): string;
}

/** Steady state: exactly one primary, a standby, the writer's acks all on the primary (ends the case otherwise). */
async function begin(ctx: Ctx, needed: ActionName[]): Promise<Run> {
  const t = ctx.target.topology;
  requireActions(ctx, needed);
  const { exp, t0, phase, act, nodeOf } = beginExperiment<Run['exp']>(ctx, { chaos: {} });
  const before = await clusterState(t);
  const prim = before.filter((s) => s.up && s.primary);
  const standbys = before.filter((s) => s.up && !s.primary);
  if (prim.length !== 1) return ctx.fail(`steady state not reached: ${prim.length} nodes answer as primary (${prim.map((s) => s.node).join(', ') || 'none'}) before any fault`);
  if (!standbys.length) return ctx.fail(`steady state not reached: no standby answers (${before.map((s) => `${s.node}: ${s.up ? 'primary' : s.error}`).join('; ')})`);
  const old = (prim[0] as NodeState).node;
  const table = `ledger_${ctx.id.toLowerCase().replaceAll('-', '_')}`;
  await createLedger(ctx.target.client, table);
  const writer = startWriter(ctx.target.client, table, { clients: ctx.target.writers, random: () => ctx.rng.next() });
  ctx.defer(() => writer.stop());
  phase('steady state', `primary ${old}, standbys ${standbys.map((s) => s.node).join(', ')}; ${ctx.target.writers} writers through the client DSN (inserts, and updates and deletes of acknowledged rows)`);
  await sleep(ctx.target.steadyMs, ctx.signal);
  const acks = writer.entries.filter((e) => e.outcome === 'ack');
  if (!acks.length) return ctx.fail(`steady state not reached: no write acknowledged in ${ctx.target.steadyMs} ms through the client DSN (${writer.entries.at(-1)?.error ?? 'no attempt finished'})`);
  const elsewhere = acks.filter((e) => nodeOf(e.port) !== old);
  if (elsewhere.length) return ctx.fail(`steady state: ${elsewhere.length} writes acknowledged by ${nodeOf(elsewhere[0]?.port)}, which is not the primary ${old}`);
  return { exp, t0, table, writer, old, standbys: standbys.map((s) => s.node), phase, act, nodeOf };
}

/** The first write acknowledged (by any node) after `from`, waited for until `ms` after it. */
async function firstAckAfter(ctx: Ctx, writer: Writer, from: number, ms: number): Promise<LedgerEntry | undefined> {
  while (Date.now() - from < ms) {
    const e = writer.entries.find((x) => x.outcome === 'ack' && x.start >= from);
    if (e) return e;
    await sleep(POLL_MS, ctx.signal);
  }
  return undefined;
}

/** Stops the writer, reads the ledger back through the client DSN, records it; returns the verdict. */
async function finish(ctx: Ctx, r: Run, where: string): Promise<{ verdict: LedgerVerdict; entries: readonly LedgerEntry[] }> {
  const entries = await r.writer.stop();
  r.exp.timeline = timeline(entries, r.t0, r.nodeOf);
  const verdict = await readBack(ctx.target.client, r.table, entries);
  r.exp.ledger = summarize(verdict);
  r.phase('observation', describeLedger(verdict, where));
  ctx.metric('ackedWrites', verdict.acked);
  ctx.metric('lostAckedWrites', verdict.lost.length);
  ctx.metric('resurrectedRows', verdict.resurrected.length);
  ctx.metric('staleRows', verdict.stale.length);
  ctx.metric('phantomWrites', verdict.phantoms.length);
  ctx.metric('inDoubtWrites', verdict.inDoubt);
  return { verdict, entries };
}

/**
 * Two primaries at once, generically: once a node other than `old` acknowledged a write after `from`
 * (a new primary was elected), any later ack by another node is an overlap.
 */
function overlap(entries: readonly LedgerEntry[], from: number, old: string, nodeOf: Run['nodeOf']): string | undefined {
  const acks = entries.filter((e) => e.outcome === 'ack' && e.end > from).sort((a, b) => a.end - b.end);
  const first = acks.find((e) => nodeOf(e.port) !== old);
  if (!first) return undefined;
  const elected = nodeOf(first.port);
  const late = acks.filter((e) => e.end > first.end && nodeOf(e.port) !== elected);
  if (!late.length) return undefined;
  return `split brain: after ${elected} acknowledged its first write, ${late.length} writes were still acknowledged by ${[...new Set(late.map((e) => nodeOf(e.port)))].join(', ')}`;
}

const countBy = (xs: readonly LedgerEntry[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const e of xs) {
    const k = e.outcome === 'ack' ? 'ack' : `${e.outcome}: ${e.error ?? '?'}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};

/** HA-030: SIGSTOP of the primary under the writer for longer than the detection SLA, then SIGCONT. */
async function pauseExperiment(ctx: Ctx): Promise<void> {
  const t = ctx.target.topology;
  const sla = ctx.target.sla;
  const r = await begin(ctx, ['pause', 'resume']);
  const node = t.nodes.find((n) => n.name === r.old) as TopologyNode;
  const pauseMs = sla.detectionMs + 1_000;
  let paused = false;
  ctx.defer(async () => {
    if (paused) {
      paused = false;
      const x = await r.act('resume', { node: r.old });
      r.phase('rollback', x.ok ? `${r.old} resumed` : describeFailure(x));
    }
  });
  const lastAckBefore = r.writer.entries.filter((e) => e.outcome === 'ack').at(-1);
  const tf = Date.now();
  const p = await r.act('pause', { node: r.old });
  if (!p.ok) return ctx.fail(`fault not injected: ${describeFailure(p)}`);
  paused = true;
  const tp = Date.now();
  r.phase('fault', `primary ${r.old} paused (frozen, its connections open) for ${pauseMs} ms, the detection SLA + 1 s`);

  // Observation while frozen: is it seen as down, and does another node take over (automatic failover)?
  let detectedAt: number | undefined;
  let electedAt: number | undefined;
  let elected: string | undefined;
  while (Date.now() - tp < pauseMs) {
    const [seen, prims] = await Promise.all([nodeState(node, 1_000), t.failover === 'automatic' ? primaries(t, 1_000) : Promise.resolve([] as string[])]);
    if (detectedAt === undefined) {
      const stuck = r.writer.entries.find((e) => e.end > tp && e.outcome !== 'ack');
      if (stuck || !seen.up) detectedAt = Math.min(stuck?.end ?? Infinity, Date.now());
    }
    const other = prims.find((n) => n !== r.old);
    if (other && electedAt === undefined) {
      electedAt = Date.now();
      elected = other;
    }
    await sleep(POLL_MS, ctx.signal);
  }
  // Timed from the pause action's return: the freeze is in effect then (the action's own start-up,
  // e.g. a CLI process, is not the cluster's detection time).
  r.exp.timings.detectionMs = detectedAt === undefined ? null : Math.max(0, detectedAt - tp);
  r.exp.timings.electionMs = electedAt === undefined ? null : electedAt - tp;
  r.exp.timings.pauseActionMs = tp - tf;
  // Commits already answered when SIGSTOP landed may end just after the action returned.
  const ackedWhilePaused = r.writer.entries.filter((e) => e.outcome === 'ack' && e.start > tp + 200 && r.nodeOf(e.port) === r.old);
  r.phase('observation', detectedAt === undefined ? `${r.old} was never seen down during the ${pauseMs} ms pause` : `${r.old} seen down ${Math.max(0, detectedAt - tp)} ms after the pause took effect`);
  if (elected) r.phase('observation', `${elected} answered as primary ${(electedAt as number) - tp} ms after the pause (automatic failover)`);

  const tr = Date.now();
  const res = await r.act('resume', { node: r.old });
  paused = false;
  if (!res.ok) return ctx.fail(`could not resume ${r.old}: ${describeFailure(res)}`);
  r.phase('rollback', `${r.old} resumed after ${tr - tp} ms`);
  const after = await firstAckAfter(ctx, r.writer, tr, sla.rtoMs);
  r.exp.timings.resumeToAckMs = after ? after.end - tr : null;
  // The stall as the writers lived it: last acknowledgement before the pause to the first one after it.
  r.exp.timings.stallMs = after && lastAckBefore ? after.end - lastAckBefore.end : null;
  r.phase('observation', after ? `writes acknowledged again (by ${r.nodeOf(after.port)}) ${after.end - tr} ms after the resume; the writers stalled ${fmtS(r.exp.timings.stallMs)}` : `no write acknowledged within ${sla.rtoMs} ms of the resume`);
  await sleep(Math.min(ctx.target.steadyMs, 1_000), ctx.signal);
  const prims = await primaries(t, 1_500);
  const { verdict, entries } = await finish(ctx, r, prims.join(', ') || 'the client DSN');
  const duringPause = entries.filter((e) => e.start < tr && e.end > tp);
  r.exp.chaos = { pauseMs: tr - tp, writesDuringPause: countBy(duringPause), primariesAfterResume: prims, elected: elected ?? null };
  for (const [k, v] of Object.entries(r.exp.timings)) ctx.metric(k, v);
  ctx.metric('inDoubtDuringPause', duringPause.filter((e) => e.outcome === 'in-doubt').length);

  if (ackedWhilePaused.length) return ctx.fail(`fault not injected: ${r.old} acknowledged ${ackedWhilePaused.length} writes while it was to be paused`);
  if (detectedAt === undefined) return ctx.fail(`fault not injected: ${r.old} kept answering throughout the ${pauseMs} ms pause (and no write stalled)`);
  const broken = ledgerBreaches(verdict, sla);
  if ((r.exp.timings.detectionMs ?? Infinity) > sla.detectionMs) broken.push(`detection ${fmtS(r.exp.timings.detectionMs)} (SLA ${fmtS(sla.detectionMs)})`);
  if (!after) broken.push(`writes did not continue after the resume (none acknowledged within ${fmtS(sla.rtoMs)})`);
  const split = overlap(entries, tp, r.old, r.nodeOf);
  if (split) broken.push(split);
  if (prims.length > 1) broken.push(`two primaries after the resume: ${prims.join(', ')}`);
  if (broken.length) return ctx.fail(broken.join('; '));
}

/** Each node's clock_timestamp() minus the suite's clock, in seconds (round-trip midpoint); undefined when it does not answer. */
async function clockOffset(n: TopologyNode, ms = 3_000): Promise<number | undefined> {
  const p = parsePgDsn(n.dsn);
  const pg = await loadPg();
  const c = new pg.Client({ host: p.host, port: p.port, user: p.user, password: p.password, database: p.database, connectionTimeoutMillis: ms, ssl: await pgSslOptions(p), application_name: 'helios-ha-dr-observer' });
  c.on('error', () => undefined);
  const r = await within(
    (async () => {
      await c.connect();
      const t0 = Date.now();
      const q = await c.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms');
      const t1 = Date.now();
      return (Number(q.rows[0]?.ms) - (t0 + t1) / 2) / 1000;
    })().catch(() => undefined),
    ms,
  );
  if (r.timedOut) {
    destroyClient(c);
    return undefined;
  }
  await closeClient(c, 500);
  return r.value;
}

/** Every node's clock minus the suite's clock (seconds; undefined: no answer), read in parallel. */
async function clockOffsets(ctx: Ctx): Promise<Record<string, number | undefined>> {
  const t = ctx.target.topology;
  return Object.fromEntries(await Promise.all(t.nodes.map(async (n) => [n.name, await clockOffset(n)] as const)));
}

/**
 * How far `node`'s clock moved since `base` (offsets read before any skew), against the nodes in
 * `reference` (unskewed): their own drift since `base` is subtracted, so the suite's clock (another
 * machine, perhaps) drops out. Undefined when the node or every reference node does not answer.
 */
function movedBy(now: Record<string, number | undefined>, base: Record<string, number | undefined>, node: string, reference: string[]): number | undefined {
  const mine = now[node];
  const b = base[node];
  const drift = reference.map((n) => (now[n] !== undefined && base[n] !== undefined ? (now[n] as number) - (base[n] as number) : undefined)).filter((x): x is number => x !== undefined);
  if (mine === undefined || b === undefined || !drift.length) return undefined;
  return mine - b - drift.reduce((a, x) => a + x, 0) / drift.length;
}

/** HA-031: a standby's clock +SKEW s, then the primary's −SKEW s, under the writer; restored after. */
async function skewExperiment(ctx: Ctx): Promise<void> {
  const sla = ctx.target.sla;
  const SKEW = 30;
  const r = await begin(ctx, ['skew-clock']);
  const standby = r.standbys[0] as string;
  const skewed = new Set<string>();
  ctx.defer(async () => {
    for (const n of [...skewed]) {
      skewed.delete(n);
      const x = await r.act('skew-clock', { node: n, seconds: '0' });
      r.phase('rollback', x.ok ? `${n}'s clock restored` : describeFailure(x));
    }
  });
  const base = await clockOffsets(ctx);
  const observed: Record<string, number | null> = {};
  const inject = async (node: string, seconds: number): Promise<void> => {
    const x = await r.act('skew-clock', { node, seconds: String(seconds) });
    skewed.add(node);
    if (!x.ok) return ctx.fail(`fault not injected: ${describeFailure(x)}`);
    const reference = ctx.target.topology.nodes.map((n) => n.name).filter((n) => !skewed.has(n));
    const moved = movedBy(await clockOffsets(ctx), base, node, reference);
    observed[node] = moved ?? null;
    // The skew must show in the node's own now(), against the unskewed nodes' clocks, within 10 % (2 s at least).
    if (moved === undefined) return ctx.fail(`fault not injected: after skew-clock ${node} ${seconds}, ${node}'s clock could not be compared with ${reference.join(', ')} (no answer)`);
    if (Math.abs(moved - seconds) > Math.max(2, Math.abs(seconds) / 10)) return ctx.fail(`fault not injected: after skew-clock ${node} ${seconds}, ${node}'s now() moved by ${moved.toFixed(1)} s against ${reference.join(', ')}, not about ${seconds} s`);
    r.phase('fault', `${node}'s clock shifted by ${seconds > 0 ? '+' : ''}${seconds} s (its now() moved ${moved.toFixed(1)} s against ${reference.join(', ')})`);
  };
  const tf = Date.now();
  await inject(standby, SKEW);
  // The primary too, when an unskewed node is left to compare its clock with.
  if (ctx.target.topology.nodes.length >= 3) await inject(r.old, -SKEW);
  else r.phase('fault', `the primary ${r.old} is not skewed: with two nodes none would be left unskewed to compare its clock with`);
  const tAfter = Date.now();
  const after = await firstAckAfter(ctx, r.writer, tAfter, sla.rtoMs);
  r.exp.timings.skewToAckMs = after ? after.end - tf : null;
  r.phase('observation', after ? `writes acknowledged under the skew (by ${r.nodeOf(after.port)})` : `no write acknowledged within ${sla.rtoMs} ms with the clocks skewed`);
  const broken: string[] = [];

  // Failover still works with the clocks skewed (where the topology can fail over): the skewed
  // primary is killed, a standby takes over (promoted, or elected), the old primary rejoins.
  const t = ctx.target.topology;
  let tk: number | undefined;
  if (t.actions.kill !== undefined && t.actions.start !== undefined && (t.failover === 'automatic' || t.actions.promote !== undefined)) {
    let killed: string | undefined;
    ctx.defer(async () => {
      if (killed) {
        const x = await r.act('start', { node: killed });
        killed = undefined;
        r.phase('rollback', x.ok ? `${r.old} started again` : describeFailure(x));
      }
    });
    tk = Date.now();
    const k = await r.act('kill', { node: r.old });
    if (!k.ok) return ctx.fail(`could not kill the skewed primary: ${describeFailure(k)}`);
    killed = r.old;
    r.phase('fault', `the skewed primary ${r.old} killed`);
    let elected: string | undefined;
    if (t.failover === 'manual') {
      const pick = (await clusterState(t)).filter((x) => x.up && !x.primary && x.node !== r.old).sort((a, b) => ((b.lsn ?? 0n) > (a.lsn ?? 0n) ? 1 : -1))[0];
      if (!pick) return ctx.fail('failover under skew: no standby answers after the primary was killed');
      const p = await r.act('promote', { node: pick.node });
      if (!p.ok) return ctx.fail(`failover under skew: promoting ${pick.node} failed: ${describeFailure(p)}`);
      elected = pick.node;
    }
    let first: LedgerEntry | undefined;
    while (Date.now() - tk < sla.rtoMs) {
      elected ??= (await primaries(t, 1_000)).find((n) => n !== r.old);
      first = elected === undefined ? undefined : r.writer.entries.find((e) => e.outcome === 'ack' && e.start >= (tk as number) && r.nodeOf(e.port) === elected);
      if (first) break;
      await sleep(POLL_MS, ctx.signal);
    }
    r.exp.timings.failoverRtoMs = first ? first.end - tk : null;
    r.phase('observation', first ? `${elected} took over: first write acknowledged ${first.end - tk} ms after the kill` : `no write acknowledged by a new primary within ${sla.rtoMs} ms of the kill`);
    if (!first) broken.push(`failover under skew: no write acknowledged by a new primary within ${fmtS(sla.rtoMs)}`);
    const st = await r.act('start', { node: r.old });
    killed = st.ok ? undefined : r.old;
    r.phase('observation', st.ok ? `${r.old} started again (rejoins as a standby, still skewed)` : describeFailure(st));
    if (!st.ok) broken.push(`the old primary did not start again: ${describeFailure(st)}`);
  } else {
    r.phase('observation', 'no failover under skew: the topology cannot fail over (kill, start and promote or automatic failover)');
  }
  await sleep(Math.min(ctx.target.steadyMs, 1_000), ctx.signal);
  const prims = await primaries(ctx.target.topology, 1_500);
  const { verdict, entries } = await finish(ctx, r, prims.join(', ') || 'the client DSN');
  broken.push(...ledgerBreaches(verdict, sla));
  const split = tk === undefined ? undefined : overlap(entries, tk, r.old, r.nodeOf);
  if (split) broken.push(split);

  // Replication goes on under the skew: every standby gets the writes acknowledged (read on each).
  const caughtUp: Record<string, number | null> = {};
  for (const n of ctx.target.topology.nodes.filter((x) => !prims.includes(x.name))) {
    const t1 = Date.now();
    let last = 'not read';
    caughtUp[n.name] = null;
    while (Date.now() - t1 < 15_000) {
      try {
        const v = judgeLedger(entries, await readRowsOnNode(n.dsn, ctx.target.client.qualify(r.table), 3_000));
        if (!v.lost.length && !v.resurrected.length && !v.stale.length) {
          caughtUp[n.name] = Date.now() - t1;
          break;
        }
        last = `${v.lost.length} acknowledged inserts missing, ${v.resurrected.length} deleted rows present, ${v.stale.length} stale`;
      } catch (e) {
        last = (e instanceof Error ? e.message : String(e)).split('\n')[0] as string;
      }
      await sleep(POLL_MS, ctx.signal);
    }
    if (caughtUp[n.name] === null) broken.push(`standby ${n.name} did not replicate the writes acknowledged under the skew within 15 s (${last})`);
  }
  r.phase('observation', `standbys caught up: ${Object.entries(caughtUp).map(([n, ms]) => `${n} ${ms === null ? 'no' : `after ${ms} ms`}`).join(', ')}`);

  // Rollback here (the deferred one is for early exits): real clocks back, checked.
  const restored: Record<string, number | null> = {};
  const undo = [...skewed];
  for (const n of undo) {
    skewed.delete(n);
    const x = await r.act('skew-clock', { node: n, seconds: '0' });
    r.phase('rollback', x.ok ? `${n}'s clock restored` : describeFailure(x));
    if (!x.ok) broken.push(`restoring ${n}'s clock failed: ${describeFailure(x)}`);
  }
  const end = await clockOffsets(ctx);
  for (const n of undo) {
    const m = movedBy(end, base, n, ctx.target.topology.nodes.map((x) => x.name).filter((x) => !undo.includes(x)));
    restored[n] = m ?? null;
    if (m === undefined || Math.abs(m) > 2) broken.push(`${n}'s clock is still ${m?.toFixed(1) ?? '?'} s off after skew-clock ${n} 0`);
  }
  r.phase('rollback', `clocks against the start: ${undo.map((n) => `${n} ${restored[n]?.toFixed(1) ?? '?'} s`).join(', ')}`);
  r.exp.chaos = { skewSeconds: SKEW, offsetsBefore: base, observed, restored, standbyCatchUpMs: caughtUp, primariesAfter: prims };
  ctx.metric('observedSkewStandby', observed[standby]);
  ctx.metric('observedSkewPrimary', observed[r.old]);
  for (const [k, v] of Object.entries(r.exp.timings)) ctx.metric(k, v);
  if (!after) broken.push(`writes did not continue with the clocks skewed (none acknowledged within ${fmtS(sla.rtoMs)})`);
  if (prims.length !== 1) broken.push(`${prims.length} primaries after the skew (${prims.join(', ') || 'none'})`);
  if (broken.length) return ctx.fail(broken.join('; '));
}

/** HA-032: the primary's disk filled under the writer, then freed. */
async function diskFullExperiment(ctx: Ctx): Promise<void> {
  const t = ctx.target.topology;
  const sla = ctx.target.sla;
  const r = await begin(ctx, ['fill-disk', 'free-disk']);
  const node = t.nodes.find((n) => n.name === r.old) as TopologyNode;
  let full = false;
  ctx.defer(async () => {
    if (full) {
      full = false;
      const x = await r.act('free-disk', { node: r.old });
      r.phase('rollback', x.ok ? `${r.old}'s disk freed` : describeFailure(x));
    }
  });
  const f = await r.act('fill-disk', { node: r.old });
  full = true;
  if (!f.ok) return ctx.fail(`fault not injected: ${describeFailure(f)}`);
  const tFull = Date.now();
  r.phase('fault', `${r.old}'s disk filled (${f.stdout.trim().split('\n').pop() ?? ''})`);
  // A full disk must show within 5 s: a write refused, or the node refusing connections (the writer fills a table page in well under a second).
  const WINDOW_MS = 5_000;
  let refusedAt: number | undefined;
  let downSeen: string | undefined;
  while (Date.now() - tFull < WINDOW_MS) {
    const refused = r.writer.entries.find((e) => e.start >= tFull && e.outcome !== 'ack');
    const seen = await nodeState(node, 1_000);
    if (!seen.up) downSeen ??= seen.error ?? 'no answer';
    if (refused || !seen.up) {
      refusedAt = Math.min(refused?.end ?? Infinity, Date.now());
      break;
    }
    await sleep(POLL_MS, ctx.signal);
  }
  // Some more writes against the full disk, to see how they are refused.
  if (refusedAt !== undefined) await sleep(1_000, ctx.signal);
  const tFree = Date.now();
  const againstFull = r.writer.entries.filter((e) => e.start >= tFull && e.start < tFree);
  const refusals = countBy(againstFull.filter((e) => e.outcome !== 'ack'));
  const ackedInserts = againstFull.filter((e) => e.outcome === 'ack' && (e.op ?? 'insert') === 'insert').length;
  r.exp.timings.refusalMs = refusedAt === undefined ? null : refusedAt - tFull;
  r.phase('observation', refusedAt === undefined ? `${r.old} kept acknowledging writes for ${WINDOW_MS} ms with its disk full` : `writes refused ${refusedAt - tFull} ms after the disk filled: ${[...Object.entries(refusals).map(([k, v]) => `${v}× ${k}`), ...(downSeen ? [`${r.old} refuses connections (${downSeen})`] : [])].join(', ')}`);
  const fr = await r.act('free-disk', { node: r.old });
  full = false;
  if (!fr.ok) return ctx.fail(`could not free ${r.old}'s disk: ${describeFailure(fr)}`);
  r.phase('rollback', `${r.old}'s disk freed (${fr.stdout.trim().split('\n').pop() ?? ''})`);
  const after = await firstAckAfter(ctx, r.writer, Date.now(), sla.rtoMs);
  r.exp.timings.freeToAckMs = after ? after.end - tFree : null;
  r.phase('observation', after ? `writes acknowledged again (by ${r.nodeOf(after.port)}) ${after.end - tFree} ms after the disk was freed` : `no write acknowledged within ${sla.rtoMs} ms of freeing the disk`);
  await sleep(Math.min(ctx.target.steadyMs, 1_000), ctx.signal);
  const prims = await primaries(t, 1_500);
  const { verdict } = await finish(ctx, r, prims.join(', ') || 'the client DSN');
  r.exp.chaos = { writesAgainstFullDisk: countBy(againstFull), ackedInsertsAgainstFullDisk: ackedInserts, nodeDown: downSeen ?? null, primariesAfter: prims };
  for (const [k, v] of Object.entries(r.exp.timings)) ctx.metric(k, v);
  ctx.metric('refusedWrites', againstFull.filter((e) => e.outcome !== 'ack').length);
  ctx.metric('diskFullSqlstate53100', againstFull.filter((e) => e.error === '53100').length);
  if (refusedAt === undefined) return ctx.fail(`fault not injected: with its disk full ${r.old} kept acknowledging writes for ${WINDOW_MS / 1000} s (${ackedInserts} inserts acknowledged, none refused, the node never down)`);
  const broken = ledgerBreaches(verdict, sla);
  if (!after) broken.push(`${r.old} did not serve again after its disk was freed (no write acknowledged within ${fmtS(sla.rtoMs)})`);
  if (prims.length !== 1) broken.push(`${prims.length} primaries after the disk was freed (${prims.join(', ') || 'none'})`);
  if (broken.length) return ctx.fail(broken.join('; '));
}

/** HA-033: VACUUM then VACUUM (FULL) of the ledger on the primary, then its clean restart, all under the writer. */
async function vacuumRestartExperiment(ctx: Ctx): Promise<void> {
  const t = ctx.target.topology;
  const sla = ctx.target.sla;
  const r = await begin(ctx, ['stop', 'start']);
  let stopped = false;
  ctx.defer(async () => {
    if (stopped) {
      stopped = false;
      const x = await r.act('start', { node: r.old });
      r.phase('rollback', x.ok ? `${r.old} started` : describeFailure(x));
    }
  });
  const vacuum = async (sql: string): Promise<number> => {
    const c = await ctx.target.client.connect();
    const v0 = Date.now();
    try {
      const q = await within(c.query(`${sql} ${ctx.target.client.qualify(r.table)}`), 60_000);
      if (q.timedOut) return ctx.fail(`${sql} of the ledger did not finish within 60 s`);
      return Date.now() - v0;
    } finally {
      await closeClient(c);
    }
  };
  const vMs = await vacuum('VACUUM (ANALYZE)');
  r.phase('fault', `VACUUM (ANALYZE) of the ledger table on the primary (${vMs} ms): dead versions of updated and deleted rows removed, their space free for new rows`);
  await sleep(500, ctx.signal);
  const fMs = await vacuum('VACUUM (FULL)');
  r.phase('fault', `VACUUM (FULL) of the ledger table (${fMs} ms): the table and its index rewritten`);
  await sleep(500, ctx.signal);
  const tf = Date.now();
  const s = await r.act('stop', { node: r.old });
  stopped = true;
  if (!s.ok) return ctx.fail(`fault not injected: ${describeFailure(s)}`);
  const st = await r.act('start', { node: r.old });
  if (!st.ok) return ctx.fail(`could not start ${r.old} again: ${describeFailure(st)}`);
  stopped = false;
  r.phase('fault', `${r.old} restarted cleanly (stop ${s.ms} ms, start ${st.ms} ms; nobody promoted)`);
  const after = await firstAckAfter(ctx, r.writer, tf, sla.rtoMs);
  r.exp.timings.restartToAckMs = after ? after.end - tf : null;
  r.phase('observation', after ? `writes acknowledged again (by ${r.nodeOf(after.port)}) ${after.end - tf} ms after the stop` : `no write acknowledged within ${sla.rtoMs} ms of the restart`);
  await sleep(Math.min(ctx.target.steadyMs, 1_000), ctx.signal);
  const prims = await primaries(t, 1_500);
  const { verdict } = await finish(ctx, r, prims.join(', ') || 'the client DSN');
  r.exp.chaos = { vacuumMs: vMs, vacuumFullMs: fMs, primariesAfter: prims };
  ctx.metric('vacuumFullMs', fMs);
  for (const [k, v] of Object.entries(r.exp.timings)) ctx.metric(k, v);
  const broken = ledgerBreaches(verdict, sla);
  if (!after) broken.push(`writes did not continue after the restart (none acknowledged within ${fmtS(sla.rtoMs)})`);
  if (prims.length !== 1) broken.push(`${prims.length} primaries after the restart (${prims.join(', ') || 'none'})`);
  if (broken.length) return ctx.fail(broken.join('; '));
}

/** HA-030: a frozen primary (SIGSTOP) loses no acknowledged write, is seen down, and serves again when thawed. */
export const primaryPause = defineCase<HaDrTarget>({
  id: 'HA-030',
  title: 'the primary is frozen (process pause) under write load for longer than the detection SLA, then resumed: it is seen down, its commits time out (in doubt) rather than being acknowledged and lost, writes continue after the resume, and no two nodes acknowledge writes at once',
  priority: 'p1',
  area: 'chaos',
  since: '0.1.0',
  spec: 'heliosdb-test-framework-design.txt §9 (process pause)',
  destructive: true,
  timeoutMs: 120_000,
  run: pauseExperiment,
});

/** HA-031: clock skew on a standby and on the primary: replication, writes and a failover go on, nothing acknowledged lost. */
export const clockSkew = defineCase<HaDrTarget>({
  id: 'HA-031',
  title: "a standby's clock is skewed +30 s and the primary's −30 s under write load (observed in each node's now()): writes and replication continue, a failover (kill of the skewed primary) still works, no acknowledged write lost, no deleted row back, no updated row stale; the clocks are restored after",
  priority: 'p1',
  area: 'chaos',
  since: '0.1.0',
  spec: 'heliosdb-test-framework-design.txt §9 (clock skew)',
  destructive: true,
  timeoutMs: 150_000,
  run: skewExperiment,
});

/** HA-032: a full disk on the primary refuses writes cleanly, loses nothing acknowledged, and serves again once freed. */
export const diskFull = defineCase<HaDrTarget>({
  id: 'HA-032',
  title: "the primary's disk fills up under write load: writes are refused (disk full, or the node goes down) rather than acknowledged and lost; once space is freed it serves again with every acknowledged write, no deleted row back, no updated row stale, no refused write applied",
  priority: 'p1',
  area: 'chaos',
  since: '0.1.0',
  spec: 'heliosdb-test-framework-design.txt §9 (disk full)',
  destructive: true,
  timeoutMs: 150_000,
  run: diskFullExperiment,
});

/** HA-033: integrity after VACUUM, VACUUM (FULL) and a clean restart of the primary. */
export const vacuumRestartIntegrity = defineCase<HaDrTarget>({
  id: 'HA-033',
  title: 'VACUUM and VACUUM (FULL) of a table under inserts, updates and deletes, then a clean restart of the primary: no deleted row comes back, every updated row reads its last acknowledged version, no acknowledged insert is lost',
  priority: 'p0',
  area: 'chaos',
  since: '0.1.0',
  spec: 'heliosdb-test-framework-design.txt §5 (data integrity after VACUUM and restart)',
  destructive: true,
  timeoutMs: 120_000,
  run: vacuumRestartExperiment,
});
