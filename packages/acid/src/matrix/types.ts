import type { ClassifiedError, IsolationLevel } from '@helios-conformance/sql';

/** The anomalies of Adya's taxonomy as Hermitage scripts them, weakest first. */
export type AnomalyId = 'G0' | 'G1a' | 'G1b' | 'G1c' | 'OTV' | 'PMP' | 'P4' | 'G-single' | 'G2-item' | 'G2';

/** A session of a script, as in Hermitage's `-- T1` comments. */
export type SessionName = 'T1' | 'T2' | 'T3';

/**
 * One step of a scripted interleaving. `sql` is `BEGIN` / `COMMIT` / `ROLLBACK` (run through the
 * session at the level under test) or a statement where `{t}` stands for the script's table.
 */
export interface ScriptStep {
  readonly session: SessionName;
  readonly sql: string;
  readonly params?: readonly unknown[];
  /** Name under which the step's observation is kept for the variant's witness. */
  readonly label?: string;
  /** What an anomaly looks like at this step, for a human reading the script or the trace. */
  readonly expect?: string;
}

/** What one run of a script observed, as the witness reads it. */
export interface Observation {
  /** Rows `id → value` a labelled step returned; undefined when it did not run or failed. */
  rows(label: string): ReadonlyMap<number, number> | undefined;
  /** Rows a labelled INSERT/UPDATE/DELETE affected; undefined when it did not run or failed. */
  affected(label: string): number | undefined;
  /** True when the session's COMMIT succeeded. */
  committed(session: SessionName): boolean;
  /** The table after every session ended (`id → value`). */
  readonly final: ReadonlyMap<number, number>;
}

/** One interleaving of an anomaly (several anomalies have a read and a write-predicate form). */
export interface AnomalyVariant {
  /** Short name shown in the matrix when it matters (`item`, `write predicate`, …). */
  readonly name: string;
  readonly steps: readonly ScriptStep[];
  /** Returns a plain-words description of the anomaly when the observation shows it, else null. */
  witness(o: Observation): string | null;
}

/** One anomaly of the matrix with its scripts. */
export interface AnomalyDefinition {
  readonly id: AnomalyId;
  readonly title: string;
  /** One sentence: what goes wrong for an application. */
  readonly description: string;
  readonly variants: readonly AnomalyVariant[];
}

/** How an anomaly turned out at a level: `inconclusive` when the script could not be carried out. */
export type MatrixOutcome = 'prevented' | 'allowed' | 'inconclusive';

/** One traced step as it happened. */
export interface StepTrace {
  /** Index of the step in the script. */
  step: number;
  session: SessionName;
  sql: string;
  /** The statement had not returned after `blockAfterMs`. */
  blocked: boolean;
  status: 'ok' | 'error' | 'skipped' | 'hung';
  /** `1=10 2=20` for a read. */
  rows?: string;
  affected?: number;
  error?: Pick<ClassifiedError, 'kind' | 'code' | 'message'>;
  /** From start to result, in ms. */
  ms: number;
}

/** The outcome of one script (one variant at one level). */
export interface VariantResult {
  variant: string;
  outcome: MatrixOutcome;
  how: string;
  steps: StepTrace[];
  /** The table after the script, `1=12 2=22`. */
  final: string;
  /** What each labelled step returned (`1=10 2=20`), for cases that check more than the witness. */
  reads: Record<string, string>;
}

/** One cell of the matrix. */
export interface MatrixCell {
  outcome: MatrixOutcome;
  how: string;
  /** Per variant, for anomalies with several scripts. */
  variants: Record<string, { outcome: MatrixOutcome; how: string }>;
  /** The observed traces, one per variant. */
  steps: VariantResult[];
}

/** The observed row of one level. */
export type MatrixRow = Partial<Record<AnomalyId, MatrixCell>>;

/** How a level measured up to what its name promises. */
export type LevelVerdict = 'as promised' | 'weaker than its name' | 'broken' | 'inconclusive';

/** {@link judgeLevel}'s answer. */
export interface LevelJudgement {
  level: IsolationLevel;
  verdict: LevelVerdict;
  /**
   * The strongest Hermitage/Adya model the row is consistent with (`snapshot isolation`, …); only an
   * allowed cell rules a model out, so with inconclusive cells it reads `at most X; not observed: …`.
   */
  behavesAs: string;
  /** Anomalies allowed although the level must prevent them in every implementation (P0). */
  p0: string[];
  /** Anomalies allowed although the level's ANSI name forbids them (P1: weaker than its name). */
  p1: string[];
  /** Anomalies the level must prevent whose script could not be carried out. */
  inconclusive: string[];
}

/** What the matrix cases write into `target.sections.isolation`. */
export interface IsolationSection {
  /** `variants` is present only for anomalies with several scripts whose outcomes differ in how. */
  matrix: Partial<Record<IsolationLevel, Partial<Record<AnomalyId, { outcome: MatrixOutcome; how: string; variants?: Record<string, { outcome: MatrixOutcome; how: string }> }>>>>;
  levels: Partial<Record<IsolationLevel, Omit<LevelJudgement, 'level'>>>;
  /** The deadlines that decided "blocked" (absent in reports made before they were recorded). */
  timing?: MatrixTiming;
}

/**
 * When the matrix calls a statement blocked, how long released statements get to answer, and when
 * a wait is called hung. A hop between the suite and the server (a proxy, a pooler, a slow link)
 * that adds well under `settleMs` to a round trip cannot change a cell.
 */
export interface MatrixTiming {
  /** A statement that had not answered after this many ms was blocked (`--block-after-ms`). */
  blockedAfterMs: number;
  /** After a COMMIT, ROLLBACK or error, blocked statements had this long to answer before the next step. */
  settleMs: number;
  /** A statement still blocked this long after it started, with nothing left to run, was hung: its session killed, the cell inconclusive. */
  hungAfterMs: number;
}
