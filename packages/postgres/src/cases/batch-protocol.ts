import type { Case } from '@helios-conformance/core';
import type { PgTarget } from '@helios-conformance/sql/postgres';
import { passwordExchange, unknownDatabase, wrongPassword } from './auth/password.js';
import {
  binaryFormat,
  closeStatement,
  describeStatement,
  flushMessage,
  namedStatementReuse,
  nullParameters,
  parameterTypes,
  pipelineBeforeSync,
  pipelineError,
  portalSuspended,
  unnamedStatement,
} from './extended-query/protocol-messages.js';
import { commandTags, emptyQuery, multiStatementError, multiStatementResults, raiseNotice, readyForQueryStatus } from './simple-query/simple-query-protocol.js';
import {
  negotiateProtocolVersion,
  parameterStatusOnSet,
  startupApplicationName,
  startupBackendKey,
  startupCoreParameters,
  startupDateParameters,
  startupGucParameter,
} from './startup/parameter-status.js';
import { encryptedSession, gssEncRequest, sslRequestAnswer, verifyFull } from './tls/tls.js';

/** Cases beyond the seed: startup, authentication, TLS, simple and extended query (PG-009..PG-039). */
export const protocolCases: readonly Case<PgTarget>[] = [
  startupCoreParameters,
  startupApplicationName,
  startupDateParameters,
  startupBackendKey,
  parameterStatusOnSet,
  startupGucParameter,
  negotiateProtocolVersion,
  passwordExchange,
  wrongPassword,
  unknownDatabase,
  sslRequestAnswer,
  encryptedSession,
  verifyFull,
  gssEncRequest,
  multiStatementResults,
  emptyQuery,
  raiseNotice,
  multiStatementError,
  readyForQueryStatus,
  commandTags,
  namedStatementReuse,
  unnamedStatement,
  describeStatement,
  portalSuspended,
  binaryFormat,
  pipelineBeforeSync,
  pipelineError,
  parameterTypes,
  nullParameters,
  closeStatement,
  flushMessage,
];
