// Backups judged by what a restore gives back. A marker writer (the acknowledged-write ledger, one
// client) runs through the client DSN while the topology's `backup` action takes a chain of backups;
// every restore point is then restored with the `restore` action into a throwaway server and read
// by content. "Before" and "after" a backup are defined by the suite's own clock around the action,
// since the backup's stop point lies somewhere inside it and the suite sees the cluster black-box:
// a marker acknowledged before the `backup` action started must be in the restore; a marker sent
// after the action returned must not be (a restore point is the backup's consistent point, which
// every engine reaches by the time its backup command returns); markers written while the backup
// ran may be either and are counted apart. A marker whose INSERT failed must never appear.
import { defineCase, type CaseContext } from '@helios-conformance/core';
import { sleep } from '@helios-conformance/sql';
import { closeClient } from '@helios-conformance/sql/postgres';
import { describeFailure, runAction, type ActionRun } from '../../actions.js';
import { queryNode } from '../../_internal/nodes.js';
import { createLedger, startWriter, type LedgerEntry } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import type { ActionName } from '../../topology.js';
import { requireActions } from '../experiment.js';

type Ctx = CaseContext<HaDrTarget>;

/** What the report shows of a backup case (`sections.hadr[<id>]`). */
export interface BackupReport {
  topology: string;
  phases: Array<{ phase: 'steady state' | 'fault' | 'observation' | 'rollback'; at: number; what: string }>;
  actions: Array<Pick<ActionRun, 'action' | 'command' | 'ok' | 'code' | 'timedOut' | 'ms'> & { at: number; output: string }>;
  points?: RestorePoint[];
  timings: Record<string, number | null>;
  /** Case-specific details (PITR targets, regions, concurrent backups, …). */
  [extra: string]: unknown;
}

/** One backup of the chain and what its restore held. */
interface RestorePoint {
  kind: string;
  label: string;
  backupMs: number;
  restoreMs: number | null;
  /** Markers acknowledged before the backup began, and how many of them the restore lacks. */
  before: number;
  missing: number[];
  /** Markers sent after the backup returned, and how many of them the restore holds. */
  after: number;
  extra: number[];
  /** Markers written while the backup ran (not judged), and failed markers present (phantoms). */
  during: number;
  phantoms: number[];
  error?: string;
}

/** The chain of backup kinds: a full, then incrementals and differentials alternating. */
export function chainKinds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? 'full' : i % 2 === 1 ? 'incr' : 'diff'));
}

/** URL passwords masked. */
export const scrub = (text: string): string => text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');

export const STATUS_ERROR = /\bstatus: error\b/i;

export const lastLine = (s: string): string => s.trim().split('\n').at(-1)?.trim() ?? '';

/** Runs a topology action for a backup case, recorded in its report (`timeoutMs`: a shorter deadline than the topology's). */
export type Act = (a: ActionName, vars?: Record<string, string>, o?: { timeoutMs?: number }) => Promise<ActionRun>;

export function start(ctx: Ctx): { rep: BackupReport; t0: number; phase: (p: BackupReport['phases'][number]['phase'], what: string) => void; act: Act } {
  const t = ctx.target.topology;
  const t0 = Date.now();
  const rep: BackupReport = { topology: t.name, phases: [], actions: [], timings: {} };
  ((ctx.target.sections.hadr ??= {}) as Record<string, unknown>)[ctx.id] = rep;
  return {
    rep,
    t0,
    phase: (p, what) => {
      rep.phases.push({ phase: p, at: Date.now() - t0, what });
      ctx.log(`${p}: ${what}`);
    },
    act: async (a, vars = {}, o = {}) => {
      const raw = await runAction(t, a, vars, { signal: ctx.signal, ...o });
      // A restored server's DSN (printed by restore, passed to drop-restore) may carry a password the
      // run's redaction does not know: never into the report or a message. stdout stays raw for the DSN.
      const r = { ...raw, command: scrub(raw.command) };
      rep.actions.push({ action: r.action, command: r.command, ok: r.ok, code: r.code, timedOut: r.timedOut, ms: r.ms, at: r.startedAt - t0, output: scrub((r.stdout + r.stderr).trim().slice(-400)) });
      return r;
    },
  };
}

// The same rule as every case's (experiment.ts): n/a without the actions or on a non-PostgreSQL topology.
export { requireActions };

/** The marker ids in `table` (qualified) on the server at `dsn`, within `ms`. */
export async function readIds(dsn: string, qualified: string, ms = 10_000): Promise<Set<number>> {
  const r = await queryNode(dsn, `SELECT id FROM ${qualified}`, ms, 'helios-ha-dr-restore-check');
  if (!r.ok) throw new Error(r.timedOut ? `the restored server gave no answer within ${ms} ms` : r.error);
  return new Set(r.rows.map((x) => Number(x.id)));
}

/** Restores `target`, reads the markers, drops the restore; the DSN is the restore action's last stdout line. */
export async function restoreAndRead(ctx: Ctx, act: Act, target: string, qualified: string, repo?: string): Promise<{ ids?: Set<number>; ms: number; error?: string; run: ActionRun }> {
  const r = await act('restore', { target, ...(repo !== undefined ? { repo } : {}) });
  if (!r.ok) return { ms: r.ms, error: describeFailure(r), run: r };
  const dsn = lastLine(r.stdout);
  if (!/^postgres(ql)?:\/\//.test(dsn)) return { ms: r.ms, error: `restore ${target} printed no postgres:// DSN on its last stdout line`, run: r };
  try {
    return { ids: await readIds(dsn, qualified), ms: r.ms, run: r };
  } catch (e) {
    return { ms: r.ms, error: `reading the restore of ${target}: ${(e as Error).message}`, run: r };
  } finally {
    if (ctx.target.topology.actions['drop-restore']) {
      const d = await act('drop-restore', { dsn });
      if (!d.ok) ctx.log(`could not drop the restore of ${target}: ${describeFailure(d)}`);
    }
  }
}

/** TC-BR-001: a chain of full/incremental/differential backups under writes; every restore point restored and checked by content. */
export const backupChain = defineCase<HaDrTarget>({
  id: 'TC-BR-001',
  title: 'a chain of full, incremental and differential backups taken under writes: every restore point restores and holds exactly the writes acknowledged before its backup (none sent after it)',
  priority: 'p0',
  area: 'backup',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-BR-001',
  destructive: true,
  // A backstop only (every action has its own deadline): `--size full` takes and restores 120 backups,
  // 5-10 s each on an idle 2-core machine.
  timeoutMs: 3_600_000,
  async run(ctx) {
    requireActions(ctx, ['backup', 'restore']);
    const { rep, phase, act } = start(ctx);
    const kinds = chainKinds(ctx.target.backups);
    const table = 'markers_tc_br_001';
    await createLedger(ctx.target.client, table);
    const qualified = ctx.target.client.qualify(table);
    // Markers are inserts only: an update or delete would move a row across a restore point.
    const writer = startWriter(ctx.target.client, table, { clients: 1, paceMs: 20, updateShare: 0, deleteShare: 0 });
    let writerStopped = false;
    ctx.defer(async () => {
      if (!writerStopped) await writer.stop();
    });
    const gapMs = Math.min(ctx.target.steadyMs, 500);
    // Steady state = markers being acknowledged: on a loaded machine the writer's first commit can
    // take longer than the gap, and the first restore point would then have nothing "before" it.
    const firstAck = Date.now() + 30_000;
    while (!writer.entries.some((e) => e.outcome === 'ack') && Date.now() < firstAck) await sleep(20, ctx.signal);
    if (!writer.entries.some((e) => e.outcome === 'ack')) return ctx.fail(`steady state not reached: no marker acknowledged through the client DSN within 30 s (${writer.entries.at(-1)?.error ?? 'no attempt finished'})`);
    phase('steady state', `a marker writer through the client DSN; ${kinds.length} backups (${kinds.join(', ')}) ${gapMs} ms apart`);
    const taken: Array<{ kind: string; label: string; startedAt: number; endedAt: number; ms: number }> = [];
    for (const kind of kinds) {
      await sleep(gapMs, ctx.signal);
      const startedAt = Date.now();
      const r = await act('backup', { kind });
      const endedAt = Date.now();
      if (!r.ok) return ctx.fail(`backup ${kind} #${taken.length + 1} failed: ${describeFailure(r)}`);
      const label = lastLine(r.stdout);
      if (!label) return ctx.fail(`backup ${kind} #${taken.length + 1} exited 0 but printed no backup label (the last line of its stdout)`);
      if (taken.some((b) => b.label === label)) return ctx.fail(`backup ${kind} #${taken.length + 1} printed the label ${label} of an earlier backup: it made no new backup`);
      taken.push({ kind, label, startedAt, endedAt, ms: endedAt - startedAt });
    }
    await sleep(gapMs, ctx.signal);
    const entries: readonly LedgerEntry[] = await writer.stop();
    writerStopped = true;
    const acked = entries.filter((e) => e.outcome === 'ack').length;
    phase('fault', `${taken.length} backups taken (${taken.map((b) => `${b.kind} ${b.ms} ms`).join(', ')}); ${acked} markers acknowledged`);
    if (!acked) return ctx.fail(`no marker was acknowledged through the client DSN (${entries.at(-1)?.error ?? 'no attempt finished'})`);

    const points: RestorePoint[] = [];
    rep.points = points;
    for (const b of taken) {
      const res = await restoreAndRead(ctx, act, b.label, qualified);
      const before = entries.filter((e) => e.outcome === 'ack' && e.end < b.startedAt);
      const after = entries.filter((e) => e.start > b.endedAt);
      const point: RestorePoint = {
        kind: b.kind,
        label: b.label,
        backupMs: b.ms,
        restoreMs: res.error ? null : res.ms,
        before: before.length,
        missing: [],
        after: after.length,
        extra: [],
        during: entries.length - before.length - after.length,
        phantoms: [],
        ...(res.error ? { error: res.error } : {}),
      };
      if (res.ids) {
        const ids = res.ids;
        point.missing = before.filter((e) => !ids.has(e.id)).map((e) => e.id);
        point.extra = after.filter((e) => ids.has(e.id)).map((e) => e.id);
        point.phantoms = entries.filter((e) => e.outcome === 'failed' && ids.has(e.id)).map((e) => e.id);
      }
      points.push(point);
      phase(
        'observation',
        res.error
          ? `restore of ${b.label} (${b.kind}): ${res.error}`
          : `restore of ${b.label} (${b.kind}) in ${res.ms} ms: ${before.length - point.missing.length}/${before.length} earlier markers present, ${point.extra.length}/${after.length} later markers present, ${point.during} written during the backup not judged`,
      );
    }
    phase('rollback', ctx.target.topology.actions['drop-restore'] ? 'every restored server dropped (drop-restore); the backups stay in the repository' : 'the topology declares no drop-restore action: restored servers are the topology\'s to clean up');

    const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0);
    const restoreMs = points.map((p) => p.restoreMs).filter((x): x is number => x !== null);
    rep.timings = {
      backupMsTotal: sum(taken.map((b) => b.ms)),
      backupMsMax: Math.max(...taken.map((b) => b.ms)),
      restoreMsMax: restoreMs.length ? Math.max(...restoreMs) : null,
      restoreMsTotal: restoreMs.length ? sum(restoreMs) : null,
    };
    for (const [k, v] of Object.entries(rep.timings)) ctx.metric(k, v);
    ctx.metric('backups', taken.length);
    ctx.metric('restorePointsVerified', points.filter((p) => !p.error && !p.missing.length && !p.extra.length && !p.phantoms.length).length);
    ctx.metric('markersAcked', acked);

    const broken: string[] = [];
    for (const [i, p] of points.entries()) {
      const name = `restore point ${i + 1} (${p.kind} ${p.label})`;
      if (p.error) broken.push(`${name}: ${p.error}`);
      if (p.missing.length) broken.push(`${name}: ${p.missing.length} of ${p.before} markers acknowledged before the backup are missing (ids ${p.missing.slice(0, 5).join(', ')})`);
      if (p.extra.length) broken.push(`${name}: ${p.extra.length} markers sent after the backup returned are present (ids ${p.extra.slice(0, 5).join(', ')})`);
      if (p.phantoms.length) broken.push(`${name}: ${p.phantoms.length} markers whose INSERT failed are present`);
      // Without a marker sent after it, a restore that replays past its point (or gives a later
      // backup) reads the same: the point is not verified. Seen on a loaded machine (load 17), where
      // the writer stalled across the backups and a restore action that always restores the latest
      // backup passed. The last point has no later backup to be confused with.
      if (!p.error && p.after === 0 && i < points.length - 1) broken.push(`${name}: no marker to judge after the backup (none was sent after it returned: the writer stalled?), so restoring a later state could not be told apart`);
    }
    if (broken.length) return ctx.fail(broken.slice(0, 4).join('; ') + (broken.length > 4 ? `; … ${broken.length - 4} more` : ''));
  },
});

/** TC-BR-004: bytes flipped in the latest backup set: verification detects it, restore refuses. */
export const backupCorruption = defineCase<HaDrTarget>({
  id: 'TC-BR-004',
  title: 'bytes flipped in the latest backup set: verification reports it (after passing on the intact repository) and restoring that set fails or the restored server refuses to start; it never serves rows',
  priority: 'p0',
  area: 'backup',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-BR-004',
  destructive: true,
  timeoutMs: 300_000,
  async run(ctx) {
    requireActions(ctx, ['backup', 'verify-backup', 'corrupt-backup', 'restore']);
    const { rep, phase, act } = start(ctx);
    const table = 'markers_tc_br_004';
    const c = await ctx.target.client.connect();
    try {
      await c.query(`CREATE TABLE ${ctx.target.client.qualify(table)} AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 2000) g`);
    } finally {
      await closeClient(c);
    }
    const b = await act('backup', { kind: 'incr' });
    if (!b.ok) return ctx.fail(`steady state not reached: backup incr failed: ${describeFailure(b)}`);
    const label = lastLine(b.stdout);
    const v0 = await act('verify-backup');
    // A verification that always fails would "detect" anything: it must pass on the intact repository first.
    if (!v0.ok || STATUS_ERROR.test(v0.stdout + v0.stderr)) return ctx.fail(`steady state not reached: verify-backup fails on the intact repository: ${describeFailure(v0)}`);
    phase('steady state', `backup ${label} (incr, ${b.ms} ms) over 2000 rows; verify-backup passes (${v0.ms} ms)`);
    rep.timings.backupMs = b.ms;
    rep.timings.verifyMs = v0.ms;

    let corrupted = false;
    // Run inline at the end (a full backup can take longer than the runner's cleanup budget on a loaded
    // machine); the deferred call only covers an early exit.
    const rollback = async (): Promise<void> => {
      if (!corrupted) return;
      corrupted = false;
      // A fresh full backup: later restores of `latest` do not depend on the damaged set (which stays in the repository).
      const r = await act('backup', { kind: 'full' });
      phase('rollback', r.ok ? `fresh full backup ${lastLine(r.stdout)} taken; the corrupted set stays in the repository` : `fresh full backup failed: ${describeFailure(r)}`);
    };
    ctx.defer(rollback);
    const k = await act('corrupt-backup');
    if (!k.ok) return ctx.fail(`fault not injected: ${describeFailure(k)}`);
    corrupted = true;
    phase('fault', `corrupt-backup: ${lastLine(k.stdout) || 'done'}`);

    const v1 = await act('verify-backup');
    rep.timings.verifyCorruptMs = v1.ms;
    // Non-zero exit, or pgbackrest's own `status: error` for a topology running it bare (it exits 0 then).
    const detected = !v1.timedOut && (!v1.ok || STATUS_ERROR.test(v1.stdout + v1.stderr));
    phase('observation', detected ? `verify-backup reports the damage in ${v1.ms} ms: ${lastLine(v1.stderr) || lastLine(v1.stdout)}` : v1.timedOut ? `verify-backup did not finish within its deadline (${v1.ms} ms)` : 'verify-backup exits 0: the damage went unnoticed');

    const t0 = Date.now();
    const r = await act('restore', { target: 'latest' });
    rep.timings.restoreMs = Date.now() - t0;
    let served: string | undefined;
    if (r.ok) {
      const dsn = lastLine(r.stdout);
      if (/^postgres(ql)?:\/\//.test(dsn)) {
        try {
          const ids = await readIds(dsn, ctx.target.client.qualify(table));
          served = `the restored server serves ${ids.size} of the 2000 rows${ids.size === 2000 ? '' : ' (WRONG ROWS)'}`;
        } catch (e) {
          served = `the restored server does not serve the rows (${(e as Error).message.split('\n')[0]})`;
        } finally {
          if (ctx.target.topology.actions['drop-restore']) await act('drop-restore', { dsn });
        }
      } else {
        served = 'restore exited 0 without printing a DSN';
      }
    }
    phase('observation', r.ok ? `restore of the corrupted set succeeded: ${served}` : `restore of the corrupted set refused: ${describeFailure(r)}`);
    await rollback();
    for (const [name, v] of Object.entries(rep.timings)) ctx.metric(name, v);
    ctx.metric('corruptionDetected', detected ? 1 : 0);
    ctx.metric('restoreRefused', r.ok ? 0 : 1);

    const broken: string[] = [];
    if (!detected) broken.push(v1.timedOut ? 'verify-backup did not finish within its deadline' : 'verify-backup did not detect the corruption (exit 0)');
    if (r.ok) broken.push(`restore of the corrupted backup set did not fail: ${served}`);
    if (broken.length) return ctx.fail(broken.join('; '));
  },
});
