/**
 * @helios-conformance/postgres — PostgreSQL wire protocol and behaviour conformance suite.
 *
 * Three ways to run it: the `helios-postgres` CLI, `registerPostgresSuite()` from
 * `@helios-conformance/postgres/vitest`, or the plain data in {@link postgresCases}.
 */
export { postgresSuite, classifyPgError, POSTGRES_SUITE_VERSION } from './suite.js';
export { postgresCases } from './cases/index.js';
export {
  fromDsn,
  openPostgres,
  parsePgDsn,
  closeClient,
  destroyClient,
  loginError,
  type PgTarget,
  type PgSession,
  type PgConnectionOptions,
  type ParsedPgDsn,
  type SslMode,
  type ConnectOptions,
  type FromDsnOptions,
} from './adapter.js';
