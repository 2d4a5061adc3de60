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
// The checker's whole public surface, kept in one list (checker/index.ts).
export * from './checker/index.js';
export { toElleEdn, toElleJson, opToEdn, opToElleJson } from './export.js';
export { generateHistory, type GenerateOptions, type GeneratedHistory, type InjectedAnomaly } from './generate.js';
export { acidSuite, openAcid, ACID_SUITE_VERSION, type AcidSession, type TestbedKind } from './suite.js';
export type { AcidTarget, AcidSize } from './target.js';
export {
  workloadCases,
  listAppendCases,
  bankCases,
  atomicityCases,
  durabilityCases,
  listAppendVerdict,
  forbiddenAnomalies,
  LEVEL_MODEL,
  SIZES,
  type ListAppendVerdict,
  type BankVerdict,
  type AtomicityObservation,
  type DurabilityObservation,
  type Vanish,
  type WorkloadSizes,
} from './cases/index.js';
export { runListAppend, parseList, appendSql, type ListAppendOptions, type ListAppendRun } from './workload/list-append.js';
export { runBank, type BankOptions, type BankRun, type BadRead } from './workload/bank.js';
export {
  fromDsn,
  fromPostgresDsn,
  fromMysqlDsn,
  ISOLATION_LEVELS,
  type EndpointOptions,
  type IsolationLevel,
  type SqlEndpoint,
  type SqlSession,
  type SqlResult,
  type SqlDialect,
  type SqlErrorKind,
  type ClassifiedError,
  type ServerControl,
} from './session/index.js';
export { splitInternalReads, dropAbortedValues, type InternalReads } from './workload/fuzzy-reads.js';
export {
  matrixCases,
  runAnomaly,
  runMatrix,
  runMatrixRow,
  judgeLevel,
  renderMatrixConsole,
  renderMatrixHtml,
  ANOMALIES,
  LEVEL_PROMISES,
  DEFAULT_BLOCK_AFTER_MS,
  type AnomalyId,
  type MatrixCell,
  type MatrixRow,
  type MatrixOutcome,
  type LevelJudgement,
  type IsolationSection,
} from './matrix/index.js';
