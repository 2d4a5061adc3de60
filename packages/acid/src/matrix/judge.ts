import type { IsolationLevel } from '@helios-conformance/sql';
import type { AnomalyId, LevelJudgement, MatrixRow } from './types.js';

/** One requirement: an anomaly, or only some of its scripts (`PMP` read predicate for ANSI RR). */
export interface Requirement {
  anomaly: AnomalyId;
  /** Variant names the requirement covers; all of them when absent. */
  variants?: readonly string[];
}

const G1: Requirement[] = [{ anomaly: 'G0' }, { anomaly: 'G1a' }, { anomaly: 'G1b' }, { anomaly: 'G1c' }];
const ALL: Requirement[] = [
  ...G1,
  { anomaly: 'OTV' },
  { anomaly: 'PMP' },
  { anomaly: 'P4' },
  { anomaly: 'G-single' },
  { anomaly: 'G2-item' },
  { anomaly: 'G2' },
];

/**
 * What each level's name promises, after Adya's thesis (Weak Consistency, MIT 1999: PL-1
 * proscribes G0; PL-2 G1; PL-2.99 — ANSI repeatable read — G1 and G2-item, i.e. every cycle
 * with an item anti-dependency; PL-3 every G2) and Hermitage's table (snapshot isolation
 * prevents everything but G2-item/G2).
 *
 * `p0`: every implementation of the name must prevent these; allowing one is broken (P0).
 * `p1`: the name promises these too, but common engines deliver less (PostgreSQL's repeatable
 * read is snapshot isolation and allows write skew; InnoDB's allows lost updates): allowing one
 * is "weaker than its name" (P1). The G-single predicate-read script is a predicate
 * anti-dependency, which PL-2.99 allows, so ANSI RR does not require it; PMP's read-predicate
 * script is required after Hermitage's reading of RR as "no phantoms for reads".
 */
export const LEVEL_PROMISES: Readonly<Record<IsolationLevel, { p0: readonly Requirement[]; p1: readonly Requirement[] }>> = {
  'read uncommitted': { p0: [{ anomaly: 'G0' }], p1: [] },
  'read committed': { p0: G1, p1: [] },
  'repeatable read': {
    p0: G1,
    p1: [
      { anomaly: 'OTV' },
      { anomaly: 'PMP', variants: ['read predicate'] },
      { anomaly: 'P4' },
      { anomaly: 'G-single', variants: ['item', 'write predicate'] },
      { anomaly: 'G2-item' },
    ],
  },
  snapshot: { p0: G1, p1: [{ anomaly: 'OTV' }, { anomaly: 'PMP' }, { anomaly: 'P4' }, { anomaly: 'G-single' }] },
  serializable: { p0: ALL, p1: [] },
};

/** Models from strongest to weakest with what each prevents (Hermitage's "actual isolation level"). */
const MODELS: ReadonlyArray<{ name: string; prevents: readonly AnomalyId[] }> = [
  { name: 'serializable', prevents: ['G0', 'G1a', 'G1b', 'G1c', 'OTV', 'PMP', 'P4', 'G-single', 'G2-item', 'G2'] },
  { name: 'snapshot isolation', prevents: ['G0', 'G1a', 'G1b', 'G1c', 'OTV', 'PMP', 'P4', 'G-single'] },
  { name: 'monotonic atomic view', prevents: ['G0', 'G1a', 'G1b', 'G1c', 'OTV'] },
  { name: 'read committed', prevents: ['G0', 'G1a', 'G1b', 'G1c'] },
  { name: 'read uncommitted', prevents: ['G0'] },
];

const label = (r: Requirement): string => (r.variants ? `${r.anomaly} (${r.variants.join(', ')})` : r.anomaly);

/** 'allowed' | 'inconclusive' | 'prevented' for the part of the cell a requirement covers; undefined when not run. */
function status(row: MatrixRow, r: Requirement): 'allowed' | 'inconclusive' | 'prevented' | undefined {
  const cell = row[r.anomaly];
  if (!cell) return undefined;
  if (!r.variants) return cell.outcome;
  const parts = r.variants.map((v) => cell.variants[v]?.outcome).filter((x) => x !== undefined);
  if (parts.length === 0) return undefined;
  if (parts.includes('allowed')) return 'allowed';
  if (parts.includes('inconclusive')) return 'inconclusive';
  return 'prevented';
}

/**
 * The strongest model the row is consistent with. Only an `allowed` cell rules a model out: a cell
 * that is inconclusive or was not run proves nothing either way, so when such cells are among what
 * the strongest remaining model prevents, the answer stays open ("at most X; not observed: …").
 */
function strongestModel(row: MatrixRow): string {
  const model = MODELS.find((m) => !m.prevents.some((a) => row[a]?.outcome === 'allowed'));
  if (!model) return 'none (allows dirty writes)';
  const open = model.prevents.filter((a) => row[a]?.outcome !== 'prevented');
  return open.length ? `at most ${model.name}; not observed: ${open.join(', ')}` : model.name;
}

/**
 * Judges an observed row against what the level's name promises ({@link LEVEL_PROMISES}).
 * An anomaly that was not run counts as inconclusive for a requirement, never as prevented.
 */
export function judgeLevel(level: IsolationLevel, row: MatrixRow): LevelJudgement {
  const promise = LEVEL_PROMISES[level];
  const p0: string[] = [];
  const p1: string[] = [];
  const inconclusive: string[] = [];
  for (const [tier, list] of [
    [p0, promise.p0],
    [p1, promise.p1],
  ] as const) {
    for (const r of list) {
      const s = status(row, r);
      if (s === 'allowed') tier.push(label(r));
      else if (s !== 'prevented') inconclusive.push(label(r));
    }
  }
  const behavesAs = strongestModel(row);
  const verdict = p0.length ? 'broken' : inconclusive.length ? 'inconclusive' : p1.length ? 'weaker than its name' : 'as promised';
  return { level, verdict, behavesAs, p0, p1, inconclusive };
}
