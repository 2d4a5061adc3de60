import type { Case } from '@helios-conformance/core';
import type { PgTarget } from '@helios-conformance/sql/postgres';
import * as auth from './auth/index.js';
import * as cancel from './cancel/index.js';
import * as catalog from './catalog/index.js';
import * as connection from './connection/index.js';
import * as copy from './copy/index.js';
import * as cursors from './cursors/index.js';
import * as drivers from './drivers/index.js';
import * as errors from './errors/index.js';
import * as extendedQuery from './extended-query/index.js';
import * as listenNotify from './listen-notify/index.js';
import * as sessionState from './session-state/index.js';
import * as simpleQuery from './simple-query/index.js';
import * as startup from './startup/index.js';
import * as streaming from './streaming/index.js';
import * as tls from './tls/index.js';
import * as transactions from './transactions/index.js';
import * as types from './types/index.js';

/**
 * Every case of the suite, in catalog (and run) order. A case's area is the folder it lives in;
 * the areas interleave because the order is the one the suite shipped with (IDs and run order
 * never change meaning), so the catalog names each case rather than each area.
 */
export const postgresCases: readonly Case<PgTarget>[] = Object.freeze([
  // The seed (PG-001…PG-008): a query, prepared statements, visibility, a cursor, SQLSTATEs, two more drivers, COPY.
  connection.simpleQuery,
  extendedQuery.preparedStatements,
  transactions.twoSessionVisibility,
  cursors.serverSideCursor,
  errors.sqlstateCodes,
  drivers.postgresJsRoundTrip,
  drivers.kyselyRoundTrip,
  copy.copyFromStdin,
  // The protocol (PG-009…PG-039): startup, authentication, TLS, simple and extended query.
  startup.startupCoreParameters,
  startup.startupApplicationName,
  startup.startupDateParameters,
  startup.startupBackendKey,
  startup.parameterStatusOnSet,
  startup.startupGucParameter,
  startup.negotiateProtocolVersion,
  auth.passwordExchange,
  auth.wrongPassword,
  auth.unknownDatabase,
  tls.sslRequestAnswer,
  tls.encryptedSession,
  tls.verifyFull,
  tls.gssEncRequest,
  simpleQuery.multiStatementResults,
  simpleQuery.emptyQuery,
  simpleQuery.raiseNotice,
  simpleQuery.multiStatementError,
  simpleQuery.readyForQueryStatus,
  simpleQuery.commandTags,
  extendedQuery.namedStatementReuse,
  extendedQuery.unnamedStatement,
  extendedQuery.describeStatement,
  extendedQuery.portalSuspended,
  extendedQuery.binaryFormat,
  extendedQuery.pipelineBeforeSync,
  extendedQuery.pipelineError,
  extendedQuery.parameterTypes,
  extendedQuery.nullParameters,
  extendedQuery.closeStatement,
  extendedQuery.flushMessage,
  // Data (PG-040…PG-068): COPY TO STDOUT and the types first, COPY FROM STDIN (PG-045…PG-048) last:
  // on some endpoints (embedded PGlite) a CopyIn kills the connection and the endpoint with it.
  copy.copyOutText,
  copy.copyOutCsv,
  copy.copyOutQuery,
  copy.copyOutBinary,
  copy.copyOutStream,
  types.integerLimits,
  types.integerOutOfRange,
  types.numericPrecision,
  types.floatSpecials,
  types.booleans,
  types.unicodeText,
  types.invalidUtf8,
  types.byteaAllBytes,
  types.dates,
  types.times,
  types.timestamptzZones,
  types.timestampEdges,
  types.intervals,
  types.uuids,
  types.jsonVsJsonb,
  types.arrays,
  types.enums,
  types.composites,
  types.ranges,
  types.domains,
  copy.copyInCsv,
  copy.copyInBinary,
  copy.copyInError,
  copy.copyRoundTrip,
  // Behaviour (PG-070…PG-099): errors, transactions, LISTEN/NOTIFY, cancel and timeouts, streaming, catalog.
  errors.integrityViolations,
  errors.undefinedObjects,
  errors.divisionByZero,
  errors.abortedTransaction,
  errors.serializationFailureUpdate,
  errors.serializationFailureWriteSkew,
  errors.deadlockDetected,
  transactions.savepoints,
  transactions.savepointErrorRecovery,
  transactions.readOnlyTransaction,
  transactions.isolationLevels,
  transactions.deferredUnique,
  transactions.deferredForeignKey,
  transactions.commitOfFailedTransaction,
  listenNotify.listenNotify,
  listenNotify.notifyTransactional,
  listenNotify.pgNotifyUnicode,
  listenNotify.unlisten,
  cancel.cancelRequest,
  cancel.statementTimeout,
  cancel.setLocalScope,
  errors.preparedAfterDdl,
  streaming.cursorStreaming,
  streaming.copyToStdoutStreaming,
  catalog.informationSchema,
  catalog.pgTypeOids,
  catalog.primaryKeyColumns,
  catalog.pgClassNamespace,
  catalog.serverVersion,
  catalog.sessionInfo,
  // Session state (PG-100…PG-106): across transactions and clients, as a transaction-mode pooler breaks it.
  sessionState.sessionSet,
  sessionState.sqlPrepare,
  sessionState.temporaryTables,
  sessionState.sessionAdvisoryLock,
  sessionState.withHoldCursor,
  sessionState.loadLibrary,
  sessionState.namedStatementsConcurrentClients,
]);
