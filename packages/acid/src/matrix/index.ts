/**
 * The scripted anomaly matrix: Hermitage's interleavings for Adya's anomalies, run per
 * isolation level, judged against what each level's name promises.
 */
export { ANOMALIES, ANOMALY_IDS, anomaly, formatRows } from './anomalies.js';
export { runAnomaly, runMatrix, runMatrixRow, runVariant, DEFAULT_BLOCK_AFTER_MS, DEFAULT_RELEASE_AFTER_MS, DEFAULT_SETTLE_MS, type MatrixOptions } from './run.js';
export { judgeLevel, LEVEL_PROMISES, type Requirement } from './judge.js';
export { renderMatrixConsole, renderMatrixHtml } from './render.js';
export type {
  AnomalyId,
  AnomalyDefinition,
  AnomalyVariant,
  ScriptStep,
  SessionName,
  Observation,
  MatrixOutcome,
  MatrixCell,
  MatrixRow,
  StepTrace,
  VariantResult,
  LevelVerdict,
  LevelJudgement,
  IsolationSection,
  MatrixTiming,
} from './types.js';
