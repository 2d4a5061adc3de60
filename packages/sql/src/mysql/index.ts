/**
 * `@helios-conformance/sql/mysql` — MySQL-compatible endpoints (MySQL, MariaDB): DSN parsing
 * (ssl-mode), the v10 handshake probe, login with deadlines and one-line login errors, the run's
 * database `hc_<run id>`, the one classifier of MySQL errors, and the dialect-neutral endpoint
 * over `mysql2`.
 */
export { parseMysqlDsn, MYSQL_DSN_EXAMPLE, type ParsedMysqlDsn, type SslMode } from './dsn.js';
export {
  fromDsn,
  mysqlSslOptions,
  mysqlDirectOptions,
  closeConnection,
  loginError,
  type MyTarget,
  type MySession,
  type MyConnectionOptions,
  type ObservedSettings,
  type ConnectOptions,
  type FromDsnOptions,
} from './connect.js';
export { classifyMysqlError } from './errors.js';
export { expectSqlError, type MysqlServerError, type ExpectedMysqlError } from './expect.js';
export { parseHandshake, probeHandshake, CAPS, type Handshake } from './probe.js';
export { mysqlEndpoint, openMysqlEndpoint, MYSQL_LOCK_WAIT_TIMEOUT_S } from './endpoint.js';
export { loadMysql2 } from './driver.js';
