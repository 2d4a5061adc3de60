import type { Connection, ResultSetHeader } from 'mysql2/promise';
import type { EndpointOptions, IsolationLevel, SqlEndpoint, SqlResult, SqlSession } from '../session.js';
import { assembleEndpoint, guarded, lowerKeys, RegisteredSession, SessionAbortedError, SessionRegistry, waitUntilGone } from '../_internal/endpoint.js';
import { closeConnection, fromDsn, type MyTarget } from './connect.js';
import { classifyMysqlError } from './errors.js';

const LEVEL_SQL: Partial<Record<IsolationLevel, string>> = {
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

const destroyer = (c: Connection) => (): void => {
  try {
    c.destroy();
  } catch {
    // already gone
  }
};

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
    const sql = LEVEL_SQL[level];
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
    destroyer(this.conn)();
  }
}

/**
 * Wraps an open MySQL target as a dialect-neutral {@link SqlEndpoint}: sessions over `mysql2`
 * in the run's database (lock waits bounded by {@link MYSQL_LOCK_WAIT_TIMEOUT_S}), the level
 * probe, killSession by `KILL`.
 */
export async function mysqlEndpoint(target: MyTarget, server: string, closeTarget: () => Promise<void>, signal?: AbortSignal): Promise<SqlEndpoint> {
  const registry = new SessionRegistry<SqlSession>();

  const open = async (sig?: AbortSignal): Promise<MySqlSession> => {
    const conn = await target.connect({ signal: sig });
    let s: MySqlSession;
    try {
      // Not every MySQL-compatible engine has the variable; a refusal leaves the server default.
      await guarded(() => conn.query(`SET SESSION innodb_lock_wait_timeout = ${MYSQL_LOCK_WAIT_TIMEOUT_S}`), sig, destroyer(conn)).catch((e: unknown) => {
        if (e instanceof SessionAbortedError) throw e;
      });
      const [rows] = await guarded(() => conn.query('SELECT CONNECTION_ID() AS id'), sig, destroyer(conn));
      const id = Number((rows as Array<{ id: unknown }>)[0]?.id);
      s = new MySqlSession(conn, id, registry);
    } catch (e) {
      destroyer(conn)();
      throw e;
    }
    registry.add(s);
    return s;
  };

  const killSession = async (backendId: number, sig?: AbortSignal): Promise<void> => {
    const admin = await target.connect({ signal: sig, database: null });
    try {
      await guarded(() => admin.query(`KILL ${Number(backendId)}`), sig, destroyer(admin)).catch((e: unknown) => {
        // 1094 "unknown thread id": it is already gone, which is what the caller wants.
        if ((e as { errno?: number }).errno !== 1094) throw e;
      });
      // KILL only flags the thread; wait until it has rolled back and left the process list.
      const gone = async (): Promise<boolean> => {
        const [rows] = await guarded(() => admin.query('SELECT 1 AS x FROM information_schema.PROCESSLIST WHERE ID = ?', [backendId]), sig, destroyer(admin));
        return (rows as unknown[]).length === 0;
      };
      await waitUntilGone(gone, 250, sig);
    } finally {
      await closeConnection(admin, CLOSE_GRACE_MS);
    }
  };

  return assembleEndpoint({ dialect: 'mysql', target, server, registry, open, killSession, classify: classifyMysqlError, closeTarget }, signal);
}

/**
 * Opens a dialect-neutral endpoint on a MySQL-compatible server: {@link fromDsn} (DSN parsing,
 * ssl-mode, login errors as CannotRunError → exit 2, database `hc_<run id>`), then one throwaway
 * session that observes which isolation levels are accepted.
 */
export async function openMysqlEndpoint(dsn: string, o: EndpointOptions = {}): Promise<SqlEndpoint> {
  const run = await fromDsn(dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log, runId: o.runId });
  return mysqlEndpoint(run.target, run.server, () => run.close(), o.signal);
}
