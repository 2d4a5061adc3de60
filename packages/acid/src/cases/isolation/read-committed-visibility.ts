import assert from 'node:assert/strict';
import { defineAcidCase, requireLevel } from '../../_internal/case-kit.js';
import { runVariant } from '../../matrix/run.js';
import type { AnomalyDefinition } from '../../matrix/types.js';

/** The seed's read-committed check, as a two-session script (row 3 is not in the table yet). */
const SEED_RC: AnomalyDefinition = {
  id: 'G1a',
  title: 'read committed: uncommitted insert invisible, committed insert visible',
  description: 'TX2 does not see TX1’s uncommitted insert, and sees it once TX1 commits',
  variants: [
    {
      name: 'uncommitted insert',
      steps: [
        { session: 'T1', sql: 'BEGIN' },
        { session: 'T2', sql: 'BEGIN' },
        { session: 'T1', sql: 'INSERT INTO {t} (id, value) VALUES (3, 30)' },
        { session: 'T2', sql: 'SELECT id, value FROM {t} WHERE id = 3', label: 'before', expect: 'no row: TX1 has not committed' },
        { session: 'T1', sql: 'COMMIT' },
        { session: 'T2', sql: 'SELECT id, value FROM {t} WHERE id = 3', label: 'after', expect: '3=30: TX1 committed' },
        { session: 'T2', sql: 'COMMIT' },
      ],
      witness: () => null,
    },
  ],
};

/** AC-008: the seed's test_isolation_read_committed. */
export const readCommittedVisibility = defineAcidCase({
  id: 'AC-008',
  title: 'isolation: at read committed, TX2 does not see TX1’s uncommitted insert, then sees it after TX1 commits',
  priority: 'p0',
  area: 'isolation',
  spec: 'ISO/IEC 9075-2 4.36.5 (READ COMMITTED: no dirty reads; each statement sees data committed before it); seed test_isolation_read_committed',
  since: '0.1.0',
  timeoutMs: 60_000,
  async run(ctx) {
    requireLevel(ctx, 'read committed');
    const r = await runVariant(ctx.target.endpoint, 'read committed', SEED_RC, SEED_RC.variants[0]!, { blockAfterMs: ctx.target.blockAfterMs, signal: ctx.signal });
    ctx.log(r.steps.map((s) => `${s.session} ${s.sql}${s.blocked ? ' [blocked]' : ''} → ${s.status}${s.rows ? ` ${s.rows}` : ''}${s.error ? ` ${s.error.code ?? s.error.kind}` : ''}`).join('\n'));
    const failed = r.steps.find((s) => s.status !== 'ok');
    if (failed) throw new Error(`the script could not run: ${failed.session} ${failed.sql} → ${failed.status}${failed.error ? ` (${failed.error.code ?? ''} ${failed.error.message})` : ''}`);

    // TX2's first read may wait for TX1 (a locking engine); then it ran after the commit and proves nothing.
    const before = r.steps.find((s) => s.step === 3)!;
    assert.ok(before.blocked || !r.reads.before?.includes('3=30'), `TX2 saw TX1’s uncommitted insert (read ${r.reads.before}) — a dirty read at read committed`);
    assert.ok(
      r.reads.after?.includes('3=30'),
      `after TX1 committed, TX2 still does not see its insert (read ${r.reads.after ?? '(nothing)'}); read committed reads the latest committed data per statement`,
    );
    ctx.metric('firstRead', before.blocked ? 'blocked until TX1 committed' : 'no row');
  },
});
