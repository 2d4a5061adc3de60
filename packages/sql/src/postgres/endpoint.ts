import type { Client } from 'pg';
import type { EndpointOptions, IsolationLevel, SqlEndpoint, SqlResult, SqlSession } from '../session.js';
import { assembleEndpoint, guarded, lowerKeys, RegisteredSession, rewritePlaceholders, SessionRegistry, waitUntilGone } from '../_internal/endpoint.js';
import { closeClient, destroyClient, fromDsn, type PgTarget } from './connect.js';
import { classifyPgError } from './errors.js';

const LEVEL_SQL: Partial<Record<IsolationLevel, string>> = {
  'read uncommitted': 'READ UNCOMMITTED',
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

/** How long close() waits for a polite Terminate before it destroys the socket. */
const CLOSE_GRACE_MS = 1_000;

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
    const sql = LEVEL_SQL[level];
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

/**
 * Wraps an open PostgreSQL target as a dialect-neutral {@link SqlEndpoint}: sessions over `pg`
 * in the run's namespace, the level probe, killSession by `pg_terminate_backend`.
 */
export async function postgresEndpoint(target: PgTarget, server: string, closeTarget: () => Promise<void>, signal?: AbortSignal): Promise<SqlEndpoint> {
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
      await waitUntilGone(async () => (await guarded(() => admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backendId]), sig, () => destroyClient(admin))).rowCount === 0, 100, sig);
    } finally {
      await closeClient(admin, CLOSE_GRACE_MS);
    }
  };

  return assembleEndpoint({ dialect: 'postgres', target, server, registry, open, killSession, classify: classifyPgError, closeTarget }, signal);
}

/**
 * Opens a dialect-neutral endpoint on a PostgreSQL server: {@link fromDsn} (DSN parsing, TLS,
 * login errors as CannotRunError → exit 2, schema `hc_<run id>`), then one throwaway session that
 * observes which isolation levels `BEGIN` accepts.
 */
export async function openPostgresEndpoint(dsn: string, o: EndpointOptions = {}): Promise<SqlEndpoint> {
  const run = await fromDsn(dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log, runId: o.runId });
  return postgresEndpoint(run.target, run.server, () => run.close(), o.signal);
}
