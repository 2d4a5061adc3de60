import assert from 'node:assert/strict';
import type { IsolationLevel } from '@helios-conformance/sql';
import { defineAcidCase, observeRow, type AcidContext } from '../../_internal/case-kit.js';
import { LEVEL_PROMISES, type Requirement } from '../../matrix/judge.js';
import type { MatrixRow } from '../../matrix/types.js';

const HERMITAGE = 'https://github.com/ept/hermitage; Adya, Weak Consistency (MIT PhD thesis, 1999), ch. 3–4';

/** What a level promises (`p0`: every implementation of the name; `p1`: the ANSI name beyond that). */
type Tier = 'p0' | 'p1';

const label = (r: Requirement): string => (r.variants ? `${r.anomaly} (${r.variants.join(', ')})` : r.anomaly);

/** The title says what the level must prevent, straight from {@link LEVEL_PROMISES}. */
function promiseTitle(level: IsolationLevel, tier: Tier): string {
  const reqs = LEVEL_PROMISES[level][tier].map(label);
  return tier === 'p0'
    ? `isolation: "${level}" prevents ${reqs.length === 10 ? 'every anomaly of the matrix' : reqs.join(', ')} (scripted anomaly matrix)`
    : `isolation: "${level}" is not weaker than its name: also prevents ${reqs.join(', ')}`;
}

/** `G2-item: both read …` for each named anomaly, with what was seen. */
function seen(row: MatrixRow, labels: readonly string[]): string {
  return labels.map((l) => `${l}: ${row[l.split(' ')[0] as keyof MatrixRow]?.how ?? 'not run'}`).join('; ');
}

/**
 * Runs the level's row of the matrix (once per run: the P0 and P1 cases of a level share it) and
 * holds it to the tier's promise. An anomaly the level let through fails the case; a script that
 * could not be carried out leaves the promise unjudged, which is an error, never a pass.
 */
async function keepsPromise(ctx: AcidContext, level: IsolationLevel, tier: Tier): Promise<void> {
  const { row, judgement } = await observeRow(ctx, level);

  const allowed = tier === 'p0' ? judgement.p0 : judgement.p1;
  if (allowed.length) {
    assert.fail(
      tier === 'p0'
        ? `"${level}" allowed ${allowed.join(', ')}, which it must prevent — ${seen(row, allowed)}`
        : `"${level}" is weaker than its name (behaves as ${judgement.behavesAs}): allowed ${allowed.join(', ')} — ${seen(row, allowed)}`,
    );
  }

  const promised = new Set(LEVEL_PROMISES[level][tier].map((r) => r.anomaly));
  const unknown = judgement.inconclusive.filter((l) => promised.has(l.split(' ')[0] as never));
  if (unknown.length) throw new Error(`"${level}": could not carry out the scripts for ${unknown.join(', ')} — ${seen(row, unknown)}`);

  ctx.log(`"${level}" behaves as ${judgement.behavesAs}; verdict: ${judgement.verdict}`);
}

/** AC-001: even read uncommitted never lets two transactions overwrite each other's uncommitted writes. */
export const readUncommittedPrevents = defineAcidCase({
  id: 'AC-001',
  title: promiseTitle('read uncommitted', 'p0'),
  priority: 'p0',
  area: 'isolation',
  spec: HERMITAGE,
  since: '0.1.0',
  timeoutMs: 180_000,
  run: (ctx) => keepsPromise(ctx, 'read uncommitted', 'p0'),
});

/** AC-002: read committed prevents dirty writes and every G1 anomaly. */
export const readCommittedPrevents = defineAcidCase({
  id: 'AC-002',
  title: promiseTitle('read committed', 'p0'),
  priority: 'p0',
  area: 'isolation',
  spec: HERMITAGE,
  since: '0.1.0',
  timeoutMs: 180_000,
  run: (ctx) => keepsPromise(ctx, 'read committed', 'p0'),
});

/** AC-003: repeatable read prevents at least what read committed does. */
export const repeatableReadPrevents = defineAcidCase({
  id: 'AC-003',
  title: promiseTitle('repeatable read', 'p0'),
  priority: 'p0',
  area: 'isolation',
  spec: HERMITAGE,
  since: '0.1.0',
  timeoutMs: 180_000,
  run: (ctx) => keepsPromise(ctx, 'repeatable read', 'p0'),
});

/** AC-004: repeatable read also prevents what its ANSI name promises (lost update, read skew, write skew). */
export const repeatableReadAsNamed = defineAcidCase({
  id: 'AC-004',
  title: promiseTitle('repeatable read', 'p1'),
  priority: 'p1',
  area: 'isolation',
  spec: HERMITAGE,
  since: '0.1.0',
  timeoutMs: 180_000,
  run: (ctx) => keepsPromise(ctx, 'repeatable read', 'p1'),
});

/** AC-005: a separate snapshot level prevents at least what read committed does. */
export const snapshotPrevents = defineAcidCase({
  id: 'AC-005',
  title: promiseTitle('snapshot', 'p0'),
  priority: 'p0',
  area: 'isolation',
  spec: HERMITAGE,
  since: '0.1.0',
  timeoutMs: 180_000,
  run: (ctx) => keepsPromise(ctx, 'snapshot', 'p0'),
});

/** AC-006: a separate snapshot level prevents everything snapshot isolation does. */
export const snapshotAsNamed = defineAcidCase({
  id: 'AC-006',
  title: promiseTitle('snapshot', 'p1'),
  priority: 'p1',
  area: 'isolation',
  spec: HERMITAGE,
  since: '0.1.0',
  timeoutMs: 180_000,
  run: (ctx) => keepsPromise(ctx, 'snapshot', 'p1'),
});

/** AC-007: serializable prevents every anomaly of the matrix. */
export const serializablePrevents = defineAcidCase({
  id: 'AC-007',
  title: promiseTitle('serializable', 'p0'),
  priority: 'p0',
  area: 'isolation',
  spec: HERMITAGE,
  since: '0.1.0',
  timeoutMs: 180_000,
  run: (ctx) => keepsPromise(ctx, 'serializable', 'p0'),
});
