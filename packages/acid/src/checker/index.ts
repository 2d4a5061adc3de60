export { checkListAppend } from './check.js';
export { judgeModels, PROSCRIBED, MODELS } from './models.js';
export { formatCheckResult } from './format.js';
export {
  ANOMALY_TYPES,
  type AnomalyType,
  type Anomaly,
  type CycleStep,
  type EdgeType,
  type ConsistencyModel,
  type CheckOptions,
  type CheckResult,
  type CheckStats,
} from './types.js';
