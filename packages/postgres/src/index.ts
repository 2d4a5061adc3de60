/**
 * @helios-conformance/postgres — PostgreSQL wire protocol and behaviour conformance suite.
 *
 * Three ways to run it: the `helios-postgres` CLI, `registerPostgresSuite()` from
 * `@helios-conformance/postgres/vitest`, or the plain data in {@link postgresCases}.
 */
export { postgresSuite, openPostgres, POSTGRES_SUITE_VERSION } from './suite.js';
export { postgresCases } from './cases/index.js';
// The adapter lives in the SQL layer; re-exported for code written against earlier versions.
export {
  fromDsn,
  parsePgDsn,
  closeClient,
  destroyClient,
  loginError,
  classifyPgError,
  type PgTarget,
  type PgSession,
  type PgConnectionOptions,
  type ParsedPgDsn,
  type SslMode,
  type ConnectOptions,
  type FromDsnOptions,
} from '@helios-conformance/sql/postgres';
export type { ClassifiedError, SqlErrorKind } from '@helios-conformance/sql';
