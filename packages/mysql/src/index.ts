/**
 * @helios-conformance/mysql — MySQL wire protocol (v10) and behaviour conformance suite.
 *
 * Three ways to run it: the `helios-mysql` CLI, `registerMysqlSuite()` from
 * `@helios-conformance/mysql/vitest`, or the plain data in {@link mysqlCases}.
 */
export { mysqlSuite, openMysql, MYSQL_SUITE_VERSION } from './suite.js';
export { mysqlCases } from './cases/index.js';
// The endpoint layer lives in @helios-conformance/sql; re-exported for code that imported it from here.
export {
  fromDsn,
  parseMysqlDsn,
  closeConnection,
  loginError,
  classifyMysqlError,
  MYSQL_DSN_EXAMPLE,
  parseHandshake,
  probeHandshake,
  CAPS,
  type MyTarget,
  type MySession,
  type MyConnectionOptions,
  type ObservedSettings,
  type ParsedMysqlDsn,
  type SslMode,
  type ConnectOptions,
  type FromDsnOptions,
  type Handshake,
} from '@helios-conformance/sql/mysql';
