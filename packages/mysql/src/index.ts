/**
 * @helios-conformance/mysql — MySQL wire protocol (v10) and behaviour conformance suite.
 *
 * Three ways to run it: the `helios-mysql` CLI, `registerMysqlSuite()` from
 * `@helios-conformance/mysql/vitest`, or the plain data in {@link mysqlCases}.
 */
export { mysqlSuite, classifyMysqlError, MYSQL_SUITE_VERSION } from './suite.js';
export { mysqlCases } from './cases/index.js';
export {
  fromDsn,
  openMysql,
  parseMysqlDsn,
  closeConnection,
  loginError,
  MYSQL_DSN_EXAMPLE,
  type MyTarget,
  type MySession,
  type MyConnectionOptions,
  type ObservedSettings,
  type ParsedMysqlDsn,
  type SslMode,
  type ConnectOptions,
  type FromDsnOptions,
} from './adapter.js';
export { parseHandshake, probeHandshake, CAPS, type Handshake } from './_internal/probe.js';
export { renderCasesMarkdown } from './docs.js';
