import { defineCase, type Case, type CaseContext, type Priority } from '@helios-conformance/core';
import { checkListAppend, judgeModels, PROSCRIBED, type AnomalyType, type CheckResult, type ConsistencyModel } from '../checker/index.js';
import type { IsolationLevel } from '../session/types.js';
import type { AcidTarget } from '../target.js';
import { dropAbortedValues, splitInternalReads } from '../workload/fuzzy-reads.js';
import { runListAppend, type ListAppendRun } from '../workload/list-append.js';
import { saveHistory } from './_internal/history-dir.js';
import { SIZES } from './_internal/sizes.js';

/** The consistency model each isolation level's name promises, in Adya's terms (as Elle maps them). */
export const LEVEL_MODEL: Readonly<Record<IsolationLevel, ConsistencyModel>> = {
  'read uncommitted': 'read-uncommitted',
  'read committed': 'read-committed',
  'repeatable read': 'repeatable-read',
  snapshot: 'snapshot-isolation',
  serializable: 'serializable',
};

/** What the report's `sections.listAppend[level]` holds. */
export interface ListAppendVerdict {
  txns: number;
  ok: number;
  failed: number;
  info: number;
  /**
   * Anomalies found, by checker class; `nonrepeatable-read` stands for the checker's `internal`
   * findings when every one of them is a read that merely saw newer committed appends.
   */
  anomalies: Record<string, number>;
  /** The strongest model of the chain read-uncommitted < read-committed < snapshot-isolation < repeatable-read < serializable the history is consistent with. */
  strongestModel: CheckResult['strongestModel'];
  /** One line: "not repeatable-read; also not serializable", or "consistent with serializable". */
  summary: string;
  /** Anomaly classes found that the level's name forbids. */
  forbidden: string[];
  /** Up to three anomalies (forbidden ones first), each a minimal cycle or single-key finding in plain words. */
  examples: string[];
  clients: number;
  keys: number;
  durationMs: number;
  /** Errors by kind (serialization failures, deadlocks, lock timeouts, lost connections). */
  errors: Record<string, number>;
}

/** Anomaly classes found in `result` that an endpoint at `level` must never show (checker names). */
export function forbiddenAnomalies(level: IsolationLevel, result: CheckResult): AnomalyType[] {
  const banned = new Set(PROSCRIBED[LEVEL_MODEL[level]]);
  return result.anomalyTypes.filter((t) => banned.has(t));
}

/**
 * The report section entry for one list-append run, judged against the level's name.
 *
 * The checker (like Elle) calls any second read of a key that does not repeat the first
 * "internal". Read committed does not promise repeatable reads, so when every such finding is a
 * read that only saw newer committed appends it is reported as `nonrepeatable-read` and judged
 * like G-single (read skew): allowed at read committed, forbidden from repeatable read up.
 */
export function listAppendVerdict(run: ListAppendRun): ListAppendVerdict {
  const r = run.result;
  const split = splitInternalReads(run.history);
  const fuzzyOnly = (r.counts.internal ?? 0) > 0 && split.broken === 0;
  const rename = (t: string): string => (fuzzyOnly && t === 'internal' ? 'nonrepeatable-read' : t);
  const judgedAs = new Set<AnomalyType>(r.anomalyTypes.map((t) => (fuzzyOnly && t === 'internal' ? 'G-single' : t)));
  const judged = judgeModels(judgedAs);
  const banned = new Set<AnomalyType>(PROSCRIBED[LEVEL_MODEL[run.level]]);
  const forbidden = r.anomalyTypes.filter((t) => banned.has(fuzzyOnly && t === 'internal' ? 'G-single' : t));
  const anomalies: Record<string, number> = {};
  for (const [t, n] of Object.entries(r.counts)) anomalies[rename(t)] = n ?? 0;
  const ordered = [...r.anomalies.filter((a) => forbidden.includes(a.type)), ...r.anomalies.filter((a) => !forbidden.includes(a.type))];
  return {
    txns: r.stats.txns,
    ok: r.stats.ok,
    failed: r.stats.fail,
    info: r.stats.info,
    anomalies,
    strongestModel: judged.strongestModel,
    summary: judged.summary,
    forbidden: forbidden.map(rename),
    examples: ordered.slice(0, 3).map((a) => (fuzzyOnly && a.type === 'internal' ? `non-repeatable read: ${a.explanation}` : a.explanation)),
    clients: run.clients,
    keys: run.keys,
    durationMs: run.durationMs,
    errors: { ...run.errors } as Record<string, number>,
  };
}

const slug = (level: IsolationLevel): string => level.replaceAll(' ', '-');

async function runCase(ctx: CaseContext<AcidTarget>, level: IsolationLevel): Promise<void> {
  const t = ctx.target;
  if (!t.endpoint.levels.includes(level)) ctx.notApplicable(`the endpoint does not accept isolation level ${level}`);
  const size = SIZES[t.size].listAppend;
  // Leave room for setup, the checker and cleanup inside the case deadline.
  const durationMs = Math.max(1_000, Math.min(size.durationMs, ctx.remainingMs() - 15_000));
  const run = await runListAppend({
    endpoint: t.endpoint,
    level,
    clients: size.clients,
    keys: size.keys,
    txns: size.txns,
    rng: ctx.rng,
    signal: ctx.signal,
    durationMs,
    log: (m) => ctx.log(m),
  });
  let judgedRun = run;
  if (level === 'read uncommitted') {
    // Dirty reads of transactions that later abort are what read uncommitted allows: judge the
    // history without those values (and say how many reads had them).
    const cleaned = dropAbortedValues(run.history);
    if (cleaned.abortedReads > 0) {
      ctx.log(`${cleaned.abortedReads} committed reads saw values of transactions that later aborted (allowed at read uncommitted)`);
      ctx.metric('abortedReads', cleaned.abortedReads);
      judgedRun = { ...run, history: cleaned.history, result: checkListAppend(cleaned.history) };
    }
  }
  const verdict = listAppendVerdict(judgedRun);
  const section = (t.sections.listAppend ??= {}) as Record<string, ListAppendVerdict>;
  section[level] = verdict;
  const file = await saveHistory(t, `list-append-${slug(level)}`, run.history);
  if (file) ctx.log(`history written to ${file}`);
  ctx.metric('txns', verdict.txns);
  ctx.metric('ok', verdict.ok);
  ctx.metric('failed', verdict.failed);
  ctx.metric('info', verdict.info);
  ctx.metric('anomalies', verdict.anomalies);
  ctx.metric('strongestModel', verdict.strongestModel);
  ctx.log(`${level}: ${verdict.txns} transactions (${verdict.ok} ok, ${verdict.failed} failed, ${verdict.info} unknown): ${verdict.summary}`);
  for (const e of verdict.examples) ctx.log(`  ${e}`);
  if (verdict.ok === 0) ctx.fail(`no transaction committed at ${level} (${verdict.txns} attempted; errors: ${JSON.stringify(verdict.errors)}): nothing to judge`);
  if (verdict.forbidden.length > 0) {
    const counts = verdict.forbidden.map((a) => `${a} ×${verdict.anomalies[a] ?? 0}`).join(', ');
    ctx.fail(
      `${level} showed anomalies its name forbids: ${counts}; the history is consistent with ${verdict.strongestModel} at most. ` +
        `For example: ${verdict.examples[0] ?? ''}`,
    );
  }
}

const LEVELS: ReadonlyArray<{ id: string; level: IsolationLevel; priority: Priority }> = [
  { id: 'AC-100', level: 'read uncommitted', priority: 'p2' },
  { id: 'AC-101', level: 'read committed', priority: 'p1' },
  { id: 'AC-102', level: 'repeatable read', priority: 'p1' },
  { id: 'AC-103', level: 'snapshot', priority: 'p1' },
  { id: 'AC-104', level: 'serializable', priority: 'p0' },
];

const TITLE: Readonly<Record<IsolationLevel, string>> = {
  'read uncommitted': 'list-append at read uncommitted: no dirty write (G0) and no impossible read',
  'read committed': 'list-append at read committed: no G0, aborted read, intermediate read or circular information flow',
  'repeatable read': 'list-append at repeatable read: no G-single, lost update or G2-item either',
  snapshot: 'list-append at snapshot isolation: no G-single or lost update (write skew allowed)',
  serializable: 'list-append at serializable: the checker finds no dependency cycle and no anomaly at all',
};

/** The list-append (Elle-style history checking) cases, one per isolation level. */
export const listAppendCases: readonly Case<AcidTarget>[] = LEVELS.map(({ id, level, priority }) =>
  defineCase<AcidTarget>({
    id,
    title: TITLE[level],
    priority,
    area: 'list-append',
    spec: 'https://github.com/jepsen-io/elle',
    since: '0.1.0',
    timeoutMs: 300_000,
    run: (ctx) => runCase(ctx, level),
  }),
);
