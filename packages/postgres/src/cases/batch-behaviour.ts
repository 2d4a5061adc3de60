import type { Case } from '@helios-conformance/core';
import type { PgTarget } from '@helios-conformance/sql/postgres';
import { abortedTransaction, divisionByZero, integrityViolations, undefinedObjects } from './errors/common-sqlstates.js';
import { deadlockDetected, serializationFailureUpdate, serializationFailureWriteSkew } from './errors/concurrency.js';
import { preparedAfterDdl } from './errors/cached-plan.js';
import { savepointErrorRecovery, savepoints } from './transactions/savepoints.js';
import { commitOfFailedTransaction, isolationLevels, readOnlyTransaction } from './transactions/modes.js';
import { deferredForeignKey, deferredUnique } from './transactions/deferred-constraints.js';
import { listenNotify, notifyTransactional, pgNotifyUnicode, unlisten } from './notify/listen-notify.js';
import { cancelRequest, setLocalScope, statementTimeout } from './cancel/cancel-and-timeouts.js';
import { copyToStdoutStreaming, cursorStreaming } from './streaming/large-results.js';
import { informationSchema } from './catalog/information-schema.js';
import { pgClassNamespace, pgTypeOids, primaryKeyColumns } from './catalog/pg-catalog.js';
import { serverVersion, sessionInfo } from './catalog/server-info.js';

/** Cases beyond the seed: errors, transactions, LISTEN/NOTIFY, cancel, timeouts, streaming, catalog queries (PG-070..PG-099). */
export const behaviourCases: readonly Case<PgTarget>[] = [
  integrityViolations,
  undefinedObjects,
  divisionByZero,
  abortedTransaction,
  serializationFailureUpdate,
  serializationFailureWriteSkew,
  deadlockDetected,
  savepoints,
  savepointErrorRecovery,
  readOnlyTransaction,
  isolationLevels,
  deferredUnique,
  deferredForeignKey,
  commitOfFailedTransaction,
  listenNotify,
  notifyTransactional,
  pgNotifyUnicode,
  unlisten,
  cancelRequest,
  statementTimeout,
  setLocalScope,
  preparedAfterDdl,
  cursorStreaming,
  copyToStdoutStreaming,
  informationSchema,
  pgTypeOids,
  primaryKeyColumns,
  pgClassNamespace,
  serverVersion,
  sessionInfo,
];
