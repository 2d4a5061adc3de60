// TC-BR-002, point-in-time recovery judged by markers. One client commits a marker every few ms
// through the client DSN (the ledger: each marker's send and acknowledgement times on the suite's
// clock). After a full backup, the markers run on for a window; several target times T are taken
// inside it; each is restored with `restore time:<T>` into a throwaway server and read back.
//
// Which clock: the suite's. T is chosen on the suite's clock and handed to the cluster converted to
// the server's clock (the offset is measured with clock_timestamp() round trips before the window);
// recovery stops by commit timestamps, which are the server's clock. A marker acknowledged at or
// before T − u (u: the offset's uncertainty, half the best round trip, plus 1 ms of timestamp
// rounding) committed before T and must be present; a marker sent after T + u committed after T and
// must be absent; a marker whose [sent, acknowledged] window meets [T − u, T + u] is in doubt near T
// and counted apart, as are markers the ledger itself holds in doubt.
import { defineCase, type CaseContext } from '@helios-conformance/core';
import { sleep } from '@helios-conformance/sql';
import { closeClient } from '@helios-conformance/sql/postgres';
import { describeFailure } from '../../actions.js';
import { createLedger, startWriter, type LedgerEntry } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import { lastLine, requireActions, restoreAndRead, start } from './backup.js';

type Ctx = CaseContext<HaDrTarget>;

/** One target time and what its restore held. */
export interface PitrPoint {
  /** T on the suite's clock (ISO) and as handed to `restore` (the server's clock). */
  at: string;
  target: string;
  restoreMs: number | null;
  /** Markers acknowledged by T − u, and those of them missing. */
  before: number;
  missing: number[];
  /** Markers sent after T + u, and those of them present. */
  after: number;
  extra: number[];
  /** Markers in doubt near T (window meets T ± u, or the ledger's own in-doubt), and how many the restore holds. */
  inDoubt: number;
  inDoubtPresent: number;
  /** Failed markers present. */
  phantoms: number[];
  /** T − acknowledgement of the newest marker present that was acknowledged by T (ms), and sending of the oldest acknowledged marker absent − T. */
  lastPresentBeforeMs: number | null;
  firstAbsentAfterMs: number | null;
  error?: string;
}

/** The server's clock minus the suite's (ms), and its uncertainty: the best of a few round trips. */
export async function clockOffset(ctx: Ctx, samples = 5): Promise<{ offsetMs: number; uncertaintyMs: number }> {
  const c = await ctx.target.client.connect();
  try {
    let best: { offsetMs: number; uncertaintyMs: number } | undefined;
    for (let i = 0; i < samples; i++) {
      const t0 = Date.now();
      const r = await c.query<{ ms: string }>(`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8::text AS ms`);
      const t1 = Date.now();
      const server = Number(r.rows[0]?.ms);
      const u = (t1 - t0) / 2;
      if (!best || u < best.uncertaintyMs) best = { offsetMs: server - (t0 + t1) / 2, uncertaintyMs: u };
    }
    return best!;
  } finally {
    await closeClient(c);
  }
}

/** Judges one restore at T (suite clock) against the ledger. */
export function judgePitr(entries: readonly LedgerEntry[], ids: Set<number>, t: number, u: number): Omit<PitrPoint, 'at' | 'target' | 'restoreMs' | 'error'> {
  const acked = entries.filter((e) => e.outcome === 'ack');
  // +1: Date.now() truncates, the real acknowledgement came up to 1 ms later.
  const before = acked.filter((e) => e.end + 1 <= t - u);
  const after = acked.filter((e) => e.start > t + u);
  const doubt = entries.filter((e) => e.outcome === 'in-doubt' || (e.outcome === 'ack' && !(e.end + 1 <= t - u) && !(e.start > t + u)));
  const present = acked.filter((e) => ids.has(e.id) && e.end <= t);
  const absent = acked.filter((e) => !ids.has(e.id) && e.start >= t);
  return {
    before: before.length,
    missing: before.filter((e) => !ids.has(e.id)).map((e) => e.id),
    after: after.length,
    extra: after.filter((e) => ids.has(e.id)).map((e) => e.id),
    inDoubt: doubt.length,
    inDoubtPresent: doubt.filter((e) => ids.has(e.id)).length,
    phantoms: entries.filter((e) => e.outcome === 'failed' && ids.has(e.id)).map((e) => e.id),
    lastPresentBeforeMs: present.length ? t - Math.max(...present.map((e) => e.end)) : null,
    firstAbsentAfterMs: absent.length ? Math.min(...absent.map((e) => e.start)) - t : null,
  };
}

/** TC-BR-002: restore to several times T inside a window of markers committed every few ms. */
export const pointInTimeRecovery = defineCase<HaDrTarget>({
  id: 'TC-BR-002',
  title: 'point-in-time recovery to several times T inside a window of markers committed every few ms: each restore holds every marker acknowledged before T and none sent after it; the accuracy achieved and the restore time are reported against the SLAs',
  priority: 'p0',
  area: 'backup',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-BR-002',
  destructive: true,
  timeoutMs: 600_000,
  async run(ctx) {
    requireActions(ctx, ['backup', 'restore']);
    const { rep, phase, act } = start(ctx);
    const table = 'markers_tc_br_002';
    await createLedger(ctx.target.client, table);
    const qualified = ctx.target.client.qualify(table);
    const clock = await clockOffset(ctx);
    const u = clock.uncertaintyMs + 1;
    rep.clock = { source: 'suite clock for T and the markers; T handed to restore on the server clock', offsetMs: Math.round(clock.offsetMs * 10) / 10, uncertaintyMs: u };
    const writer = startWriter(ctx.target.client, table, { clients: 1, paceMs: 5, updateShare: 0, deleteShare: 0 });
    let writerStopped = false;
    ctx.defer(async () => {
      if (!writerStopped) await writer.stop();
    });
    const targets = ctx.target.pitrTargets;
    // Each T at least 300 ms after the previous one and after the base backup: several markers between.
    const stepMs = Math.max(300, Math.min(ctx.target.steadyMs, 2_000) / targets);
    phase('steady state', `one marker writer (a commit every ~5 ms) through the client DSN; clock offset server − suite ${rep.clock ? (rep.clock as { offsetMs: number }).offsetMs : 0} ms ± ${u} ms`);
    await sleep(200, ctx.signal);
    const base = await act('backup', { kind: 'full' });
    if (!base.ok) return ctx.fail(`steady state not reached: backup full failed: ${describeFailure(base)}`);
    const times: number[] = [];
    for (let i = 0; i < targets; i++) {
      await sleep(stepMs, ctx.signal);
      times.push(Date.now());
    }
    await sleep(stepMs, ctx.signal);
    const entries: readonly LedgerEntry[] = await writer.stop();
    writerStopped = true;
    // A backup after the window: the archive then holds the WAL past the last T (a backup waits for
    // its WAL to be archived), without the suite reaching into the server to switch WAL.
    const closing = await act('backup', { kind: 'incr' });
    if (!closing.ok) return ctx.fail(`backup incr after the window failed (the archive may lack the window's WAL): ${describeFailure(closing)}`);
    const acked = entries.filter((e) => e.outcome === 'ack').length;
    phase('fault', `backup full ${lastLine(base.stdout)} (${base.ms} ms), then ${acked} markers acknowledged; ${targets} target times ${Math.round(stepMs)} ms apart; backup incr ${lastLine(closing.stdout)} closes the window`);
    if (acked < 10) return ctx.fail(`only ${acked} markers were acknowledged through the client DSN (${entries.at(-1)?.error ?? 'no attempt finished'}): too few to judge`);

    const points: PitrPoint[] = [];
    rep.targets = points;
    for (const t of times) {
      const serverT = new Date(Math.round(t + clock.offsetMs)).toISOString();
      const res = await restoreAndRead(ctx, act, `time:${serverT}`, qualified);
      const point: PitrPoint = {
        at: new Date(t).toISOString(),
        target: `time:${serverT}`,
        restoreMs: res.error ? null : res.ms,
        ...(res.ids ? judgePitr(entries, res.ids, t, u) : { before: 0, missing: [], after: 0, extra: [], inDoubt: 0, inDoubtPresent: 0, phantoms: [], lastPresentBeforeMs: null, firstAbsentAfterMs: null }),
        ...(res.error ? { error: res.error } : {}),
      };
      points.push(point);
      phase(
        'observation',
        res.error
          ? `restore to ${serverT}: ${res.error}`
          : `restore to ${serverT} in ${res.ms} ms: ${point.before - point.missing.length}/${point.before} markers acknowledged before T present, ${point.extra.length}/${point.after} sent after T present, ${point.inDoubt} in doubt near T (${point.inDoubtPresent} kept); newest present acknowledged ${point.lastPresentBeforeMs ?? '–'} ms before T, oldest absent sent ${point.firstAbsentAfterMs ?? '–'} ms after T`,
      );
    }
    phase('rollback', ctx.target.topology.actions['drop-restore'] ? 'every restored server dropped (drop-restore); the backups stay in the repository' : "the topology declares no drop-restore action: restored servers are the topology's to clean up");

    const ok = points.filter((p) => !p.error);
    // The accuracy achieved: how far from T the cut may lie, as the markers bound it.
    const gaps = ok.flatMap((p) => [p.lastPresentBeforeMs, p.firstAbsentAfterMs]).filter((x): x is number => x !== null);
    const accuracyMs = gaps.length ? Math.max(0, ...gaps) : null;
    const restoreMs = ok.map((p) => p.restoreMs).filter((x): x is number => x !== null);
    rep.timings = {
      pitrAccuracyMs: accuracyMs,
      restoreMsMax: restoreMs.length ? Math.max(...restoreMs) : null,
      baseBackupMs: base.ms,
      clockUncertaintyMs: u,
    };
    rep.sla = { pitrAccuracyMs: ctx.target.sla.pitrAccuracyMs, pitrRestoreMs: ctx.target.sla.pitrRestoreMs };
    for (const [k, v] of Object.entries(rep.timings)) ctx.metric(k, v);
    ctx.metric('targets', points.length);
    ctx.metric('targetsVerified', ok.filter((p) => !p.missing.length && !p.extra.length && !p.phantoms.length).length);
    ctx.metric('markersAcked', acked);
    ctx.metric('markersInDoubtNearT', points.reduce((a, p) => a + p.inDoubt, 0));

    const broken: string[] = [];
    for (const [i, p] of points.entries()) {
      const name = `target ${i + 1} (${p.target})`;
      if (p.error) broken.push(`${name}: ${p.error}`);
      else {
        if (p.missing.length) broken.push(`${name}: ${p.missing.length} of ${p.before} markers acknowledged before T are missing (ids ${p.missing.slice(0, 5).join(', ')})`);
        if (p.extra.length) broken.push(`${name}: ${p.extra.length} of ${p.after} markers sent after T are present (ids ${p.extra.slice(0, 5).join(', ')})`);
        if (p.phantoms.length) broken.push(`${name}: ${p.phantoms.length} markers whose INSERT failed are present`);
        // Both sides judged, or the target proves nothing.
        if (!p.before || !p.after) broken.push(`${name}: no marker to judge on ${p.before ? 'the later' : 'the earlier'} side of T (the writer stalled?)`);
      }
    }
    if (!broken.length && accuracyMs !== null && accuracyMs > ctx.target.sla.pitrAccuracyMs) broken.push(`PITR accuracy ${accuracyMs} ms misses the SLA of ${ctx.target.sla.pitrAccuracyMs} ms`);
    const slowest = restoreMs.length ? Math.max(...restoreMs) : 0;
    if (slowest > ctx.target.sla.pitrRestoreMs) broken.push(`a point-in-time restore took ${slowest} ms, over the SLA of ${ctx.target.sla.pitrRestoreMs} ms`);
    if (broken.length) return ctx.fail(broken.slice(0, 4).join('; ') + (broken.length > 4 ? `; … ${broken.length - 4} more` : ''));
  },
});
