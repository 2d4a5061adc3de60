import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Client, ClientConfig } from 'pg';
import { CannotRunError, type OpenOptions, type SuiteSession } from '@helios-conformance/core';
import { loadPg } from './_internal/drivers.js';
import { probeServer } from './_internal/probe.js';
import { within } from './_internal/within.js';

/** libpq `sslmode` values this adapter understands. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** A PostgreSQL DSN, taken apart. */
export interface ParsedPgDsn {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** `prefer` when the DSN does not say (libpq's default). */
  sslmode: SslMode;
  /** `sslrootcert`: PEM file with the CA(s) to verify the server against (verify-ca / verify-full). */
  sslrootcert?: string;
  /** `sslcert` / `sslkey`: client certificate and key files. */
  sslcert?: string;
  sslkey?: string;
  applicationName?: string;
  /** `connect_timeout`, in milliseconds. */
  connectTimeoutMs?: number;
}

/**
 * Takes a `postgres://user:pass@host:port/db?sslmode=…&sslrootcert=…` DSN apart, with
 * libpq's defaults (port 5432, database = user, sslmode=prefer). Throws a
 * {@link CannotRunError} saying what is wrong; the message never contains the password.
 */
export function parsePgDsn(dsn: string): ParsedPgDsn {
  const example = 'postgres://user:password@host:5432/database?sslmode=require';
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new CannotRunError(`malformed --dsn: expected a URL like ${example}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new CannotRunError(`malformed --dsn: the scheme must be postgres:// or postgresql://, not ${url.protocol}//`);
  }
  const dec = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new CannotRunError(`malformed --dsn: the ${what} has an invalid %-escape`);
    }
  };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new CannotRunError(`malformed --dsn: no host (expected a URL like ${example})`);
  const port = url.port ? Number(url.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CannotRunError(`malformed --dsn: port must be 1-65535`);
  const user = dec(url.username, 'user name') || 'postgres';
  const password = url.password ? dec(url.password, 'password') : undefined;
  const path = dec(url.pathname.replace(/^\//, ''), 'database name');
  if (path.includes('/')) throw new CannotRunError('malformed --dsn: the path must be just the database name');
  const q = url.searchParams;
  const rawMode = q.get('sslmode') ?? 'prefer';
  if (!SSL_MODES.includes(rawMode as SslMode)) {
    throw new CannotRunError(`malformed --dsn: sslmode must be one of ${SSL_MODES.join(', ')}, got "${rawMode}"`);
  }
  let connectTimeoutMs: number | undefined;
  const ct = q.get('connect_timeout');
  if (ct !== null) {
    if (!/^\d+$/.test(ct)) throw new CannotRunError('malformed --dsn: connect_timeout must be a whole number of seconds');
    if (Number(ct) > 0) connectTimeoutMs = Number(ct) * 1000;
  }
  const opt = (k: string): string | undefined => q.get(k) ?? undefined;
  return {
    host,
    port,
    user,
    password,
    database: path || user,
    sslmode: rawMode as SslMode,
    sslrootcert: opt('sslrootcert'),
    sslcert: opt('sslcert'),
    sslkey: opt('sslkey'),
    applicationName: opt('application_name'),
    connectTimeoutMs,
  };
}

/** Everything needed to open a session, derived from the DSN and what the server answered. */
export interface PgConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** TLS options when the session uses TLS (node:tls options; `false` for plain TCP). */
  ssl: TlsOptions | false;
  /** Budget for establishing one connection. */
  connectTimeoutMs: number;
  applicationName: string;
}

/** Options of {@link PgTarget.connect}. */
export interface ConnectOptions {
  /** When aborted, the connection is destroyed (pending queries reject). Pass `ctx.signal`. */
  signal?: AbortSignal;
  /** Set `search_path` to the run's namespace (default true). */
  searchPath?: boolean;
  applicationName?: string;
}

/** The suite's handle on a PostgreSQL endpoint for one run. */
export interface PgTarget {
  /** The DSN the run uses (contains the password; the runner redacts it from every output). */
  readonly dsn: string;
  /** The run's schema, `hc_<run id>`: cases create everything there and nowhere else. */
  readonly namespace: string;
  /** How sessions are opened (host, port, user, TLS…). */
  readonly connection: Readonly<PgConnectionOptions>;
  /** True when sessions use TLS. */
  readonly tls: boolean;
  /**
   * Opens a new session with `pg` (node-postgres), with `search_path` set to the run's
   * namespace. The caller ends it (`ctx.defer(() => closeClient(client))`).
   */
  connect(options?: ConnectOptions): Promise<Client>;
  /** `"hc_xxxxxxxx"."table"`: a table name qualified with the run's namespace. */
  qualify(table: string): string;
  /** A `pg` ClientConfig for these connection options (for drivers built on `pg`, e.g. Kysely's pool). */
  clientConfig(): ClientConfig;
}

/** Options of {@link fromDsn}. */
export interface FromDsnOptions {
  signal?: AbortSignal;
  /** Budget to reach the server and log in (capped at 10 s per connection attempt). */
  timeoutMs?: number;
  log?: (message: string) => void;
  /** Run id for the namespace; random when omitted (so concurrent runs never collide). */
  runId?: string;
}

/** An open run against one endpoint: the target plus what was observed while opening. */
export interface PgSession extends SuiteSession<PgTarget> {
  target: PgTarget;
  capabilities: string[];
  server: string;
}

const quoteIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/**
 * Ends a `pg` client: a polite Terminate, then the socket is destroyed if the server does
 * not close within `graceMs`. Never throws, never hangs.
 */
export async function closeClient(client: Client, graceMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise<void>((r) => {
      timer = setTimeout(r, graceMs);
    }),
  ]);
  clearTimeout(timer);
  destroyClient(client);
}

/** Destroys the client's socket at once: every pending query rejects. */
export function destroyClient(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

function tlsOptions(p: ParsedPgDsn, ca: string | undefined, cert: string | undefined, key: string | undefined): TlsOptions {
  const base: TlsOptions = { ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  if (p.sslmode === 'verify-full') return { ...base, rejectUnauthorized: true, ...(ca ? { ca } : {}), servername: isIp(p.host) ? undefined : p.host };
  if (p.sslmode === 'verify-ca') return { ...base, rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
  return { ...base, rejectUnauthorized: false };
}

const isIp = (h: string): boolean => /^[\d.]+$/.test(h) || h.includes(':');

async function readPem(path: string | undefined, what: string): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new CannotRunError(`cannot read ${what} file ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}); fix the path in --dsn`);
  }
}

/** Maps a failed login to one line that says what to fix. */
export function loginError(e: unknown, p: Pick<ParsedPgDsn, 'host' | 'port' | 'user' | 'database'>): CannotRunError {
  const where = `${p.host}:${p.port}`;
  const err = e as { code?: string; message?: string };
  const code = err?.code;
  const msg = err?.message ?? String(e);
  if (code === '28P01') return new CannotRunError(`password authentication failed for user "${p.user}" at ${where}; check the user and password in --dsn`);
  if (code === '28000') return new CannotRunError(`the server at ${where} rejected user "${p.user}" (28000: ${msg}); check pg_hba.conf or the user in --dsn`);
  if (code === '3D000') return new CannotRunError(`database "${p.database}" does not exist at ${where}; fix the database name in --dsn`);
  if (code === '53300') return new CannotRunError(`the server at ${where} has too many connections (53300); try again later`);
  if (code === '57P03') return new CannotRunError(`the server at ${where} is starting up or shutting down (57P03); try again later`);
  if (code === 'ECONNREFUSED') return new CannotRunError(`nothing is listening at ${where} (connection refused); is the server running and the port right?`);
  if (typeof code === 'string' && /^(?:ERR_TLS_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|CERT_)/.test(code)) {
    return new CannotRunError(`TLS verification of ${where} failed (${code}); pass the server's CA as sslrootcert=FILE or use sslmode=require`);
  }
  if (/timeout/i.test(msg)) return new CannotRunError(`logging in to ${where} timed out; is the server overloaded or not PostgreSQL?`);
  if (/password authentication|SASL|SCRAM|client password must be a string/i.test(msg)) {
    return new CannotRunError(`the server at ${where} wants a password for user "${p.user}"; put it in --dsn (${msg.split('\n')[0]})`);
  }
  if (/unknown message code|received invalid response|Connection terminated unexpectedly/i.test(msg)) {
    return new CannotRunError(`the server at ${where} does not speak the PostgreSQL protocol (${msg.split('\n')[0]})`);
  }
  return new CannotRunError(`cannot log in to ${where}: ${code ? `${code}: ` : ''}${msg.split('\n')[0]}`);
}

/** Wires an abort signal to a client: aborting destroys its socket. Returns the unsubscribe function. */
function bindSignal(client: Client, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => undefined;
  const onAbort = (): void => destroyClient(client);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** Opens one `pg` client with the given options; errors are left as the driver raised them. */
async function rawConnect(conn: PgConnectionOptions, o: ConnectOptions & { searchPathSchema?: string } = {}): Promise<Client> {
  const pg = await loadPg();
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
    ssl: conn.ssl === false ? false : conn.ssl,
    connectionTimeoutMillis: conn.connectTimeoutMs,
    application_name: o.applicationName ?? conn.applicationName,
  });
  // An idle client whose server dies emits 'error'; without a listener it would crash the run.
  client.on('error', () => undefined);
  if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
  const unbind = bindSignal(client, o.signal);
  client.once('end', unbind);
  try {
    await client.connect();
    if (o.searchPathSchema) await client.query(`SET search_path TO ${quoteIdent(o.searchPathSchema)}`);
  } catch (e) {
    unbind();
    destroyClient(client);
    throw e;
  }
  return client;
}

/**
 * Opens a run against the PostgreSQL endpoint behind `dsn`: checks that the port speaks
 * the PostgreSQL protocol (and TLS, per `sslmode`), logs in, creates the run's namespace
 * (schema `hc_<run id>`) and returns a session whose `close()` drops it with CASCADE.
 * Every problem that prevents a run is a {@link CannotRunError} with one line saying what to fix.
 */
export async function fromDsn(dsn: string, o: FromDsnOptions = {}): Promise<PgSession> {
  const p = parsePgDsn(dsn);
  const budget = Math.min(p.connectTimeoutMs ?? 10_000, o.timeoutMs ?? 10_000, 10_000);
  const probe = await probeServer(p.host, p.port, Math.max(1000, budget - 1000), o.signal);
  if (p.sslmode !== 'disable' && p.sslmode !== 'allow' && p.sslmode !== 'prefer' && !probe.tls) {
    throw new CannotRunError(`sslmode=${p.sslmode} but the server at ${p.host}:${p.port} does not accept TLS; enable TLS on the server or use sslmode=prefer/disable`);
  }
  const [ca, cert, key] = await Promise.all([
    readPem(p.sslrootcert, 'sslrootcert'),
    readPem(p.sslcert, 'sslcert'),
    readPem(p.sslkey, 'sslkey'),
  ]);
  const useTls = probe.tls && p.sslmode !== 'disable' && p.sslmode !== 'allow';
  const conn: PgConnectionOptions = {
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password,
    database: p.database,
    ssl: useTls ? tlsOptions(p, ca, cert, key) : false,
    connectTimeoutMs: budget,
    applicationName: p.applicationName ?? 'helios-conformance',
  };

  let admin: Client;
  try {
    admin = await rawConnect(conn, { signal: o.signal });
  } catch (e) {
    if (o.signal?.aborted) throw new CannotRunError(`gave up logging in to ${p.host}:${p.port}: ${String((o.signal.reason as Error)?.message ?? o.signal.reason)}`);
    throw loginError(e, p);
  }

  const { makeRunId, createNamespace } = await import('@helios-conformance/fixtures');
  const runId = o.runId ?? makeRunId();
  const adminExec = {
    query: async (sql: string, params?: unknown[]) => {
      const c = await rawConnect(conn, { signal: undefined });
      try {
        const r = await c.query(sql, params);
        return { rows: r.rows as Record<string, unknown>[] };
      } finally {
        await closeClient(c);
      }
    },
  };
  let server: string;
  let namespace: Awaited<ReturnType<typeof createNamespace>>;
  try {
    const v = await admin.query<{ version: string }>('SELECT version() AS version');
    server = String(v.rows[0]?.version ?? 'unknown').split(/ on |,/)[0] ?? 'unknown';
    namespace = await createNamespace({ query: async (sql, params) => ({ rows: (await admin.query(sql, params)).rows }) }, 'postgres', runId);
  } catch (e) {
    await closeClient(admin);
    throw new CannotRunError(`logged in to ${p.host}:${p.port} but could not create the run's schema hc_${runId}: ${describe(e)}; the user needs CREATE on the database`);
  }
  await closeClient(admin);
  o.log?.(`run namespace: schema ${namespace.name}`);

  const capabilities = useTls ? ['ssl'] : [];
  let closed: Promise<void> | undefined;
  const target: PgTarget = Object.freeze({
    dsn,
    namespace: namespace.name,
    connection: Object.freeze({ ...conn }),
    tls: useTls,
    connect: (co: ConnectOptions = {}) => rawConnect(conn, { ...co, searchPathSchema: co.searchPath === false ? undefined : namespace.name }),
    qualify: (table: string) => namespace.qualify(table),
    clientConfig: (): ClientConfig => ({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      password: conn.password,
      database: conn.database,
      ssl: conn.ssl === false ? false : conn.ssl,
      connectionTimeoutMillis: conn.connectTimeoutMs,
      application_name: conn.applicationName,
    }),
  });
  return {
    target,
    capabilities,
    server,
    close() {
      closed ??= adminExec.query(`DROP SCHEMA IF EXISTS ${quoteIdent(namespace.name)} CASCADE`).then(() => undefined);
      return closed;
    },
  };
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return `${err?.code ? `${err.code}: ` : ''}${err?.message ?? String(e)}`;
}

/**
 * The suite's `open()`: with a DSN, {@link fromDsn}; without one, an embedded PGlite
 * started in a child process (stopped again by `close()`).
 */
export async function openPostgres(o: OpenOptions): Promise<PgSession> {
  if (o.dsn !== undefined) return fromDsn(o.dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log });
  o.log('no --dsn: running against embedded PGlite (in a child process)');
  const { startPglite } = await import('@helios-conformance/testbed');
  // Several sockets share PGlite's single backend; cases that need two sessions get two sockets.
  const endpoint = await startPglite({ maxConnections: 8, startTimeoutMs: Math.max(5_000, o.timeoutMs) });
  // PGlite accepts any password; a random one keeps the redactor from masking the word "postgres" everywhere.
  const dsn = `postgres://${encodeURIComponent(endpoint.user)}:${randomBytes(12).toString('hex')}@${endpoint.host}:${endpoint.port}/${encodeURIComponent(endpoint.database)}?sslmode=disable`;
  let session: PgSession;
  try {
    session = await fromDsn(dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log });
  } catch (e) {
    await endpoint.stop();
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    ...session,
    server: `${session.server} (PGlite, embedded)`,
    dsn,
    close() {
      closed ??= (async () => {
        try {
          // The schema lives in PGlite's memory and goes with the child; drop it anyway while the
          // child answers, but don't wait long: after a protocol desync PGlite stops answering.
          if (endpoint.alive()) await within(session.close(), 1_500).catch(() => undefined);
        } finally {
          await endpoint.stop();
        }
      })();
      return closed;
    },
  };
}
