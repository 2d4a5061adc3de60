import { defineCase, type Case, type CaseContext, type Priority } from '@helios-conformance/core';
import type { IsolationLevel, SqlEndpoint } from '../session/types.js';
import type { AcidTarget } from '../target.js';
import { judgeLevel, LEVEL_PROMISES } from './judge.js';
import { runMatrixRow, runVariant } from './run.js';
import type { AnomalyDefinition, IsolationSection, LevelJudgement, MatrixRow } from './types.js';

const HERMITAGE = 'https://github.com/ept/hermitage; Adya, Weak Consistency (MIT PhD thesis, 1999), ch. 3–4';

/** Rows already observed in this run, so a level's P0 and P1 cases run its scripts once. */
const observedRows = new WeakMap<SqlEndpoint, Map<IsolationLevel, MatrixRow>>();

/** The `isolation` report section, created on first use. */
export function isolationSection(target: AcidTarget): IsolationSection {
  const existing = target.sections.isolation as IsolationSection | undefined;
  if (existing) return existing;
  const s: IsolationSection = { matrix: {}, levels: {} };
  target.sections.isolation = s;
  return s;
}

async function observeRow(ctx: CaseContext<AcidTarget>, level: IsolationLevel): Promise<{ row: MatrixRow; judgement: LevelJudgement }> {
  const { endpoint } = ctx.target;
  if (!endpoint.levels.includes(level)) ctx.notApplicable(`the endpoint does not accept isolation level ${level} (observed at open)`);
  let byLevel = observedRows.get(endpoint);
  if (!byLevel) observedRows.set(endpoint, (byLevel = new Map()));
  let row = byLevel.get(level);
  if (!row) {
    row = await runMatrixRow(endpoint, level, { blockAfterMs: ctx.target.blockAfterMs, signal: ctx.signal, log: (m) => ctx.log(m) });
    byLevel.set(level, row);
  }
  const judgement = judgeLevel(level, row);
  const section = isolationSection(ctx.target);
  const cells: NonNullable<IsolationSection['matrix'][IsolationLevel]> = {};
  for (const [a, c] of Object.entries(row)) {
    cells[a as keyof MatrixRow] = { outcome: c.outcome, how: c.how, ...(Object.keys(c.variants).length > 1 ? { variants: c.variants } : {}) };
  }
  section.matrix[level] = cells;
  const { level: _l, ...verdict } = judgement;
  section.levels[level] = verdict;
  ctx.metric('matrix', Object.fromEntries(Object.entries(row).map(([a, c]) => [a, `${c.outcome}: ${c.how}`])));
  return { row, judgement };
}

/** `G2-item (both read …)` for each named anomaly, with what was seen. */
function named(row: MatrixRow, labels: readonly string[]): string {
  return labels.map((l) => `${l}: ${row[l.split(' ')[0] as keyof MatrixRow]?.how ?? 'not run'}`).join('; ');
}

function levelCase(id: string, level: IsolationLevel, tier: 'p0' | 'p1'): Case<AcidTarget> {
  const reqs = LEVEL_PROMISES[level][tier].map((r) => (r.variants ? `${r.anomaly} (${r.variants.join(', ')})` : r.anomaly));
  const priority: Priority = tier;
  const title =
    tier === 'p0'
      ? `isolation: "${level}" prevents ${reqs.length === 10 ? 'every anomaly of the matrix' : reqs.join(', ')} (scripted anomaly matrix)`
      : `isolation: "${level}" is not weaker than its name: also prevents ${reqs.join(', ')}`;
  return defineCase<AcidTarget>({
    id,
    title,
    priority,
    area: 'isolation',
    spec: HERMITAGE,
    since: '0.1.0',
    timeoutMs: 180_000,
    async run(ctx) {
      const { row, judgement } = await observeRow(ctx, level);
      const broken = tier === 'p0' ? judgement.p0 : judgement.p1;
      const promised = new Set(LEVEL_PROMISES[level][tier].map((r) => r.anomaly));
      const unknown = judgement.inconclusive.filter((l) => promised.has(l.split(' ')[0] as never));
      if (broken.length) {
        ctx.fail(
          tier === 'p0'
            ? `"${level}" allowed ${broken.join(', ')}, which it must prevent — ${named(row, broken)}`
            : `"${level}" is weaker than its name (behaves as ${judgement.behavesAs}): allowed ${broken.join(', ')} — ${named(row, broken)}`,
        );
      }
      if (unknown.length) throw new Error(`"${level}": could not carry out the scripts for ${unknown.join(', ')} — ${named(row, unknown)}`);
      ctx.log(`"${level}" behaves as ${judgement.behavesAs}; verdict: ${judgement.verdict}`);
    },
  });
}

/** The seed's read-committed check, as a two-session script. */
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

const seedReadCommitted = defineCase<AcidTarget>({
  id: 'AC-008',
  title: 'isolation: at read committed, TX2 does not see TX1’s uncommitted insert, then sees it after TX1 commits',
  priority: 'p0',
  area: 'isolation',
  spec: 'ISO/IEC 9075-2 4.36.5 (READ COMMITTED: no dirty reads; each statement sees data committed before it); seed test_isolation_read_committed',
  since: '0.1.0',
  timeoutMs: 60_000,
  async run(ctx) {
    const { endpoint } = ctx.target;
    if (!endpoint.levels.includes('read committed')) ctx.notApplicable('the endpoint does not accept isolation level read committed');
    const v = SEED_RC.variants[0]!;
    const r = await runVariant(endpoint, 'read committed', SEED_RC, v, { blockAfterMs: ctx.target.blockAfterMs, signal: ctx.signal });
    const trace = r.steps.map((s) => `${s.session} ${s.sql}${s.blocked ? ' [blocked]' : ''} → ${s.status}${s.rows ? ` ${s.rows}` : ''}${s.error ? ` ${s.error.code ?? s.error.kind}` : ''}`);
    ctx.log(trace.join('\n'));
    const failed = r.steps.find((s) => s.status !== 'ok');
    if (failed) throw new Error(`the script could not run: ${failed.session} ${failed.sql} → ${failed.status}${failed.error ? ` (${failed.error.code ?? ''} ${failed.error.message})` : ''}`);
    const before = r.steps.find((s) => s.step === 3)!;
    if (!before.blocked && r.reads.before?.includes('3=30')) ctx.fail(`TX2 saw TX1’s uncommitted insert (read ${r.reads.before}) — a dirty read at read committed`);
    if (!r.reads.after?.includes('3=30')) ctx.fail(`after TX1 committed, TX2 still does not see its insert (read ${r.reads.after ?? '(nothing)'}); read committed reads the latest committed data per statement`);
    ctx.metric('firstRead', before.blocked ? 'blocked until TX1 committed' : 'no row');
  },
});

/**
 * The scripted-matrix cases (AC-001…AC-008): per isolation level a P0 case (what every
 * implementation of the name must prevent) — and for repeatable read and snapshot a P1 case
 * (what the ANSI name promises beyond that) — each running the level's row of the matrix and
 * writing it to `target.sections.isolation`; plus the seed's read-committed visibility case.
 */
export const matrixCases: readonly Case<AcidTarget>[] = [
  levelCase('AC-001', 'read uncommitted', 'p0'),
  levelCase('AC-002', 'read committed', 'p0'),
  levelCase('AC-003', 'repeatable read', 'p0'),
  levelCase('AC-004', 'repeatable read', 'p1'),
  levelCase('AC-005', 'snapshot', 'p0'),
  levelCase('AC-006', 'snapshot', 'p1'),
  levelCase('AC-007', 'serializable', 'p0'),
  seedReadCommitted,
];
