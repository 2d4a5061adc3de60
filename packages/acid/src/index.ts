export {
  pairTxns,
  txnName,
  formatList,
  HistoryError,
  type Key,
  type Mop,
  type ReadMop,
  type AppendMop,
  type Op,
  type OpType,
  type History,
  type Txn,
  type TxnStatus,
} from './history.js';
export {
  checkListAppend,
  judgeModels,
  formatCheckResult,
  PROSCRIBED,
  MODELS,
  ANOMALY_TYPES,
  type AnomalyType,
  type Anomaly,
  type CycleStep,
  type EdgeType,
  type ConsistencyModel,
  type CheckOptions,
  type CheckResult,
  type CheckStats,
} from './checker/index.js';
export { toElleEdn, toElleJson, opToEdn, opToElleJson } from './export.js';
export { generateHistory, type GenerateOptions, type GeneratedHistory, type InjectedAnomaly } from './generate.js';
