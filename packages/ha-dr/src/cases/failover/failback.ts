// TC-AF-005, failback and reintegration, as one experiment: the failover of TC-AF-002 (steady state
// → kill → promote → ledger read back), then the old primary is started again under write load and
// must rejoin as a standby that has every acknowledged write (read back on that node), then a
// planned switchover back to it (writers stopped, its WAL position equal to the primary's, the
// interim primary stopped, the old one promoted, the interim one started so it rejoins in turn) with
// the writers on again. Reintegration and failback are timed against the SLA; nothing acknowledged
// may be lost, come back after a delete or go stale across both moves.
import { defineCase } from '@helios-conformance/core';
import { sleep } from '@helios-conformance/sql';
import { closeClient } from '@helios-conformance/sql/postgres';
import { describeFailure } from '../../actions.js';
import { clusterState, nodeState } from '../../_internal/nodes.js';
import { asOfRead, judgeLedger, readRows, readRowsOnNode, timeline, type LedgerEntry, type Writer } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import { describeLedger, fmtS, ledgerBreaches, POLL_MS, runFailover, summarize, type Ctx } from './failover.js';

/** A WAL position as PostgreSQL prints it (`0/3000148`). */
const lsnText = (l: bigint): string => `${(l >> 32n).toString(16).toUpperCase()}/${(l & 0xffffffffn).toString(16).toUpperCase()}`;

/** Outcome of waiting for a node to rejoin: when it was a caught-up standby, or what it last looked like. */
type Rejoin = { at: number; polls: number } | { at: undefined; last: string; sawPrimary: boolean };

/**
 * Polls `node` until it answers as a standby (pg_is_in_recovery()) whose copy of the ledger has every
 * write acknowledged before each read (writes answered during a read, or in flight, may or may not
 * be in it), or until `deadline`. Rows in `skip` were already judged on the primary.
 */
async function awaitRejoin(ctx: Ctx, node: string, table: string, writer: Writer, skip: ReadonlySet<number>, deadline: number): Promise<Rejoin> {
  const t = ctx.target.topology;
  const n = t.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`node ${node} is not in the topology`);
  let last = 'not looked at yet';
  let sawPrimary = false;
  let polls = 0;
  while (Date.now() < deadline) {
    polls++;
    const s = await nodeState(n, 1_500);
    if (!s.up) last = `it does not answer (${s.error ?? 'down'})`;
    else if (s.primary) {
      sawPrimary = true;
      last = 'it answers as a primary (pg_is_in_recovery() = false)';
    } else {
      const readStart = Date.now();
      try {
        const rows = await readRowsOnNode(n.dsn, table, 5_000);
        const view = asOfRead(writer.entries, writer.pending(), readStart).filter((e) => !skip.has(e.id));
        const v = judgeLedger(view, rows);
        if (!v.lost.length && !v.resurrected.length && !v.stale.length) return { at: Date.now(), polls };
        last = `it is a standby but, as of its last read, misses ${v.lost.length} acknowledged inserts, still has ${v.resurrected.length} deleted rows and ${v.stale.length} rows older than their last acknowledged update`;
      } catch (e) {
        last = `it is a standby but reading the ledger there failed (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`;
      }
    }
    await sleep(POLL_MS, ctx.signal);
  }
  return { at: undefined, last, sawPrimary };
}

async function failbackExperiment(ctx: Ctx): Promise<void> {
  const t = ctx.target.topology;
  const sla = ctx.target.sla;
  const f = await runFailover(ctx, { isolate: false, extraActions: ['start', 'stop', 'promote'] });
  const { exp, writer, old, phase, act, nodeOf } = f;
  const broken = [...f.broken];
  const interim = f.elected;
  if (interim === undefined || !f.verdict) return ctx.fail([...broken, 'no new primary acknowledged a write after the failover: nothing to fail back from'].join('; '));
  const qualified = ctx.target.client.qualify(f.table);
  // Rows the failover already found lost, back or stale are reported there; the rest is judged again.
  const judged = new Set([...f.verdict.lost, ...f.verdict.resurrected, ...f.verdict.stale.map((x) => x.id), ...f.verdict.phantoms]);
  const onlyNew = (entries: readonly LedgerEntry[]): LedgerEntry[] => entries.filter((e) => !judged.has(e.id));
  // Whatever happens below: the writers stop, and a node this case stopped is started again (the
  // failover's own rollback, which runs after this one, starts the old primary if it is down).
  ctx.defer(async () => {
    await writer.stop();
    const down = (await clusterState(t)).filter((s) => !s.up && s.node === interim);
    for (const s of down) {
      const r = await act('start', { node: s.node });
      phase('rollback', r.ok ? `${s.node} started again` : describeFailure(r));
    }
  });
  // The failback, from the old primary's start to its first acknowledged write as primary, within the SLA.
  const deadline = Math.min(Date.now() + sla.failbackMs, ctx.deadline - 25_000);

  // Reintegration: the old primary started again while the writers go on.
  writer.resume();
  const ts = Date.now();
  const start = await act('start', { node: old });
  if (!start.ok) return ctx.fail([...broken, `the old primary ${old} could not be started: ${describeFailure(start)}`].join('; '));
  phase('reintegration', `${old} started again (${start.ms} ms): ${(start.stdout.trim().split('\n').pop() ?? '').slice(0, 200)}`);
  const rejoin = await awaitRejoin(ctx, old, qualified, writer, judged, deadline);
  exp.timings.reintegrationMs = rejoin.at === undefined ? null : rejoin.at - ts;
  ctx.metric('reintegrationMs', exp.timings.reintegrationMs);
  if (rejoin.at === undefined) {
    phase('reintegration', `${old} did not rejoin within ${fmtS(deadline - ts)}: ${rejoin.last}`);
    return ctx.fail(
      [...broken, `${old} did not rejoin as a caught-up standby within ${fmtS(deadline - ts)} of its start (failback SLA ${fmtS(sla.failbackMs)}): ${rejoin.last}${rejoin.sawPrimary && !rejoin.last.includes('primary') ? '; it answered as a primary meanwhile' : ''}`].join('; '),
    );
  }
  phase('reintegration', `${old} is a standby with every acknowledged write ${rejoin.at - ts} ms after its start`);
  const strays = writer.entries.filter((e) => e.outcome === 'ack' && e.start >= ts && nodeOf(e.port) !== interim);
  if (strays.length) broken.push(`split brain: while ${old} rejoined, ${strays.length} writes were acknowledged by ${[...new Set(strays.map((e) => nodeOf(e.port)))].join(', ')} instead of the primary ${interim}`);

  // Switchover back, planned: writers stopped, the old primary has all of the interim's WAL.
  const tsw = Date.now();
  await writer.stop();
  const oldNode = t.nodes.find((n) => n.name === old);
  const interimNode = t.nodes.find((n) => n.name === interim);
  if (!oldNode || !interimNode) throw new Error('the failover named a node the topology does not have');
  let synced: string | undefined;
  let lastLsn = '';
  while (Date.now() < Math.min(deadline, tsw + 30_000)) {
    const [p, s] = await Promise.all([nodeState(interimNode), nodeState(oldNode)]);
    if (p.up && p.primary && s.up && !s.primary && p.lsn !== undefined && s.lsn !== undefined) {
      lastLsn = `${old} at ${lsnText(s.lsn)}, ${interim} at ${lsnText(p.lsn)}`;
      if (s.lsn >= p.lsn) {
        synced = lastLsn;
        break;
      }
    } else lastLsn = `${interim}: ${p.up ? (p.primary ? 'primary' : 'standby') : p.error}; ${old}: ${s.up ? (s.primary ? 'primary' : 'standby') : s.error}`;
    await sleep(POLL_MS, ctx.signal);
  }
  if (!synced) return ctx.fail([...broken, `switchover not started: ${old} did not reach ${interim}'s WAL position once the writers stopped (${lastLsn})`].join('; '));
  phase('switchover', `writers stopped; ${old} has all of ${interim}'s WAL (${synced}) after ${Date.now() - tsw} ms`);
  if (t.failover === 'manual') {
    const stop = await act('stop', { node: interim });
    if (!stop.ok) return ctx.fail([...broken, `switchover: stopping ${interim} failed: ${describeFailure(stop)}`].join('; '));
    phase('switchover', `${interim} stopped`);
  } else {
    // failover automatic: stopping the leader would start an election the suite does not control;
    // `promote` is the cluster's own planned switchover (e.g. patronictl switchover), which demotes the interim primary.
    phase('switchover', `${interim} left running: the cluster's planned switchover demotes it`);
  }
  const tp = Date.now();
  const promote = await act('promote', { node: old });
  if (!promote.ok) return ctx.fail([...broken, `switchover: promoting ${old} failed: ${describeFailure(promote)}`].join('; '));
  let primaryAt: number | undefined;
  // Looked at once at least: a planned switchover (failover automatic) returns only once it is done,
  // which can take longer than this window on a loaded machine.
  do {
    const s = await nodeState(oldNode, 1_000);
    if (s.up && s.primary) {
      primaryAt = Date.now();
      break;
    }
    await sleep(POLL_MS, ctx.signal);
  } while (Date.now() < Math.min(deadline, tp + Math.max(sla.electionMs * 2, 5_000)));
  if (primaryAt === undefined) return ctx.fail([...broken, `switchover: ${old} was promoted but does not answer as primary`].join('; '));
  exp.timings.switchoverPromoteMs = primaryAt - tp;
  phase('switchover', `${old} is primary again ${primaryAt - tp} ms after its promotion; writers on again`);
  writer.resume();
  const tr = Date.now();
  const restart = await act('start', { node: interim });
  if (!restart.ok) broken.push(`switchover: ${interim} could not be started again: ${describeFailure(restart)}`);
  else phase('switchover', `${interim} started again (${restart.ms} ms): ${(restart.stdout.trim().split('\n').pop() ?? '').slice(0, 200)}`);

  let firstAck: LedgerEntry | undefined;
  while (Date.now() < deadline) {
    firstAck = writer.entries.find((e) => e.outcome === 'ack' && e.start >= tp && nodeOf(e.port) === old);
    if (firstAck) break;
    await sleep(POLL_MS, ctx.signal);
  }
  exp.timings.failbackMs = firstAck ? firstAck.end - ts : null;
  exp.timings.switchoverMs = firstAck ? firstAck.end - tsw : null;
  ctx.metric('failbackMs', exp.timings.failbackMs);
  ctx.metric('switchoverMs', exp.timings.switchoverMs);
  phase('switchover', firstAck ? `first write acknowledged by ${old} ${firstAck.end - tsw} ms after the writers stopped, ${firstAck.end - ts} ms after ${old} was started again` : `no write acknowledged by ${old} within the failback SLA`);

  if (restart.ok) {
    const back = await awaitRejoin(ctx, interim, qualified, writer, judged, Math.max(Date.now() + 5_000, deadline));
    exp.timings.interimRejoinMs = back.at === undefined ? null : back.at - tr;
    ctx.metric('interimRejoinMs', exp.timings.interimRejoinMs);
    if (back.at === undefined) broken.push(`${interim} did not rejoin as a caught-up standby of ${old} after the switchover: ${back.last}`);
    else phase('switchover', `${interim} is a standby of ${old} with every acknowledged write ${back.at - tr} ms after its start`);
  }

  await sleep(Math.min(ctx.target.steadyMs, 1_000), ctx.signal);
  const entries = [...(await writer.stop())];
  exp.timeline = timeline(entries, f.t0, nodeOf);
  const overlap = firstAck ? entries.filter((e) => e.outcome === 'ack' && e.start > (firstAck as LedgerEntry).end && nodeOf(e.port) !== old) : [];
  if (overlap.length) broken.push(`split brain: after ${old} acknowledged its first write as primary again, ${overlap.length} writes were acknowledged by ${[...new Set(overlap.map((e) => nodeOf(e.port)))].join(', ')}`);
  const rows = await rowsOf(ctx, f.table);
  const all = judgeLedger(entries, rows);
  exp.ledgerAfterFailback = summarize(all);
  phase('observation', `after the failback, ${describeLedger(all, old)}`);
  ctx.metric('ackedWrites', all.acked);
  ctx.metric('lostAckedWrites', all.lost.length);
  ctx.metric('resurrectedRows', all.resurrected.length);
  ctx.metric('staleRows', all.stale.length);
  ctx.metric('inDoubtWrites', all.inDoubt);
  // Counted once: what the failover already lost is in its own message above.
  broken.push(...ledgerBreaches(judgeLedger(onlyNew(entries), rows), sla, ' after the failback'));
  if (exp.timings.failbackMs == null || exp.timings.failbackMs > sla.failbackMs) broken.push(`failback ${fmtS(exp.timings.failbackMs)} (SLA ${fmtS(sla.failbackMs)})`);
  phase('rollback', `nothing to undo: ${old} is primary again${restart.ok ? `, ${interim} its standby` : ''}`);
  if (broken.length) return ctx.fail(broken.join('; '));
}

/** The ledger table's rows through the client DSN (the primary). */
async function rowsOf(ctx: Ctx, table: string): Promise<Map<number, number>> {
  const c = await ctx.target.client.connect();
  try {
    return await readRows(c, ctx.target.client.qualify(table));
  } finally {
    await closeClient(c);
  }
}

/** TC-AF-005: failback and reintegration. */
export const failbackReintegration = defineCase<HaDrTarget>({
  id: 'TC-AF-005',
  title: 'after a failover the old primary rejoins as a standby with every acknowledged write, then a planned switchover makes it primary again under write load: reintegration and failback timed against the SLA, nothing acknowledged lost across both moves',
  priority: 'p1',
  area: 'failover',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-AF-005 (failback < 5 min)',
  destructive: true,
  // The failback SLA (5 min by default) must be able to expire before the case deadline does.
  timeoutMs: 420_000,
  run: failbackExperiment,
});
