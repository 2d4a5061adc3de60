import type { Client } from 'pg';
import { closeClient, destroyClient, fromDsn as pgFromDsn, type PgTarget } from '@helios-conformance/postgres';
import type { ClassifiedError, IsolationLevel, SqlEndpoint, SqlResult, SqlSession } from './types.js';
import { assembleEndpoint, guarded, RegisteredSession, lowerKeys, rewritePlaceholders, SessionAbortedError, SessionRegistry, sleep } from './_internal/common.js';

/** Options of {@link fromPostgresDsn}, {@link fromMysqlDsn} and {@link fromDsn}. */
export interface EndpointOptions {
  /** Aborts opening the endpoint (login, namespace, level probe). */
  signal?: AbortSignal;
  /** Budget to reach the server and log in. */
  timeoutMs?: number;
  log?: (message: string) => void;
  /** Run id for the namespace `hc_<runId>`; random when omitted. */
  runId?: string;
}

const PG_LEVEL_SQL: Partial<Record<IsolationLevel, string>> = {
  'read uncommitted': 'READ UNCOMMITTED',
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

/** How long close() waits for a polite Terminate before it destroys the socket. */
const CLOSE_GRACE_MS = 1_000;

/** Error codes and messages that mean the backend or the socket is gone. */
const PG_LOST_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'HC_ABORTED', '08000', '08003', '08006']);
const PG_LOST_MESSAGE = /Connection terminated|connection error|not queryable|Client was closed|socket hang up|ECONNRESET|EPIPE/i;

/** Classifies an error thrown by a PostgreSQL session (SQLSTATE first, then the socket's fate). */
export function classifyPgSessionError(error: unknown): ClassifiedError {
  const e = error as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (code === '40001') return { kind: 'serialization-failure', code, message };
  if (code === '40P01') return { kind: 'deadlock', code, message };
  if (code === '55P03') return { kind: 'lock-timeout', code, message };
  if ((code !== undefined && PG_LOST_CODES.has(code)) || error instanceof SessionAbortedError || PG_LOST_MESSAGE.test(message)) {
    return { kind: 'connection-lost', code, message };
  }
  return { kind: 'other', code, message };
}

class PgSqlSession extends RegisteredSession {
  readonly dialect = 'postgres' as const;
  constructor(
    readonly client: Client,
    backendId: number,
    registry: SessionRegistry<SqlSession>,
  ) {
    super(backendId, registry);
    client.once('end', () => this.markGone());
  }

  query(sql: string, params: readonly unknown[] = [], signal?: AbortSignal): Promise<SqlResult> {
    return guarded(
      async () => {
        const r = await this.client.query({ text: params.length ? rewritePlaceholders(sql) : sql, values: [...params] });
        return { rows: lowerKeys(r.rows ?? []), affected: r.rowCount ?? undefined };
      },
      signal,
      () => this.destroy(),
    );
  }

  async begin(level: IsolationLevel, signal?: AbortSignal): Promise<void> {
    const sql = PG_LEVEL_SQL[level];
    if (!sql) throw Object.assign(new Error(`PostgreSQL has no separate isolation level "${level}"`), { code: 'HC_NO_LEVEL' });
    await this.query(`BEGIN ISOLATION LEVEL ${sql}`, [], signal);
  }

  async commit(signal?: AbortSignal): Promise<void> {
    const r = await guarded(() => this.client.query('COMMIT'), signal, () => this.destroy());
    // PostgreSQL answers COMMIT of a failed transaction with the tag ROLLBACK and no error:
    // to the caller that is a commit that did not happen.
    if (r.command === 'ROLLBACK') {
      throw Object.assign(new Error('COMMIT was answered with ROLLBACK: the transaction had already failed'), { code: '25P02' });
    }
  }

  protected closeTransport(): Promise<void> {
    return closeClient(this.client, CLOSE_GRACE_MS);
  }

  protected destroyTransport(): void {
    destroyClient(this.client);
  }
}

/** Wraps an opened postgres-suite target as the acid suite's {@link SqlEndpoint}. */
export async function postgresEndpoint(target: PgTarget, closeTarget: () => Promise<void>, signal?: AbortSignal): Promise<SqlEndpoint> {
  const registry = new SessionRegistry<SqlSession>();

  const open = async (sig?: AbortSignal): Promise<PgSqlSession> => {
    const client = await target.connect({ signal: sig });
    let s: PgSqlSession;
    try {
      const r = await guarded(() => client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'), sig, () => destroyClient(client));
      s = new PgSqlSession(client, Number(r.rows[0]?.pid), registry);
    } catch (e) {
      destroyClient(client);
      throw e;
    }
    registry.add(s);
    return s;
  };

  const killSession = async (backendId: number, sig?: AbortSignal): Promise<void> => {
    const admin = await target.connect({ signal: sig, searchPath: false });
    try {
      await guarded(() => admin.query('SELECT pg_terminate_backend($1)', [backendId]), sig, () => destroyClient(admin));
      // Wait until the backend is really gone, so its locks and transaction are released
      // before the caller looks at the data.
      for (let i = 0; i < 100; i++) {
        const r = await guarded(() => admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backendId]), sig, () => destroyClient(admin));
        if (r.rowCount === 0) return;
        await sleep(20, sig);
      }
    } finally {
      await closeClient(admin, CLOSE_GRACE_MS);
    }
  };

  return assembleEndpoint({ dialect: 'postgres', target, registry, open, killSession, classify: classifyPgSessionError, closeTarget }, signal);
}

/**
 * Opens the acid suite's endpoint on a PostgreSQL server: the postgres suite's `fromDsn`
 * (DSN parsing, TLS, login errors as {@link CannotRunError} → exit 2, schema `hc_<run id>`),
 * then one throwaway session that observes which isolation levels `BEGIN` accepts.
 */
export async function fromPostgresDsn(dsn: string, o: EndpointOptions = {}): Promise<SqlEndpoint> {
  const run = await pgFromDsn(dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log, runId: o.runId });
  return postgresEndpoint(run.target, () => run.close(), o.signal);
}
