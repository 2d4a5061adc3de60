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
  acidCases,
  matrixCases,
  workloadCases,
  isolationCases,
  listAppendCases,
  bankCases,
  atomicityCases,
  durabilityCases,
  type AtomicityObservation,
  type DurabilityObservation,
  type Vanish,
} from './cases/index.js';
export { listAppendVerdict, forbiddenAnomalies, LEVEL_MODEL, type ListAppendVerdict } from './workload/list-append-verdict.js';
export { SIZES, type WorkloadSizes } from './_internal/sizes.js';
export { runListAppend, parseList, appendSql, type ListAppendOptions, type ListAppendRun } from './workload/list-append.js';
export { runBank, type BankOptions, type BankRun, type BadRead, type BankVerdict } from './workload/bank.js';
// The session layer moved to @helios-conformance/sql; these names stay for compatibility.
export {
  openSqlEndpoint as fromDsn,
  ISOLATION_LEVELS,
  rewritePlaceholders,
  SessionAbortedError,
  type EndpointOptions,
  type IsolationLevel,
  type SqlEndpoint,
  type SqlSession,
  type SqlResult,
  type SqlDialect,
  type SqlErrorKind,
  type ClassifiedError,
  type ServerControl,
} from '@helios-conformance/sql';
export { openPostgresEndpoint as fromPostgresDsn, classifyPgError as classifyPgSessionError } from '@helios-conformance/sql/postgres';
export { openMysqlEndpoint as fromMysqlDsn, classifyMysqlError as classifyMysqlSessionError, MYSQL_LOCK_WAIT_TIMEOUT_S } from '@helios-conformance/sql/mysql';
export { splitInternalReads, dropAbortedValues, type InternalReads } from './workload/fuzzy-reads.js';
export {
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
  type MatrixTiming,
} from './matrix/index.js';
