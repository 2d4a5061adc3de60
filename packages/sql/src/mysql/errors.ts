import { classified, errorMessage, type ClassifiedError } from '../errors.js';

/**
 * Server errnos that mean the session is gone: 1053 server shutdown, 1927 connection killed;
 * and the client-library errnos some drivers use for the same: 2006 gone away, 2013 lost during
 * query, 2055 lost at reading.
 */
const LOST_ERRNOS = new Set([1053, 1927, 2006, 2013, 2055]);
/** Socket codes, and the codes mysql2 and the MariaDB connector give a closed connection. */
const LOST_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'HC_ABORTED',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SOCKET_UNEXPECTED_CLOSE',
  'ER_CONNECTION_TIMEOUT',
  'ER_CMD_CONNECTION_CLOSED',
  'ER_SOCKET_TIMEOUT',
]);
const LOST_MESSAGE = /closed state|Connection lost|connection was killed|server has gone away/i;

/**
 * Classifies an error from a MySQL-compatible endpoint (mysql2, the MariaDB connector, or a
 * socket). errno first: 1213 deadlock, 1205 lock wait timeout, 1020 "Record has changed since last
 * read" (MariaDB's write-conflict abort under `innodb_snapshot_isolation`, the counterpart of
 * PostgreSQL's 40001) and SQLSTATE 40001 are serialization failures; a lost session by errno,
 * code or message; any other ERR packet (errno + SQLSTATE) is `refused`.
 */
export function classifyMysqlError(error: unknown): ClassifiedError {
  const e = error as { errno?: unknown; sqlState?: unknown; code?: unknown } | null | undefined;
  const errno = typeof e?.errno === 'number' ? e.errno : undefined;
  const sqlState = typeof e?.sqlState === 'string' ? e.sqlState : undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = errorMessage(error);
  const shown = errno !== undefined && errno > 0 ? String(errno) : code;
  // An ERR packet carries a server errno (1000–9999 in every MySQL-compatible server) and a SQLSTATE.
  const fromServer = errno !== undefined && errno >= 1000 && errno < 10000 && sqlState !== undefined && /^[0-9A-Z]{5}$/.test(sqlState);
  if (errno === 1213) return classified('deadlock', '1213', message, fromServer);
  if (errno === 1205) return classified('lock-timeout', '1205', message, fromServer);
  if (errno === 1020 || sqlState === '40001') return classified('serialization-failure', shown, message, fromServer);
  if ((errno !== undefined && LOST_ERRNOS.has(errno)) || (code !== undefined && LOST_CODES.has(code)) || LOST_MESSAGE.test(message)) {
    return classified('connection-lost', shown, message, fromServer);
  }
  if (fromServer) return classified('refused', shown, message, true);
  return classified('other', shown, message, false);
}
