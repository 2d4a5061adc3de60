// TC-AF-003, cascading failures, as one experiment: steady state (one primary, every other node
// streaming, the ledger's writers through the client DSN) → fault, step by step: the standbys are
// killed one after another (in reverse topology order), then the primary → observation after each
// step: while at least `quorum` nodes are up (default a majority of the topology's nodes; a sync
// `ANY 1` cluster of three is exactly that) writes sent after the step must be acknowledged again
// within the cascade-recovery SLA (seed: < 10 s per node); below it they must be refused cleanly — errors, or client-deadline timeouts counted
// as in doubt, never an acknowledgement (that write would live on fewer nodes than the cluster
// promises) → rollback: the nodes are started again in reverse order, the cluster must serve again
// once the quorum is back, and the ledger read back then must have every acknowledged write, no
// deleted row back and no stale row.
import { defineCase } from '@helios-conformance/core';
import { settle, sleep, within } from '@helios-conformance/sql';
import { closeClient } from '@helios-conformance/sql/postgres';
import { describeFailure } from '../../actions.js';
import { nodeState } from '../../_internal/nodes.js';
import { createLedger, readBack, startWriter, timeline, type LedgerEntry, type Writer } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import { describeLedger, fmtS, ledgerBreaches, POLL_MS, requireActions, summarize, type Ctx, type Experiment } from './failover.js';
import { awaitOnePrimary, beginExperiment, describeRoles, type RoleState } from './split-brain.js';

/** How long a step below the quorum is watched: the writers' deadline (2 s) turns a hung commit into in-doubt within it. */
export const REFUSE_WINDOW_MS = 3_000;
const WRITER_DEADLINE_MS = 2_000;

/** One kill or start of the cascade, as the report shows it (`sections.hadr['TC-AF-003'].steps[]`). */
export interface CascadeStep {
  action: 'kill' | 'start';
  node: string;
  /** ms after the case began, when the action had returned. */
  at: number;
  /** Nodes up after the step, and what the cluster must then do. */
  up: number;
  expect: 'serve' | 'refuse';
  /** Writes acknowledged in the whole run before the step. */
  acksBefore: number;
  /** Writes sent after the step and acknowledged while it was watched, per node. */
  acksAfter: number;
  acksAfterByNode: Record<string, number>;
  /** The first write after the step that was not acknowledged: ms after the step, its SQLSTATE or error. */
  firstRefusal: { afterMs: number; error: string } | null;
  /** Step → first acknowledged write sent after it (serve steps). */
  resumeMs: number | null;
}

async function cascadeExperiment(ctx: Ctx): Promise<void> {
  const t = ctx.target.topology;
  const sla = ctx.target.sla;
  requireActions(ctx, ['kill', 'start']);
  const n = t.nodes.length;
  const quorum = ctx.target.quorum ?? Math.floor(n / 2) + 1;
  const { exp, t0, phase, act, nodeOf } = beginExperiment(ctx);
  const steps: CascadeStep[] = [];
  (exp as Experiment & { steps?: CascadeStep[]; quorum?: number }).steps = steps;
  (exp as Experiment & { quorum?: number }).quorum = quorum;

  const steady = await awaitOnePrimary(ctx, Date.now() + 15_000);
  if (!steady.ok) return ctx.fail(`steady state not reached: not exactly one primary with every other node streaming (${describeRoles(steady.last)})`);
  const primary = (steady.last.find((s) => s.primary) as RoleState).node;
  // Standbys first (last in the topology first), the primary last: the cluster keeps a primary as
  // long as it can, so every step below the quorum is a primary that must refuse.
  const order = [...t.nodes.map((x) => x.name).filter((x) => x !== primary).reverse(), primary];
  const table = 'ledger_tc_af_003';
  await createLedger(ctx.target.client, table);
  const writer: Writer = startWriter(ctx.target.client, table, { clients: ctx.target.writers, opTimeoutMs: WRITER_DEADLINE_MS, random: () => ctx.rng.next() });
  const down: string[] = [];
  // Rollback, whatever happened: the writers stop, every node this case killed is started again (last killed first).
  ctx.defer(async () => {
    await writer.stop();
    for (const node of [...down].reverse()) {
      const r = await act('start', { node });
      phase('rollback', r.ok ? `${node} started again` : describeFailure(r));
    }
  });
  phase('steady state', `primary ${primary}; ${ctx.target.writers} writers through the client DSN; quorum ${quorum} of ${n} nodes (${ctx.target.quorum === undefined ? 'a majority' : '--quorum'}); kill order ${order.join(', ')}, then started again in reverse`);
  await sleep(ctx.target.steadyMs, ctx.signal);
  const steadyAcks = writer.entries.filter((e) => e.outcome === 'ack');
  if (!steadyAcks.length) return ctx.fail(`steady state not reached: no write acknowledged in ${ctx.target.steadyMs} ms through the client DSN (${writer.entries.at(-1)?.error ?? 'no attempt finished'})`);

  const broken: string[] = [];
  const acks = (): number => writer.entries.filter((e) => e.outcome === 'ack').length;
  const step = async (action: 'kill' | 'start', node: string): Promise<CascadeStep | undefined> => {
    const acksBefore = acks();
    const r = await act(action, { node });
    if (!r.ok) {
      broken.push(action === 'kill' ? `fault not injected: ${describeFailure(r)}` : `${node} could not be started again: ${describeFailure(r)}`);
      return undefined;
    }
    if (action === 'kill') {
      // The fault must have happened: the node no longer answers.
      const nd = t.nodes.find((x) => x.name === node);
      let gone = false;
      for (const until = Date.now() + 5_000; !gone && Date.now() < until; ) {
        gone = !(nd && (await nodeState(nd, 1_000)).up);
        if (!gone) await sleep(POLL_MS, ctx.signal);
      }
      if (!gone) {
        broken.push(`fault not injected: ${node} still answers 5 s after its kill action returned`);
        return undefined;
      }
      down.push(node);
    } else down.splice(down.indexOf(node), 1);
    const te = Date.now();
    const up = n - down.length;
    const s: CascadeStep = { action, node, at: te - t0, up, expect: up >= quorum ? 'serve' : 'refuse', acksBefore, acksAfter: 0, acksAfterByNode: {}, firstRefusal: null, resumeMs: null };
    steps.push(s);
    const what = `${action === 'kill' ? 'killing' : 'starting'} ${node} (${up} of ${n} nodes up, quorum ${quorum})`;
    const sent = (e: LedgerEntry): boolean => e.start >= te;
    if (s.expect === 'serve') {
      let first: LedgerEntry | undefined;
      // Waited for up to twice the SLA, so that a miss is measured, not only reported.
      const until = Math.min(te + 2 * sla.cascadeRecoveryMs, ctx.deadline - 20_000);
      while (Date.now() < until) {
        first = writer.entries.find((e) => e.outcome === 'ack' && sent(e));
        if (first) break;
        await sleep(POLL_MS, ctx.signal);
      }
      s.resumeMs = first ? first.end - te : null;
      // Acks keep coming: half a second's worth to count.
      if (first) await sleep(500, ctx.signal);
      if (!first) broken.push(`after ${what} no write sent afterwards was acknowledged within ${fmtS(until - te)} (cascade recovery SLA ${fmtS(sla.cascadeRecoveryMs)}): the cluster must keep serving while the quorum holds`);
    } else if (up > 0) {
      await sleep(REFUSE_WINDOW_MS, ctx.signal);
    }
    const after = writer.entries.filter((e) => sent(e) && e.outcome === 'ack');
    s.acksAfter = after.length;
    for (const e of after) s.acksAfterByNode[nodeOf(e.port)] = (s.acksAfterByNode[nodeOf(e.port)] ?? 0) + 1;
    const refused = writer.entries.find((e) => e.end >= te && e.outcome !== 'ack');
    if (refused) s.firstRefusal = { afterMs: refused.end - te, error: `${refused.outcome}: ${refused.error ?? '?'}` };
    else if (s.expect === 'refuse') s.firstRefusal = await refusalOfNewSession(ctx, te);
    if (s.expect === 'refuse' && after.length) {
      const ids = after.slice(0, 5).map((e) => e.id).join(', ');
      broken.push(
        `after ${what}, ${after.length} writes sent afterwards were acknowledged (by ${Object.entries(s.acksAfterByNode).map(([k, v]) => `${k} ${v}`).join(', ')}; ids ${ids}${after.length > 5 ? ', …' : ''}): below the quorum writes must be refused, an acknowledged one lives on fewer nodes than the cluster promises`,
      );
    }
    phase(
      action === 'kill' ? 'fault' : 'rollback',
      `${action} ${node}: ${up} of ${n} up, must ${s.expect}; ${s.acksAfter} writes sent afterwards acknowledged${s.resumeMs !== null ? ` (first after ${s.resumeMs} ms)` : ''}${s.firstRefusal ? `; first refusal after ${s.firstRefusal.afterMs} ms: ${s.firstRefusal.error}` : ''}`,
    );
    return s;
  };

  for (const [i, node] of order.entries()) {
    const s = await step('kill', node);
    if (!s) break;
    // Once a kill has shown a wrong answer, more kills only add downtime: the nodes are started again.
    if (broken.length && i < order.length - 1) {
      phase('fault', `kills of ${order.slice(i + 1).join(', ')} skipped: the cascade has already failed`);
      break;
    }
  }
  for (const node of [...down].reverse()) {
    if (!(await step('start', node))) break;
  }
  const back = await awaitOnePrimary(ctx, Date.now() + 15_000);
  if (!back.ok) broken.push(`after every node was started again: not exactly one primary with every other node streaming (${describeRoles(back.last)})`);
  else phase('rollback', `every node up again: primary ${back.last.find((s) => s.primary)?.node}, the others streaming`);

  await sleep(Math.min(ctx.target.steadyMs, 1_000), ctx.signal);
  const entries = [...(await writer.stop())];
  exp.timeline = timeline(entries, t0, nodeOf);
  try {
    const v = await readBack(ctx.target.client, table, entries);
    exp.ledger = summarize(v);
    phase('observation', describeLedger(v, back.last.find((s) => s.primary)?.node ?? 'the primary'));
    broken.push(...ledgerBreaches(v, sla, ' after the cascade'));
    ctx.metric('ackedWrites', v.acked);
    ctx.metric('lostAckedWrites', v.lost.length);
    ctx.metric('resurrectedRows', v.resurrected.length);
    ctx.metric('staleRows', v.stale.length);
    ctx.metric('inDoubtWrites', v.inDoubt);
    ctx.metric('failedWrites', v.failed);
  } catch (e) {
    broken.push(`the ledger could not be read back after the cascade (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
  }
  ctx.metric('steps', steps.length);
  ctx.metric('acksWithoutQuorum', steps.filter((s) => s.expect === 'refuse').reduce((a, s) => a + s.acksAfter, 0));
  const resumes = steps.map((s) => s.resumeMs).filter((x): x is number => x !== null);
  ctx.metric('maxResumeMs', resumes.length ? Math.max(...resumes) : null);
  ctx.metric('firstRefusal', steps.find((s) => s.expect === 'refuse')?.firstRefusal?.error ?? null);
  const late = steps.filter((s) => s.resumeMs !== null && s.resumeMs > sla.cascadeRecoveryMs);
  for (const s of late) broken.push(`after ${s.action} ${s.node} writes resumed only after ${fmtS(s.resumeMs)} (cascade recovery SLA ${fmtS(sla.cascadeRecoveryMs)} per node)`);
  if (broken.length) return ctx.fail(broken.join('; '));
}

/** No write of the ledger ended after `since`: how a new session through the client DSN is refused now. */
async function refusalOfNewSession(ctx: Ctx, since: number): Promise<{ afterMs: number; error: string } | null> {
  const r = await within(settle(ctx.target.client.connect()), WRITER_DEADLINE_MS);
  if (r.timedOut) return { afterMs: Date.now() - since, error: `new session: no answer within ${WRITER_DEADLINE_MS} ms` };
  if (!r.value.ok) {
    const e = r.value.error as { code?: unknown; message?: unknown };
    return { afterMs: Date.now() - since, error: `new session: ${typeof e.code === 'string' ? `${e.code} ` : ''}${String(e.message ?? e).split('\n')[0]}` };
  }
  await closeClient(r.value.value, 500);
  return null;
}

/** TC-AF-003: cascading failures. */
export const cascadingFailures = defineCase<HaDrTarget>({
  id: 'TC-AF-003',
  title:
    'cascading failures: nodes are killed one after another under write load (standbys first, then the primary); while a quorum is up writes are acknowledged again within the cascade-recovery SLA (< 10 s per node), below it they are refused cleanly (never acknowledged); started again in reverse order the cluster serves with every acknowledged write, no deleted row back, no stale row',
  priority: 'p0',
  area: 'failover',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-AF-003 (serve while quorum holds; refuse writes cleanly without it)',
  destructive: true,
  timeoutMs: 600_000,
  run: cascadeExperiment,
});
