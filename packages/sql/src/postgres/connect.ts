import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Client, ClientConfig } from 'pg';
import { CannotRunError, type SuiteSession } from '@helios-conformance/core';
import { commonLoginError, fallbackLoginError, gaveUp, hostPort, loginErrorParts, readPem } from '../dsn.js';
import { identityOptions } from '../_internal/tls.js';
import { errorMessage } from '../errors.js';
import { endWithin } from '../time.js';
import { loadPg } from './driver.js';
import { parsePgDsn, type ParsedPgDsn } from './dsn.js';
import { fingerprintPooler } from './pooler.js';
import { probeServer } from './probe.js';

/** Everything needed to open a session, derived from the DSN and what the server answered. */
export interface PgConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /**
   * TLS options when the session uses TLS (node:tls options; `false` for plain TCP). For
   * verify-full they check the certificate against the DSN's host themselves, so any driver that
   * passes them to `tls.connect` (pg, postgres.js, the raw pg-wire client) checks the same name.
   */
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

/** A handle on a PostgreSQL endpoint for one run. */
export interface PgTarget {
  /** The DSN the run uses (contains the password; the runner redacts it from every output). */
  readonly dsn: string;
  /** Run id: the namespace is `hc_<runId>`. */
  readonly runId: string;
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
  /** `SELECT version()` up to the platform, e.g. `PostgreSQL 15.18`. */
  server: string;
}

const quoteIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/**
 * Ends a `pg` client: a polite Terminate, then the socket is destroyed if the server does
 * not close within `graceMs`. Never throws, never hangs.
 */
export function closeClient(client: Client, graceMs = 2000): Promise<void> {
  return endWithin(() => client.end(), () => destroyClient(client), graceMs);
}

/** Destroys the client's socket at once: every pending query rejects. */
export function destroyClient(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

function tlsOptions(p: ParsedPgDsn, ca: string | undefined, cert: string | undefined, key: string | undefined): TlsOptions {
  const base: TlsOptions = { ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  if (p.sslmode === 'verify-full') return { ...base, rejectUnauthorized: true, ...(ca ? { ca } : {}), ...identityOptions(p.host) };
  if (p.sslmode === 'verify-ca') return { ...base, rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
  return { ...base, rejectUnauthorized: false };
}

/**
 * The `ssl` option of a direct pg.Client for a DSN, decided without a probe: sslmode disable, allow
 * and prefer connect in plain text; require encrypts without verifying; verify-ca and verify-full
 * verify against sslrootcert (and present sslcert/sslkey), as {@link fromDsn} does.
 */
export async function pgSslOptions(p: ParsedPgDsn): Promise<TlsOptions | false> {
  if (p.sslmode === 'disable' || p.sslmode === 'allow' || p.sslmode === 'prefer') return false;
  const [ca, cert, key] = await Promise.all([readPem(p.sslrootcert, 'sslrootcert'), readPem(p.sslcert, 'sslcert'), readPem(p.sslkey, 'sslkey')]);
  return tlsOptions(p, ca, cert, key);
}

/** Maps a failed login to one line that says what to fix (CLI exit 2). */
export function loginError(e: unknown, p: Pick<ParsedPgDsn, 'host' | 'port' | 'user' | 'database'>): CannotRunError {
  const where = hostPort(p.host, p.port);
  const { code, message } = loginErrorParts(e);
  if (code === '28P01') return new CannotRunError(`password authentication failed for user "${p.user}" at ${where}; check the user and password in --dsn`);
  if (code === '28000') return new CannotRunError(`the server at ${where} rejected user "${p.user}" (28000: ${message}); check pg_hba.conf or the user in --dsn`);
  if (code === '3D000') return new CannotRunError(`database "${p.database}" does not exist at ${where}; fix the database name in --dsn`);
  if (code === '53300') return new CannotRunError(`the server at ${where} has too many connections (53300); try again later`);
  if (code === '57P03') return new CannotRunError(`the server at ${where} is starting up or shutting down (57P03); try again later`);
  const common = commonLoginError(e, where, {
    protocol: 'PostgreSQL',
    host: p.host,
    tlsHint: "pass the server's CA as sslrootcert=FILE or use sslmode=require",
    nameHint: 'connect by a host name or address the certificate names, or use sslmode=verify-ca',
  });
  if (common) return common;
  if (/password authentication|SASL|SCRAM|client password must be a string/i.test(message)) {
    return new CannotRunError(`the server at ${where} wants a password for user "${p.user}"; put it in --dsn (${message})`);
  }
  if (/unknown message code|received invalid response|Connection terminated unexpectedly/i.test(message)) {
    return new CannotRunError(`the server at ${where} does not speak the PostgreSQL protocol (${message})`);
  }
  return fallbackLoginError(e, where);
}

/** Wires an abort signal to a client: aborting destroys its socket. Returns the unsubscribe function. */
function bindSignal(client: Client, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => undefined;
  const onAbort = (): void => destroyClient(client);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** The `pg` ClientConfig of these connection options. */
function clientConfigOf(conn: PgConnectionOptions, applicationName = conn.applicationName): ClientConfig {
  return {
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
    ssl: conn.ssl === false ? false : conn.ssl,
    connectionTimeoutMillis: conn.connectTimeoutMs,
    application_name: applicationName,
  };
}

/** Opens one `pg` client with the given options; errors are left as the driver raised them. */
async function rawConnect(conn: PgConnectionOptions, o: ConnectOptions & { searchPathSchema?: string } = {}): Promise<Client> {
  const pg = await loadPg();
  const client = new pg.Client(clientConfigOf(conn, o.applicationName));
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
 * Does the endpoint behind `target` answer? A fresh login (application_name `… (liveness probe)`)
 * and `SELECT 1`, ended at once; rejects with the driver's error. Aborting `signal` destroys the
 * socket (the runner aborts it at its probe deadline). Touches none of the run's data.
 */
export async function probeTarget(target: PgTarget, signal?: AbortSignal): Promise<void> {
  const c = await target.connect({ signal, searchPath: false, applicationName: `${target.connection.applicationName} (liveness probe)` });
  try {
    await c.query('SELECT 1');
  } finally {
    await closeClient(c, 500);
  }
}

/**
 * Opens a run against the PostgreSQL endpoint behind `dsn`: checks that the port speaks
 * the PostgreSQL protocol (and TLS, per `sslmode`), logs in, creates the run's namespace
 * (schema `hc_<run id>`) and returns a session whose `close()` drops it with CASCADE.
 * Every problem that prevents a run is a {@link CannotRunError} with one line saying what to fix.
 */
export async function fromDsn(dsn: string, o: FromDsnOptions = {}): Promise<PgSession> {
  const p = parsePgDsn(dsn);
  const where = hostPort(p.host, p.port);
  const budget = Math.min(p.connectTimeoutMs ?? 10_000, o.timeoutMs ?? 10_000, 10_000);
  const probe = await probeServer(p.host, p.port, Math.max(1000, budget - 1000), o.signal);
  if (p.sslmode !== 'disable' && p.sslmode !== 'allow' && p.sslmode !== 'prefer' && !probe.tls) {
    throw new CannotRunError(`sslmode=${p.sslmode} but the server at ${where} does not accept TLS; enable TLS on the server or use sslmode=prefer/disable`);
  }
  const [ca, cert, key] = await Promise.all([readPem(p.sslrootcert, 'sslrootcert'), readPem(p.sslcert, 'sslcert'), readPem(p.sslkey, 'sslkey')]);
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
    if (o.signal?.aborted) throw gaveUp(where, o.signal);
    throw loginError(e, p);
  }

  const { makeRunId, createNamespace } = await import('@helios-conformance/fixtures');
  const runId = o.runId ?? makeRunId();
  let server: string;
  let namespace: Awaited<ReturnType<typeof createNamespace>>;
  try {
    const v = await admin.query<{ version: string }>('SELECT version() AS version');
    server = String(v.rows[0]?.version ?? 'unknown').split(/ on |,/)[0] ?? 'unknown';
    namespace = await createNamespace({ query: async (sql, params) => ({ rows: (await admin.query(sql, params)).rows }) }, 'postgres', runId);
  } catch (e) {
    await closeClient(admin);
    const err = e as { code?: unknown };
    throw new CannotRunError(
      `logged in to ${where} but could not create the run's schema hc_${runId}: ${typeof err?.code === 'string' ? `${err.code}: ` : ''}${errorMessage(e)}; the user needs CREATE on the database`,
    );
  }
  await closeClient(admin);
  o.log?.(`run namespace: schema ${namespace.name}`);
  // Only picks the shipped expectations file and names the pooler in the banner.
  const pooled = await fingerprintPooler(conn, () => rawConnect(conn, { signal: o.signal }), closeClient, o.signal);
  const capabilities = useTls ? ['ssl'] : [];
  if (pooled.pooler) {
    capabilities.push(`pooler:${pooled.pooler}`);
    if (pooled.mode) capabilities.push(`pool-mode:${pooled.mode}`);
    server += ` via PgBouncer${pooled.mode ? ` (${pooled.mode} pooling)` : ''}`;
  }

  let closed: Promise<void> | undefined;
  const target: PgTarget = Object.freeze({
    dsn,
    runId,
    namespace: namespace.name,
    connection: Object.freeze({ ...conn }),
    tls: useTls,
    connect: (co: ConnectOptions = {}) => rawConnect(conn, { ...co, searchPathSchema: co.searchPath === false ? undefined : namespace.name }),
    qualify: (table: string) => namespace.qualify(table),
    clientConfig: (): ClientConfig => clientConfigOf(conn),
  });
  return {
    target,
    capabilities,
    server,
    namespace: `schema ${namespace.name}`,
    // The runner's liveness probe: a fresh login and SELECT 1, torn down at once (the signal
    // destroys the socket at the probe deadline).
    probe: (signal: AbortSignal) => probeTarget(target, signal),
    close() {
      // A fresh connection: the run's own sessions may be gone or wedged by now.
      closed ??= (async () => {
        const c = await rawConnect(conn);
        try {
          await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(namespace.name)} CASCADE`);
        } finally {
          await closeClient(c);
        }
      })();
      return closed;
    },
  };
}
