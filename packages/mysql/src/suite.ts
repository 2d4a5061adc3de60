import { defineSuite, type Suite } from '@helios-conformance/core';
import { MYSQL_DSN_EXAMPLE, openMysql, type MyTarget } from './adapter.js';
import { mysqlCases } from './cases/index.js';

/** Version of this package (kept equal to package.json by a test). */
export const MYSQL_SUITE_VERSION = '0.1.0';

const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ER_SOCKET_UNEXPECTED_CLOSE', 'ER_CONNECTION_TIMEOUT',
  'ER_CMD_CONNECTION_CLOSED', 'ER_SOCKET_TIMEOUT',
]);

/**
 * A server error (an ERR packet: numeric errno and SQLSTATE) means the endpoint rejected
 * what the case asked for: a conformance failure. A lost connection, a timeout or a
 * harness bug stays an `error`.
 */
export function classifyMysqlError(error: unknown): 'fail' | 'error' {
  const e = error as { errno?: unknown; sqlState?: unknown; code?: unknown } | null;
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code)) return 'error';
  if (typeof e?.errno === 'number' && e.errno >= 1000 && e.errno < 10000 && typeof e.sqlState === 'string' && /^[0-9A-Z]{5}$/.test(e.sqlState)) {
    return 'fail';
  }
  return 'error';
}

/** The MySQL conformance suite: the catalog plus how to open an endpoint. */
export const mysqlSuite: Suite<MyTarget> = defineSuite<MyTarget>({
  name: '@helios-conformance/mysql',
  version: MYSQL_SUITE_VERSION,
  description: 'MySQL wire protocol (v10) and behaviour conformance (Gold)',
  bin: 'helios-mysql',
  idPrefixes: ['MY-'],
  cases: [...mysqlCases],
  defaultTimeoutMs: 15_000,
  dsnExample: MYSQL_DSN_EXAMPLE,
  defaultTarget: 'none: pass --dsn (start a MariaDB with `npx @helios-conformance/testbed up mariadb`)',
  classifyError: classifyMysqlError,
  open: openMysql,
});
