// What the acid cases share, so that a case body reads as its scenario: the case constructor,
// the level an endpoint accepts, the matrix row observed once per run, statement deadlines and
// the report sections the cases fill in.
import { defineCase, type Case, type CaseContext, type CaseDefinition } from '@helios-conformance/core';
import type { IsolationLevel, SqlEndpoint } from '@helios-conformance/sql';
import { judgeLevel } from '../matrix/judge.js';
import { DEFAULT_RELEASE_AFTER_MS, DEFAULT_SETTLE_MS, runMatrixRow } from '../matrix/run.js';
import type { IsolationSection, LevelJudgement, MatrixRow } from '../matrix/types.js';
import type { AcidTarget } from '../target.js';
import { within } from '../workload/_internal/util.js';

export { SIZES } from './sizes.js';
export { saveHistory } from './history-dir.js';
export { dropTables, messageOf, pause, tableSuffix } from '../workload/_internal/util.js';

/** An acid case: core's `defineCase` bound to the acid target. */
export function defineAcidCase(def: CaseDefinition<AcidTarget>): Case<AcidTarget> {
  return defineCase<AcidTarget>(def);
}

/** The context an acid case receives. */
export type AcidContext = CaseContext<AcidTarget>;

/** `n/a` unless the endpoint accepted `level` when the run opened it. */
export function requireLevel(ctx: AcidContext, level: IsolationLevel): void {
  if (!ctx.target.endpoint.levels.includes(level)) ctx.notApplicable(`the endpoint does not accept isolation level ${level} (observed at open)`);
}

/** Read committed where the endpoint accepts it, else its first accepted level (atomicity, durability). */
export function someLevel(ctx: AcidContext): IsolationLevel {
  const levels = ctx.target.endpoint.levels;
  if (levels.includes('read committed')) return 'read committed';
  return levels[0] ?? ctx.notApplicable('the endpoint accepts no isolation level in BEGIN');
}

/** A deadline for one statement: the case's signal, or `ms`, whichever ends first. */
export function statement(ctx: AcidContext, ms = 5_000): AbortSignal {
  return within(ctx.signal, ms);
}

/** How long a workload may run inside the case deadline, leaving room for setup, the check and cleanup. */
export function workloadMs(ctx: AcidContext, wanted: number): number {
  return Math.max(1_000, Math.min(wanted, ctx.remainingMs() - 15_000));
}

/** The report section `name` (`listAppend`, `bank`, `atomicity`), keyed by level or variant; created on first use. */
export function sectionOf<V>(ctx: AcidContext, name: string): Record<string, V> {
  return (ctx.target.sections[name] ??= {}) as Record<string, V>;
}

/** The `isolation` report section, created on first use. */
export function isolationSection(target: AcidTarget): IsolationSection {
  const existing = target.sections.isolation as IsolationSection | undefined;
  if (existing) return existing;
  const s: IsolationSection = { matrix: {}, levels: {} };
  target.sections.isolation = s;
  return s;
}

/** Rows already observed in this run, so a level's P0 and P1 cases run its scripts once. */
const observedRows = new WeakMap<SqlEndpoint, Map<IsolationLevel, MatrixRow>>();

/**
 * The level's row of the scripted matrix, run once per endpoint and level, judged against what
 * the level's name promises and written to the report's `isolation` section.
 */
export async function observeRow(ctx: AcidContext, level: IsolationLevel): Promise<{ row: MatrixRow; judgement: LevelJudgement }> {
  const { endpoint } = ctx.target;
  requireLevel(ctx, level);
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
  section.timing = { blockedAfterMs: ctx.target.blockAfterMs, settleMs: DEFAULT_SETTLE_MS, hungAfterMs: DEFAULT_RELEASE_AFTER_MS };
  const { level: _l, ...verdict } = judgement;
  section.levels[level] = verdict;
  ctx.metric('matrix', Object.fromEntries(Object.entries(row).map(([a, c]) => [a, `${c.outcome}: ${c.how}`])));
  return { row, judgement };
}
