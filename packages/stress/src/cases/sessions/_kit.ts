// What the session cases (T221, T223, T227, T228) share: node-postgres clients tagged with a
// run-unique application_name (so pg_stat_activity can count this run's own sessions and nobody
// else's), opened with a deadline, and the SQLSTATE of a failed open.
import type { Client } from 'pg';
import { closeClient, destroyClient, loadPg, parsePgDsn, pgSslOptions } from '@helios-conformance/sql/postgres';
import type { StressContext } from '../../_internal/case-kit.js';

/** A tag no other run uses: pg_stat_activity rows with it are this case's sessions. */
export function sessionTag(ctx: StressContext, what: string): string {
  // application_name keeps 63 bytes: the namespace (hc_ + run id) and the case are enough to be unique.
  return `${ctx.target.endpoint.namespace}_${ctx.id}_${what}`.toLowerCase().slice(0, 63);
}

/**
 * The clients a case opened: each one tagged, all of them destroyed when the case is aborted (one
 * abort listener for the lot, not one per client) and closed after the case.
 */
export interface ClientSet {
  /**
   * Opens one node-postgres client on the run's DSN (TLS as its sslmode says). The driver's error
   * is left as it is (SQLSTATE in `code` when the server answered with an ErrorResponse). An idle
   * client whose server goes away emits 'error': the caller counts it with its own listener.
   */
  open(applicationName: string, timeoutMs?: number): Promise<Client>;
  /** Closes `clients` politely (Terminate; destroyed after a short grace) and forgets them. */
  close(clients: Iterable<Client>): Promise<void>;
}

/** A {@link ClientSet} for this case. */
export function clientSet(ctx: StressContext): ClientSet {
  const open = new Set<Client>();
  const onAbort = (): void => {
    for (const c of open) destroyClient(c);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  ctx.defer(async () => {
    ctx.signal.removeEventListener('abort', onAbort);
    await closeAll(open);
  });
  return {
    async open(applicationName, timeoutMs = 10_000) {
      const p = parsePgDsn(ctx.target.dsn);
      const pg = await loadPg();
      const client = new pg.Client({
        host: p.host,
        port: p.port,
        user: p.user,
        password: p.password,
        database: p.database,
        ssl: await pgSslOptions(p),
        application_name: applicationName,
        connectionTimeoutMillis: timeoutMs,
      });
      client.on('error', () => undefined);
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
      open.add(client);
      try {
        await client.connect();
      } catch (e) {
        open.delete(client);
        destroyClient(client);
        throw e;
      }
      return client;
    },
    async close(clients) {
      const list = [...clients];
      for (const c of list) open.delete(c);
      await closeAll(list);
    },
  };
}

/** Closes clients politely (Terminate), each destroyed after a short grace; never throws. */
export async function closeAll(clients: Iterable<Client>): Promise<void> {
  await Promise.all([...clients].map((c) => closeClient(c, 1_000)));
}

/** The SQLSTATE of a server's ErrorResponse, or undefined when the failure had none (a reset, a timeout). */
export function sqlstateOf(e: unknown): string | undefined {
  const x = e as { code?: unknown; severity?: unknown } | null | undefined;
  return typeof x?.code === 'string' && /^[0-9A-Z]{5}$/.test(x.code) && x.severity !== undefined ? x.code : undefined;
}

/** One line of an error, without a stack. */
export function errorLine(e: unknown): string {
  const code = sqlstateOf(e);
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  return code ? `${code}: ${message}` : message;
}

/** Counts this run's sessions with `applicationName` in pg_stat_activity (from `monitor`). */
export async function countTagged(monitor: Client, applicationName: string): Promise<number> {
  const r = await monitor.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  return Number(r.rows[0]?.n ?? 0);
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
