// TC-BR-005, backups started at the same moment under writes. A tool may run them side by side or
// refuse all but one (pgBackRest holds one backup lock per stanza); either is fine when it is clean:
// a refusal is a non-zero exit whose output says why (a lock, a backup already running), within its
// deadline. Every backup that reports success must be a new, restorable backup holding exactly the
// markers acknowledged before it started (none sent after it returned), and the repository must
// verify clean afterwards: no backup damaged another.
import { defineCase, type CaseContext } from '@helios-conformance/core';
import { sleep } from '@helios-conformance/sql';
import { describeFailure, type ActionRun } from '../../actions.js';
import { createLedger, startWriter, type LedgerEntry } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import { lastLine, requireActions, restoreAndRead, start, STATUS_ERROR } from './backup.js';

type Ctx = CaseContext<HaDrTarget>;

/** What a refusal must say to be clean. */
export const CLEAN_REFUSAL = /\block\b|already running|in progress|another backup|concurrent/i;

/** The kinds started at once: a full, then incr and diff alternating (a full first: the others may build on the latest). */
export const concurrentKinds = (n: number): string[] => Array.from({ length: n }, (_, i) => (i === 0 ? 'full' : i % 2 === 1 ? 'incr' : 'diff'));

interface Attempt {
  kind: string;
  outcome: 'succeeded' | 'refused' | 'failed';
  label?: string;
  ms: number;
  /** For a refusal or failure: the action's last output line. */
  why?: string;
  restore?: { ms: number; before: number; missing: number; after: number; extra: number; phantoms: number; error?: string };
}

/** TC-BR-005: several backups at once; each succeeds or is refused cleanly; every success restores; verification clean. */
export const concurrentBackups = defineCase<HaDrTarget>({
  id: 'TC-BR-005',
  title: 'several backups started at once under writes: each succeeds or is refused cleanly (non-zero exit naming the lock), every backup that succeeded restores with exactly the writes acknowledged before it, and the repository verifies clean afterwards',
  priority: 'p1',
  area: 'backup',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-BR-005',
  destructive: true,
  timeoutMs: 600_000,
  async run(ctx: Ctx) {
    requireActions(ctx, ['backup', 'restore', 'verify-backup']);
    const { rep, phase, act } = start(ctx);
    const table = 'markers_tc_br_005';
    await createLedger(ctx.target.client, table);
    const qualified = ctx.target.client.qualify(table);
    const writer = startWriter(ctx.target.client, table, { clients: 1, paceMs: 20, updateShare: 0, deleteShare: 0 });
    let writerStopped = false;
    ctx.defer(async () => {
      if (!writerStopped) await writer.stop();
    });
    const kinds = concurrentKinds(ctx.target.concurrentBackups);
    // A full backup first, so that an incr or diff started alongside has something to build on.
    const seed = await act('backup', { kind: 'full' });
    if (!seed.ok) return ctx.fail(`steady state not reached: backup full failed: ${describeFailure(seed)}`);
    await sleep(Math.min(ctx.target.steadyMs, 500), ctx.signal);
    phase('steady state', `a marker writer through the client DSN; backup full ${lastLine(seed.stdout)} (${seed.ms} ms)`);

    const startedAt = Date.now();
    const runs: ActionRun[] = await Promise.all(kinds.map((kind) => act('backup', { kind })));
    const endedAt = Date.now();
    await sleep(Math.min(ctx.target.steadyMs, 500), ctx.signal);
    const entries: readonly LedgerEntry[] = await writer.stop();
    writerStopped = true;
    const known = new Set([lastLine(seed.stdout)]);
    const attempts: Attempt[] = runs.map((r, i) => {
      const kind = kinds[i]!;
      const out = `${r.stderr}\n${r.stdout}`;
      if (r.ok) {
        const label = lastLine(r.stdout);
        if (!label || known.has(label)) return { kind, outcome: 'failed', ms: r.ms, why: label ? `exited 0 but printed the label ${label} of another backup: it made no new backup` : 'exited 0 but printed no backup label' };
        known.add(label);
        return { kind, outcome: 'succeeded', label, ms: r.ms };
      }
      const why = (r.stderr.trim() || r.stdout.trim()).split('\n').at(-1)?.trim() ?? '';
      if (!r.timedOut && CLEAN_REFUSAL.test(out)) return { kind, outcome: 'refused', ms: r.ms, why };
      return { kind, outcome: 'failed', ms: r.ms, why: describeFailure(r) };
    });
    rep.attempts = attempts;
    const ok = attempts.filter((a) => a.outcome === 'succeeded');
    phase('fault', `${kinds.length} backups started at once (${kinds.join(', ')}), all back within ${endedAt - startedAt} ms: ${attempts.map((a) => `${a.kind} ${a.outcome}${a.label ? ` ${a.label}` : ''} (${a.ms} ms)`).join(', ')}`);

    for (const a of ok) {
      const res = await restoreAndRead(ctx, act, a.label!, qualified);
      // Every backup of the batch started at startedAt at the earliest and returned by endedAt at the latest.
      const before = entries.filter((e) => e.outcome === 'ack' && e.end < startedAt);
      const after = entries.filter((e) => e.start > endedAt);
      const ids = res.ids;
      a.restore = {
        ms: res.ms,
        before: before.length,
        missing: ids ? before.filter((e) => !ids.has(e.id)).length : 0,
        after: after.length,
        extra: ids ? after.filter((e) => ids.has(e.id)).length : 0,
        phantoms: ids ? entries.filter((e) => e.outcome === 'failed' && ids.has(e.id)).length : 0,
        ...(res.error ? { error: res.error } : {}),
      };
      phase('observation', res.error ? `restore of ${a.label} (${a.kind}): ${res.error}` : `restore of ${a.label} (${a.kind}) in ${res.ms} ms: ${before.length - a.restore.missing}/${before.length} earlier markers present, ${a.restore.extra}/${after.length} later markers present`);
    }
    const v = await act('verify-backup');
    const clean = v.ok && !STATUS_ERROR.test(v.stdout + v.stderr);
    phase('observation', clean ? `verify-backup passes after the concurrent backups (${v.ms} ms)` : `verify-backup after the concurrent backups: ${describeFailure(v)}`);
    phase('rollback', 'restored servers dropped; the backups stay in the repository');

    ctx.metric('backupsStarted', kinds.length);
    ctx.metric('backupsSucceeded', ok.length);
    ctx.metric('backupsRefused', attempts.filter((a) => a.outcome === 'refused').length);
    ctx.metric('backupsFailed', attempts.filter((a) => a.outcome === 'failed').length);
    ctx.metric('restoresVerified', ok.filter((a) => a.restore && !a.restore.error && !a.restore.missing && !a.restore.extra && !a.restore.phantoms).length);
    ctx.metric('batchMs', endedAt - startedAt);
    ctx.metric('verifyClean', clean ? 1 : 0);

    const broken: string[] = [];
    for (const a of attempts.filter((x) => x.outcome === 'failed')) broken.push(`backup ${a.kind} was neither a success nor a clean refusal: ${a.why}`);
    if (!ok.length) broken.push('no backup of the batch succeeded');
    for (const a of ok) {
      const r = a.restore!;
      if (r.error) broken.push(`backup ${a.kind} ${a.label} reported success but its restore failed: ${r.error}`);
      if (r.missing) broken.push(`restore of ${a.kind} ${a.label}: ${r.missing} of ${r.before} markers acknowledged before the batch are missing`);
      if (r.extra) broken.push(`restore of ${a.kind} ${a.label}: ${r.extra} markers sent after the batch returned are present`);
      if (r.phantoms) broken.push(`restore of ${a.kind} ${a.label}: ${r.phantoms} markers whose INSERT failed are present`);
    }
    if (!clean) broken.push(`verification fails after the concurrent backups: ${v.ok ? 'its output reports "status: error"' : describeFailure(v)}`);
    if (broken.length) return ctx.fail(broken.slice(0, 4).join('; ') + (broken.length > 4 ? `; … ${broken.length - 4} more` : ''));
  },
});
