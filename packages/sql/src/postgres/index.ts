/**
 * `@helios-conformance/sql/postgres` — PostgreSQL endpoints: DSN parsing (libpq's defaults and
 * sslmode), a protocol/TLS probe, login with deadlines and one-line login errors, the run's
 * schema `hc_<run id>`, the one classifier of PostgreSQL errors, and the dialect-neutral
 * endpoint over `pg`.
 */
export { parsePgDsn, PG_DSN_EXAMPLE, type ParsedPgDsn, type SslMode } from './dsn.js';
export {
  fromDsn,
  closeClient,
  destroyClient,
  loginError,
  probeTarget,
  pgSslOptions,
  type PgTarget,
  type PgSession,
  type PgConnectionOptions,
  type ConnectOptions,
  type FromDsnOptions,
} from './connect.js';
export { classifyPgError } from './errors.js';
export { expectSqlError, checkSqlError, type PgServerError } from './expect.js';
export { probeServer, type ProbeResult } from './probe.js';
export { postgresEndpoint, openPostgresEndpoint } from './endpoint.js';
export { loadPg } from './driver.js';
