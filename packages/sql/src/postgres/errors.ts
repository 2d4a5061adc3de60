import { classified, errorMessage, type ClassifiedError } from '../errors.js';

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Driver and socket codes that mean the session is gone. */
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'HC_ABORTED']);
/** What `pg` says when its socket is gone (it raises these without a code). */
const LOST_MESSAGE = /Connection terminated|connection error|not queryable|Client was closed|socket hang up|ECONNRESET|EPIPE/i;

/**
 * Classifies an error from a PostgreSQL endpoint (a `pg` / postgres.js / raw-wire error, or a
 * socket error). SQLSTATE first: 40001 serialization failure, 40P01 deadlock, 55P03 lock timeout;
 * 57P01–57P03 (shutdown, crash, cannot connect now) mean the server is going away: the session
 * is lost. Any other SQLSTATE the server sent is `refused`, class 08 included: an ErrorResponse
 * with 08xxx is the endpoint answering (PgBouncer refuses a wrong password with 08P01 where
 * PostgreSQL says 28P01), so it is judged (`fail`), not excused as a lost connection. A class-08 code the client made up, with no ErrorResponse behind it, stays
 * `connection-lost`. Without a SQLSTATE, the socket's fate decides between `connection-lost`
 * and `other`.
 */
export function classifyPgError(error: unknown): ClassifiedError {
  const e = error as { code?: unknown; severity?: unknown; name?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = errorMessage(error);
  const sqlstate = code !== undefined && SQLSTATE.test(code) ? code : undefined;
  // A SQLSTATE alone can be made up by a client; an ErrorResponse also carries its severity.
  const fromServer = sqlstate !== undefined && (e?.severity !== undefined || e?.name === 'PostgresError');
  if (sqlstate === '40001') return classified('serialization-failure', code, message, fromServer);
  if (sqlstate === '40P01') return classified('deadlock', code, message, fromServer);
  if (sqlstate === '55P03') return classified('lock-timeout', code, message, fromServer);
  if (sqlstate !== undefined && /^57P0[1-3]$/.test(sqlstate)) return classified('connection-lost', code, message, fromServer);
  if (sqlstate?.startsWith('08') && !fromServer) return classified('connection-lost', code, message, false);
  if (fromServer) return classified('refused', code, message, true);
  if ((code !== undefined && LOST_CODES.has(code)) || LOST_MESSAGE.test(message)) return classified('connection-lost', code, message, false);
  return classified('other', code, message, false);
}
