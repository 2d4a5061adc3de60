export { createRng, randomSeed, hashString, type Rng } from './rng.js';
export {
  defineCase,
  defineSuite,
  isValidCaseId,
  PRIORITIES,
  STATUSES,
  CannotRunError,
  CaseFailure,
  CaseSkip,
  CaseNotApplicable,
  type Priority,
  type Status,
  type Case,
  type CaseContext,
  type CaseDefinition,
  type Suite,
  type SuiteDefinition,
  type SuiteSession,
  type SuiteCliOption,
  type OpenOptions,
} from './model.js';
export {
  runSuite,
  selectCases,
  shardOf,
  parseShard,
  emptySelectionReason,
  cannotRunReport,
  executeCase,
  openSession,
  applyExpectation,
  describeError,
  type RunOptions,
  type RunEvent,
  type CaseFilter,
  type ExecuteOptions,
  type Execution,
} from './runner.js';
export {
  parseExpectations,
  loadExpectations,
  updatedExpectations,
  writeExpectations,
  ExpectationMatcher,
  ExpectationsError,
  EXPECTATIONS_SCHEMA_URL,
  type Expectations,
  type ExpectationEntry,
  type ExpectKind,
  type MatchedExpectation,
} from './expectations.js';
export {
  chooseExpectations,
  matchShipped,
  type EndpointFingerprint,
  type ShippedExpectations,
  type ExpectationsChoice,
  type ExpectationsSource,
  type ChooseOptions,
} from './shipped.js';
export {
  REPORT_SCHEMA_VERSION,
  UNEXPECTED,
  summarize,
  isConformant,
  countPriorities,
  describePriorities,
  describeSeedTier,
  type Report,
  type CaseResult,
  type Summary,
  type PriorityCounts,
  type SeedTier,
  type Shard,
} from './report.js';
export { Redactor, redactDsn, secretsOfDsn, REDACTED } from './redact.js';
export { createConsoleReporter, type ConsoleIO } from './reporters/console.js';
export { renderJson } from './reporters/json.js';
export { renderJunit } from './reporters/junit.js';
export { renderHtml } from './reporters/html.js';
export { runCli, main, helpText, EXIT, writeReportFiles, unexpectedArgument, type CliIO } from './cli.js';
export { mergeReports, runMerge, MergeError } from './merge.js';
export { unknownExpectationIds, nearestId } from './known-ids.js';
export { renderCatalogMarkdown } from './catalog-docs.js';
export { checkIds, registryFor, loadIdRegistry, type IdRegistry, type IdEntry } from './ids.js';
export { isSocketLoss, probeOnce, waitForEndpoint, PROBE_DEADLINE_MS, PROBE_WINDOW_MS, PROBE_RETRY_MS, DEFAULT_LIVENESS_BUDGET_MS } from './liveness.js';
