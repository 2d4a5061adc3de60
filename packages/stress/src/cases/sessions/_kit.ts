// What the session cases (T221, T223, T227, T228) share: node-postgres clients tagged with a
// run-unique application_name (so pg_stat_activity can count this run's own sessions and nobody
// else's), opened with a deadline, and the SQLSTATE of a failed open; for the cases that speak
// both wire families (T223, T228), sessions known by the server's own id for them.
import type { Client } from 'pg';
import { closeClient, destroyClient, loadPg, parsePgDsn, pgSslOptions } from '@helios-conformance/sql/postgres';
import { loadMysql2, mysqlDirectOptions, parseMysqlDsn } from '@helios-conformance/sql/mysql';
import { endWithin } from '@helios-conformance/sql';
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
      const client = await newPgClient(ctx.target.dsn, applicationName, timeoutMs);
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

/**
 * What the server answered a failed open or statement with, on either wire family: the SQLSTATE of
 * a PostgreSQL ErrorResponse, or `errno N` of a MySQL ERR packet (server errnos are 1000–9999 and
 * come with a SQLSTATE); undefined when no server answered (a reset, a timeout, the driver).
 */
export function serverCodeOf(e: unknown): string | undefined {
  const pg = sqlstateOf(e);
  if (pg) return pg;
  const x = e as { errno?: unknown; sqlState?: unknown } | null | undefined;
  return typeof x?.errno === 'number' && x.errno >= 1000 && x.errno < 10_000 && typeof x.sqlState === 'string' ? `errno ${x.errno}` : undefined;
}

/** One line of an error, without a stack. */
export function errorLine(e: unknown): string {
  const code = serverCodeOf(e);
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  return code ? `${code}: ${message}` : message;
}

/** One session a case opened itself, on the run's DSN, on either wire family. */
export interface CaseSession {
  /** The server's id for this session, read at open: pg_backend_pid() / CONNECTION_ID(). */
  readonly id: number;
  /** One statement with `?` placeholders; resolves to its rows. Prepared once per session and SQL text. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** `why` the session went away on its own (an error or the server's goodbye), or undefined while it is up or after close. */
  readonly dropped: string | undefined;
}

/** Sessions a case opens and closes itself; all destroyed when the case is aborted, closed after it. */
export interface CaseSessions {
  open(timeoutMs?: number): Promise<CaseSession>;
  close(sessions: Iterable<CaseSession>): Promise<void>;
  /**
   * How many of `ids` the server lists among its sessions (pg_stat_activity / PROCESSLIST), asked
   * on `on`. Rejects with the server's error when it cannot list them.
   */
  count(on: CaseSession, ids: readonly number[]): Promise<number>;
}

interface Handle extends CaseSession {
  closing: boolean;
  end(): Promise<void>;
  destroy(): void;
}

/** {@link CaseSessions} for this case, on the wire family of the run's DSN. */
export function caseSessions(ctx: StressContext): CaseSessions {
  const mysql = ctx.target.endpoint.dialect === 'mysql';
  const open = new Set<Handle>();
  const onAbort = (): void => {
    for (const h of open) h.destroy();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const endAll = (list: Iterable<Handle>): Promise<unknown> =>
    Promise.all(
      [...list].map((h) => {
        h.closing = true;
        open.delete(h);
        return endWithin(() => h.end(), () => h.destroy(), 1_000);
      }),
    );
  ctx.defer(async () => {
    ctx.signal.removeEventListener('abort', onAbort);
    await endAll(open);
  });
  return {
    async open(timeoutMs = 10_000) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
      const h = mysql ? await openMysql(ctx.target.dsn, timeoutMs) : await openPg(ctx, timeoutMs);
      open.add(h);
      if (ctx.signal.aborted) {
        open.delete(h);
        h.destroy();
        throw ctx.signal.reason ?? new Error('aborted');
      }
      return h;
    },
    close: (sessions) => endAll(sessions as Iterable<Handle>).then(() => undefined),
    async count(on, ids) {
      if (ids.length === 0) return 0;
      // The ids came from the server as integers: inlined, they make one statement for either family.
      const list = ids.map((i) => String(Math.trunc(i))).join(', ');
      const rows = mysql
        ? await on.query(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID IN (${list})`)
        : await on.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE pid IN (${list})`);
      return Number(rows[0]?.n ?? 0);
    },
  };
}

/** A node-postgres client (not connected) on `dsn`: TLS as its sslmode says, tagged, with a login deadline. */
async function newPgClient(dsn: string, applicationName: string, timeoutMs: number): Promise<Client> {
  const p = parsePgDsn(dsn);
  const pg = await loadPg();
  return new pg.Client({ host: p.host, port: p.port, user: p.user, password: p.password, database: p.database, ssl: await pgSslOptions(p), application_name: applicationName, connectionTimeoutMillis: timeoutMs });
}

async function openPg(ctx: StressContext, timeoutMs: number): Promise<Handle> {
  const client = await newPgClient(ctx.target.dsn, sessionTag(ctx, 'session'), timeoutMs);
  let dropped: string | undefined;
  const h: Handle = {
    id: 0,
    closing: false,
    get dropped() {
      return dropped;
    },
    async query(sql, params = []) {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      // A name per SQL text: node-postgres then parses each statement once per session.
      const r = await client.query({ name: `hc_${hash(text)}`, text, values: [...params] });
      return r.rows as Record<string, unknown>[];
    },
    end: () => client.end(),
    destroy: () => destroyClient(client),
  };
  client.on('error', (e: unknown) => void (h.closing || dropped || (dropped = errorLine(e))));
  client.on('end', () => void (h.closing || dropped || (dropped = 'the session ended')));
  try {
    await client.connect();
    const r = await client.query<{ id: number }>('SELECT pg_backend_pid() AS id');
    (h as { id: number }).id = Number(r.rows[0]?.id);
  } catch (e) {
    h.closing = true;
    destroyClient(client);
    throw e;
  }
  return h;
}

async function openMysql(dsn: string, timeoutMs: number): Promise<Handle> {
  const mysql = await loadMysql2();
  const conn = await mysql.createConnection(await mysqlDirectOptions(parseMysqlDsn(dsn), timeoutMs));
  const raw = (conn as unknown as { connection: { on(ev: string, f: (e?: unknown) => void): void; destroy(): void } }).connection;
  let dropped: string | undefined;
  const h: Handle = {
    id: conn.threadId ?? 0,
    closing: false,
    get dropped() {
      return dropped;
    },
    async query(sql, params = []) {
      const [rows] = params.length ? await conn.execute(sql, [...params] as never[]) : await conn.query(sql);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v]))) : [];
    },
    end: () => conn.end(),
    destroy: () => raw.destroy(),
  };
  raw.on('error', (e) => void (h.closing || dropped || (dropped = errorLine(e))));
  raw.on('end', () => void (h.closing || dropped || (dropped = 'the session ended')));
  return h;
}

/** A short stable name for a statement text (node-postgres prepared statement names). */
function hash(text: string): string {
  let x = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) x = Math.imul(x ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return x.toString(36);
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
