import type { Key } from '../history.js';

/**
 * Every anomaly class the list-append checker reports.
 *
 * - `G0` dirty write: a cycle of write-write dependencies only.
 * - `G1a` aborted read: a committed read observed a value appended by a failed transaction.
 * - `G1b` intermediate read: a read ended in a value its writer later followed with another append to that key.
 * - `G1c` circular information flow: a cycle of write-write and write-read dependencies.
 * - `G-single` read skew: a cycle with exactly one read-write anti-dependency.
 * - `G2-item` e.g. write skew: a cycle with two or more read-write anti-dependencies.
 * - `lost-update`: two committed transactions read the same version of a key and both appended to it.
 * - `internal`: a read inside a transaction disagrees with that transaction's own earlier reads and appends.
 * - `incompatible-order`: two reads of a key where neither is a prefix of the other.
 * - `duplicate-elements`: a read lists one appended value more than once.
 * - `garbage-read`: a read observed a value that no transaction ever appended.
 */
export type AnomalyType =
  | 'G0'
  | 'G1a'
  | 'G1b'
  | 'G1c'
  | 'G-single'
  | 'G2-item'
  | 'lost-update'
  | 'internal'
  | 'incompatible-order'
  | 'duplicate-elements'
  | 'garbage-read';

/** All anomaly types, most severe first (the order `anomalyTypes` is reported in). */
export const ANOMALY_TYPES: readonly AnomalyType[] = [
  'internal',
  'incompatible-order',
  'duplicate-elements',
  'garbage-read',
  'G0',
  'G1a',
  'G1b',
  'G1c',
  'G-single',
  'lost-update',
  'G2-item',
];

/** A dependency between two transactions. */
export type EdgeType = 'ww' | 'wr' | 'rw';

/** One edge of a reported cycle, with the key and values that justify it. */
export interface CycleStep {
  /** Transaction the edge leaves (`T<from>`). */
  from: number;
  /** Transaction the edge enters. */
  to: number;
  /** ww: `to` appended right after `from`; wr: `to` read `from`'s append; rw: `from` read a version without `to`'s append. */
  type: EdgeType;
  /** The key. */
  key: Key;
  /**
   * ww: the value `to` appended; wr: the value of `from` that `to` saw last; rw: the value `to`
   * appended that `from` did not see.
   */
  value: number;
  /** ww only: the value `from` appended just before. */
  previous?: number;
}

/** One anomaly: what it is, who took part and a sentence that says why. */
export interface Anomaly {
  /** The class. */
  type: AnomalyType;
  /** Transactions involved (ids as in `T<id>`): the cycle members for cycles. */
  txns: number[];
  /** For cycle anomalies: the members in cycle order (each has an edge to the next, the last to the first). */
  cycle?: number[];
  /** For cycle anomalies: the edges, `steps[i]` from `cycle[i]` to `cycle[(i+1) % n]`. */
  steps?: CycleStep[];
  /** The key concerned, for single-key anomalies. */
  key?: Key;
  /** Plain-English account naming the transactions, keys and values. */
  explanation: string;
}

/** Consistency models the checker rules out, weakest first. */
export type ConsistencyModel = 'read-uncommitted' | 'read-committed' | 'snapshot-isolation' | 'repeatable-read' | 'serializable';

/** Options of {@link checkListAppend}. */
export interface CheckOptions {
  /** Most anomalies of one type listed in `anomalies` (all are counted in `counts`); default 100. */
  maxAnomaliesPerType?: number;
  /** Most read-write edges tried per strongly connected component when looking for a G-single cycle; default 1000. */
  maxGSingleTries?: number;
}

/** Sizes of what was checked. */
export interface CheckStats {
  /** Transactions (paired invocations). */
  txns: number;
  /** Committed. */
  ok: number;
  /** Known failed. */
  fail: number;
  /** Unknown outcome. */
  info: number;
  /** Distinct keys. */
  keys: number;
  /** Micro-operations. */
  mops: number;
  /** Dependency edges inferred. */
  edges: number;
  /** Strongly connected components with a cycle. */
  cyclicComponents: number;
}

/** What {@link checkListAppend} concludes. */
export interface CheckResult {
  /** True when no anomaly was found: the history is consistent with serializability (as far as list-append can tell). */
  valid: boolean;
  /** Anomalies found, most severe type first (capped per type, see `counts`). */
  anomalies: Anomaly[];
  /** The distinct anomaly types found, most severe first. */
  anomalyTypes: AnomalyType[];
  /** Number of anomalies found per type (before the cap). */
  counts: Partial<Record<AnomalyType, number>>;
  /**
   * The strongest model of the chain read-uncommitted < read-committed < repeatable-read <
   * serializable that the history is consistent with, or `none` when even read uncommitted is violated.
   */
  strongestModel: 'none' | 'read-uncommitted' | 'read-committed' | 'snapshot-isolation' | 'repeatable-read' | 'serializable';
  /** Every model the history is not consistent with, weakest first (includes snapshot-isolation). */
  notModels: ConsistencyModel[];
  /** One line: "not repeatable-read; also not serializable", or "consistent with serializable". */
  summary: string;
  /** Sizes. */
  stats: CheckStats;
}
