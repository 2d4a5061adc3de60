/**
 * The few PostgreSQL round trips the testbed needs (readiness probe, bootstrap statements),
 * over node-postgres: one driver for the whole kit instead of a second hand-written client.
 */
import pg from 'pg';

/** Connection parameters for {@link pgConnect}. */
export interface PgClientOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  timeoutMs?: number;
}

/** An open, authenticated session. */
export interface PgClientSession {
  /** Runs one simple query; resolves to the rows of the result as arrays of text. */
  query(sql: string): Promise<Array<Array<string | null>>>;
  close(): void;
}

/** True for an ErrorResponse from the server (it carries a SQLSTATE), false for transport errors. */
export function isServerError(err: unknown): err is { code: string; message: string } {
  return err instanceof pg.DatabaseError;
}

/** Opens a session (plain TCP); rejects with the server's error or a transport error. */
export async function pgConnect(opts: PgClientOptions): Promise<PgClientSession> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const client = new pg.Client({
    host: opts.host,
    port: opts.port,
    user: opts.user,
    password: opts.password,
    database: opts.database,
    ssl: false,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    // Text in, text out: callers read version strings and counts.
    types: { getTypeParser: () => (v: string) => v },
  });
  // A server that dies under an idle client emits 'error'; the caller sees it on its next query.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  return {
    async query(sql) {
      const r = await client.query({ text: sql, rowMode: 'array' });
      return r.rows as Array<Array<string | null>>;
    },
    close() {
      void client.end().catch(() => undefined);
    },
  };
}
