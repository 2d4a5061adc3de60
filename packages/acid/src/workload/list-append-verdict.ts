import { judgeModels, PROSCRIBED, type AnomalyType, type CheckResult, type ConsistencyModel } from '../checker/index.js';
import type { IsolationLevel } from '@helios-conformance/sql';
import { splitInternalReads } from './fuzzy-reads.js';
import type { ListAppendRun } from './list-append.js';

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
