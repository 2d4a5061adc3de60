/**
 * `@helios-conformance/sql` — the one SQL layer of the Helios conformance suites.
 *
 * This entry is family-neutral: error kinds and verdicts, the dialect-neutral session contract
 * and {@link openSqlEndpoint}, DSN helpers, deadlines, and the owned-server helper for embedded
 * defaults. The wire families live in subpaths, each loading its driver on first use:
 * `@helios-conformance/sql/postgres`, `@helios-conformance/sql/mysql`, and the raw PostgreSQL
 * codec `@helios-conformance/sql/pg-wire`.
 */
export { SQL_ERROR_KINDS, ABORT_KINDS, classified, errorMessage, type SqlErrorKind, type ClassifiedError } from './errors.js';
export {
  ISOLATION_LEVELS,
  type IsolationLevel,
  type SqlResult,
  type SqlDialect,
  type SqlSession,
  type SqlEndpoint,
  type ServerControl,
  type EndpointOptions,
} from './session.js';
export { openSqlEndpoint, familyOfDsn } from './open.js';
export { rewritePlaceholders, SessionAbortedError } from './_internal/endpoint.js';
export { parseDsnUrl, hostPort, readPem, type DsnParts } from './dsn.js';
export { connectError } from './socket.js';
export { sleep, within, settleWithin, settle, endWithin, type Settled } from './time.js';
export { openOnOwnedServer, type OwnedServer, type OwnedServerOptions } from './owned.js';
