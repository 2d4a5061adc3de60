import type { Connection, ResultSetHeader } from 'mysql2/promise';
import { closeConnection, fromDsn as myFromDsn, type MyTarget } from '@helios-conformance/mysql';
import type { ClassifiedError, IsolationLevel, SqlEndpoint, SqlResult, SqlSession } from './types.js';
import type { EndpointOptions } from './postgres.js';
import { assembleEndpoint, guarded, RegisteredSession, lowerKeys, SessionAbortedError, SessionRegistry, sleep } from './_internal/common.js';

const MY_LEVEL_SQL: Partial<Record<IsolationLevel, string>> = {
  'read uncommitted': 'READ UNCOMMITTED',
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

const CLOSE_GRACE_MS = 1_000;

/**
 * Seconds a session waits for a row lock before 1205. InnoDB's default is 50 s; a conformance
 * run should see a lock wait as an outcome, not sit through it.
 */
export const MYSQL_LOCK_WAIT_TIMEOUT_S = 5;

const MY_LOST_ERRNOS = new Set([2006, 2013, 1053, 1927, 2055]);
const MY_LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'ECONNREFUSED', 'ETIMEDOUT', 'HC_ABORTED']);
const MY_LOST_MESSAGE = /closed state|Connection lost|connection was killed|server has gone away/i;

/** Classifies an error thrown by a MySQL/MariaDB session (errno first, then SQLSTATE, then the socket's fate). */
export function classifyMysqlSessionError(error: unknown): ClassifiedError {
  const e = error as { errno?: unknown; sqlState?: unknown; code?: unknown; message?: unknown } | null | undefined;
  const errno = typeof e?.errno === 'number' ? e.errno : undefined;
  const sqlState = typeof e?.sqlState === 'string' ? e.sqlState : undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const shown = errno !== undefined && errno > 0 ? String(errno) : code;
  if (errno === 1213) return { kind: 'deadlock', code: '1213', message };
  if (errno === 1205) return { kind: 'lock-timeout', code: '1205', message };
  if (sqlState === '40001') return { kind: 'serialization-failure', code: shown, message };
  if ((errno !== undefined && MY_LOST_ERRNOS.has(errno)) || (code !== undefined && MY_LOST_CODES.has(code)) || error instanceof SessionAbortedError || MY_LOST_MESSAGE.test(message)) {
    return { kind: 'connection-lost', code: shown, message };
  }
  return { kind: 'other', code: shown, message };
}

class MySqlSession extends RegisteredSession {
  readonly dialect = 'mysql' as const;
  constructor(
    readonly conn: Connection,
    backendId: number,
    registry: SessionRegistry<SqlSession>,
  ) {
    super(backendId, registry);
    (conn as unknown as { connection: NodeJS.EventEmitter }).connection.once('end', () => this.markGone());
  }

  query(sql: string, params: readonly unknown[] = [], signal?: AbortSignal): Promise<SqlResult> {
    return guarded(
      async () => {
        const [res] = await this.conn.query(sql, [...params]);
        if (Array.isArray(res)) return { rows: lowerKeys(res), affected: undefined };
        return { rows: [], affected: (res as ResultSetHeader).affectedRows };
      },
      signal,
      () => this.destroy(),
    );
  }

  async begin(level: IsolationLevel, signal?: AbortSignal): Promise<void> {
    const sql = MY_LEVEL_SQL[level];
    if (!sql) throw Object.assign(new Error(`MySQL has no separate isolation level "${level}"`), { code: 'HC_NO_LEVEL' });
    // SET TRANSACTION applies to the next transaction only, so it must come right before it.
    await this.query(`SET TRANSACTION ISOLATION LEVEL ${sql}`, [], signal);
    await this.query('START TRANSACTION', [], signal);
  }

  async commit(signal?: AbortSignal): Promise<void> {
    await this.query('COMMIT', [], signal);
  }

  protected closeTransport(): Promise<void> {
    return closeConnection(this.conn, CLOSE_GRACE_MS);
  }

  protected destroyTransport(): void {
    try {
      this.conn.destroy();
    } catch {
      // already gone
    }
  }
}

/** Wraps an opened mysql-suite target as the acid suite's {@link SqlEndpoint}. */
export async function mysqlEndpoint(target: MyTarget, closeTarget: () => Promise<void>, signal?: AbortSignal): Promise<SqlEndpoint> {
  const registry = new SessionRegistry<SqlSession>();
  const destroy = (c: Connection) => () => {
    try {
      c.destroy();
    } catch {
      // already gone
    }
  };

  const open = async (sig?: AbortSignal): Promise<MySqlSession> => {
    const conn = await target.connect({ signal: sig });
    let s: MySqlSession;
    try {
      // Not every MySQL-compatible engine has the variable; a refusal leaves the server default.
      await guarded(() => conn.query(`SET SESSION innodb_lock_wait_timeout = ${MYSQL_LOCK_WAIT_TIMEOUT_S}`), sig, destroy(conn)).catch((e: unknown) => {
        if (e instanceof SessionAbortedError) throw e;
      });
      const [rows] = await guarded(() => conn.query('SELECT CONNECTION_ID() AS id'), sig, destroy(conn));
      const id = Number((rows as Array<{ id: unknown }>)[0]?.id);
      s = new MySqlSession(conn, id, registry);
    } catch (e) {
      destroy(conn)();
      throw e;
    }
    registry.add(s);
    return s;
  };

  const killSession = async (backendId: number, sig?: AbortSignal): Promise<void> => {
    const admin = await target.connect({ signal: sig, database: null });
    try {
      await guarded(() => admin.query(`KILL ${Number(backendId)}`), sig, destroy(admin)).catch((e: unknown) => {
        // 1094 "unknown thread id": it is already gone, which is what the caller wants.
        if ((e as { errno?: number }).errno !== 1094) throw e;
      });
      // KILL only flags the thread; wait until it has rolled back and left the process list.
      for (let i = 0; i < 250; i++) {
        const [rows] = await guarded(() => admin.query('SELECT 1 AS x FROM information_schema.PROCESSLIST WHERE ID = ?', [backendId]), sig, destroy(admin));
        if ((rows as unknown[]).length === 0) return;
        await sleep(20, sig);
      }
    } finally {
      await closeConnection(admin, CLOSE_GRACE_MS);
    }
  };

  return assembleEndpoint({ dialect: 'mysql', target, registry, open, killSession, classify: classifyMysqlSessionError, closeTarget }, signal);
}

/**
 * Opens the acid suite's endpoint on a MySQL-compatible server: the mysql suite's `fromDsn`
 * (DSN parsing, ssl-mode, login errors as CannotRunError → exit 2, database `hc_<run id>`),
 * then one throwaway session that observes which isolation levels are accepted.
 */
export async function fromMysqlDsn(dsn: string, o: EndpointOptions = {}): Promise<SqlEndpoint> {
  const run = await myFromDsn(dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log, runId: o.runId });
  return mysqlEndpoint(run.target, () => run.close(), o.signal);
}
