import { setMaxListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Connection, ConnectionOptions, SslOptions } from 'mysql2/promise';
import { CannotRunError, type OpenOptions, type SuiteSession } from '@helios-conformance/core';
import { loadMysql2 } from './_internal/drivers.js';
import { CAPS, probeHandshake, type Handshake } from './_internal/probe.js';

/** MySQL client `--ssl-mode` values (also accepted lower-case, with `-` or `_`). */
export type SslMode = 'DISABLED' | 'PREFERRED' | 'REQUIRED' | 'VERIFY_CA' | 'VERIFY_IDENTITY';

const SSL_MODES: readonly SslMode[] = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'];

/** Example DSN shown in --help and error lines. */
export const MYSQL_DSN_EXAMPLE = 'mysql://user:password@host:3306/database?ssl-mode=REQUIRED';

/** A MySQL DSN, taken apart. */
export interface ParsedMysqlDsn {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string | undefined;
  /** `PREFERRED` when the DSN does not say (the mysql client's default). */
  sslMode: SslMode;
  /** `ssl-ca`: PEM file with the CA(s) to verify the server against. */
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  /** `connect-timeout` / `connectTimeout`, in milliseconds. */
  connectTimeoutMs?: number;
}

function normalizeMode(raw: string): SslMode | undefined {
  const up = raw.toUpperCase().replace(/-/g, '_');
  const alias: Record<string, SslMode> = {
    DISABLE: 'DISABLED', FALSE: 'DISABLED', PREFER: 'PREFERRED', REQUIRE: 'REQUIRED', TRUE: 'REQUIRED',
    VERIFY_FULL: 'VERIFY_IDENTITY',
  };
  return SSL_MODES.includes(up as SslMode) ? (up as SslMode) : alias[up];
}

/**
 * Takes a `mysql://user:pass@host:port/db?ssl-mode=…&ssl-ca=FILE` DSN apart (port 3306,
 * ssl-mode PREFERRED by default; `mariadb://` is accepted too). Throws a {@link CannotRunError}
 * saying what is wrong; the message never contains the password.
 */
export function parseMysqlDsn(dsn: string): ParsedMysqlDsn {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new CannotRunError(`malformed --dsn: expected a URL like ${MYSQL_DSN_EXAMPLE}`);
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new CannotRunError(`malformed --dsn: the scheme must be mysql:// (or mariadb://), not ${url.protocol}//`);
  }
  const dec = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new CannotRunError(`malformed --dsn: the ${what} has an invalid %-escape`);
    }
  };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new CannotRunError(`malformed --dsn: no host (expected a URL like ${MYSQL_DSN_EXAMPLE})`);
  const port = url.port ? Number(url.port) : 3306;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CannotRunError('malformed --dsn: port must be 1-65535');
  const user = dec(url.username, 'user name');
  if (!user) throw new CannotRunError(`malformed --dsn: no user name (expected a URL like ${MYSQL_DSN_EXAMPLE})`);
  const password = url.password ? dec(url.password, 'password') : undefined;
  const path = dec(url.pathname.replace(/^\//, ''), 'database name');
  if (path.includes('/')) throw new CannotRunError('malformed --dsn: the path must be just the database name');
  const q = url.searchParams;
  const get = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const v = q.get(k);
      if (v !== null) return v;
    }
    return undefined;
  };
  const rawMode = get('ssl-mode', 'sslMode', 'ssl_mode', 'sslmode', 'ssl');
  const sslMode = rawMode === undefined ? 'PREFERRED' : normalizeMode(rawMode);
  if (!sslMode) throw new CannotRunError(`malformed --dsn: ssl-mode must be one of ${SSL_MODES.join(', ')}, got "${rawMode}"`);
  let connectTimeoutMs: number | undefined;
  const ct = get('connect-timeout', 'connectTimeout', 'connect_timeout');
  if (ct !== undefined) {
    if (!/^\d+$/.test(ct)) throw new CannotRunError('malformed --dsn: connect-timeout must be a whole number of milliseconds');
    if (Number(ct) > 0) connectTimeoutMs = Number(ct);
  }
  return {
    host,
    port,
    user,
    password,
    database: path || undefined,
    sslMode,
    sslCa: get('ssl-ca', 'sslCa', 'ssl_ca', 'sslrootcert'),
    sslCert: get('ssl-cert', 'sslCert', 'ssl_cert'),
    sslKey: get('ssl-key', 'sslKey', 'ssl_key'),
    connectTimeoutMs,
  };
}

/** How sessions reach the endpoint, derived from the DSN and what the server announced. */
export interface MyConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  /** The database named in the DSN (the run's work happens in {@link MyTarget.namespace}). */
  database: string | undefined;
  /** TLS options when sessions use TLS (`undefined` for plain TCP). */
  ssl: SslOptions | undefined;
  /** True when the server certificate is verified against a CA. */
  tlsVerified: boolean;
  /** Budget for establishing one connection. */
  connectTimeoutMs: number;
}

/** Options of {@link MyTarget.connect}. */
export interface ConnectOptions {
  /** When aborted, the connection is destroyed (pending queries reject). Pass `ctx.signal`. */
  signal?: AbortSignal;
  /** Database to select at login: the run's namespace by default; `null` for none. */
  database?: string | null;
  /** Any other mysql2 option (multipleStatements, flags, infileStreamFactory, …). */
  extra?: Partial<ConnectionOptions>;
}

/** What the suite observed about the endpoint while opening the run. */
export interface ObservedSettings {
  /** @@max_allowed_packet in bytes. */
  maxAllowedPacket: number;
  /** @@local_infile. */
  localInfile: boolean;
  /** @@autocommit of a new session. */
  autocommit: boolean;
  /** ACTIVE authentication plugins (information_schema.PLUGINS, else SHOW PLUGINS). */
  authPlugins: string[];
  /** The login user may create and drop users (needed by the auth cases). */
  canCreateUser: boolean;
  /** @@sql_mode of a new session. */
  sqlMode: string;
}

/** The suite's handle on a MySQL endpoint for one run. */
export interface MyTarget {
  /** The DSN the run uses (contains the password; the runner redacts it from every output). */
  readonly dsn: string;
  /** Run id: `namespace` is `hc_<runId>`; users a case creates are named `hc_<runId>_…`. */
  readonly runId: string;
  /** The run's database, `hc_<run id>`: cases create everything there and nowhere else. */
  readonly namespace: string;
  readonly connection: Readonly<MyConnectionOptions>;
  /** True when sessions use TLS. */
  readonly tls: boolean;
  /** The server's initial handshake, as read by the probe. */
  readonly handshake: Readonly<Handshake>;
  readonly settings: Readonly<ObservedSettings>;
  /**
   * Opens a new `mysql2/promise` connection with the run's namespace selected. The caller
   * ends it (`ctx.defer(() => closeConnection(conn))`).
   */
  connect(options?: ConnectOptions): Promise<Connection>;
  /** The mysql2 options {@link connect} uses (for pools and query builders). */
  mysql2Options(options?: Omit<ConnectOptions, 'signal'>): ConnectionOptions;
  /** `` `hc_xxxxxxxx`.`table` ``: a table name qualified with the run's namespace. */
  qualify(table: string): string;
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
export interface MySession extends SuiteSession<MyTarget> {
  target: MyTarget;
  capabilities: string[];
  server: string;
}

/**
 * Ends a mysql2 connection: a polite COM_QUIT, then the socket is destroyed if the server
 * does not answer within `graceMs`. Never throws, never hangs.
 */
export async function closeConnection(conn: Connection, graceMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    conn.end().catch(() => undefined),
    new Promise<void>((r) => {
      timer = setTimeout(r, graceMs);
    }),
  ]);
  clearTimeout(timer);
  try {
    conn.destroy();
  } catch {
    // already gone
  }
}

async function readPem(path: string | undefined, what: string): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new CannotRunError(`cannot read ${what} file ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}); fix the path in --dsn`);
  }
}

/** Maps a failed login to one line that says what to fix. */
export function loginError(e: unknown, p: Pick<ParsedMysqlDsn, 'host' | 'port' | 'user' | 'database'>): CannotRunError {
  const where = `${p.host}:${p.port}`;
  const err = e as { code?: string; errno?: number; message?: string } | null;
  const code = err?.code;
  const msg = (err?.message ?? String(e)).split('\n')[0] ?? '';
  switch (err?.errno) {
    case 1045:
      return new CannotRunError(`access denied for user "${p.user}" at ${where} (1045); check the user and password in --dsn`);
    case 1049:
      return new CannotRunError(`database "${p.database}" does not exist at ${where} (1049); fix the database name in --dsn`);
    case 1044:
      return new CannotRunError(`user "${p.user}" may not use database "${p.database}" at ${where} (1044); fix the database in --dsn`);
    case 1040:
      return new CannotRunError(`the server at ${where} has too many connections (1040); try again later`);
    case 1129:
      return new CannotRunError(`the server at ${where} blocked this host (1129); run mysqladmin flush-hosts`);
    case 1251:
    case 1524:
      return new CannotRunError(`the server at ${where} asks for an authentication plugin the client does not support (${err.errno}: ${msg})`);
    default:
  }
  if (code === 'ECONNREFUSED') return new CannotRunError(`nothing is listening at ${where} (connection refused); is the server running and the port right?`);
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') return new CannotRunError(`TLS was requested but the server at ${where} does not offer it; enable TLS on the server or use ssl-mode=PREFERRED/DISABLED`);
  if ((typeof code === 'string' && /^(?:ERR_TLS_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH|HANDSHAKE_SSL_ERROR)/.test(code)) || /certificate/i.test(msg)) {
    return new CannotRunError(`TLS verification of ${where} failed (${code ?? ''}: ${msg}); pass the server's CA as ssl-ca=FILE or use ssl-mode=REQUIRED`);
  }
  if (code === 'ETIMEDOUT' || /timeout/i.test(msg)) return new CannotRunError(`logging in to ${where} timed out; is the server overloaded or not MySQL-compatible?`);
  return new CannotRunError(`cannot log in to ${where}: ${code ? `${code}: ` : ''}${msg}`);
}

function bindSignal(conn: Connection, signal: AbortSignal | undefined): void {
  if (!signal) return;
  const onAbort = (): void => {
    try {
      conn.destroy();
    } catch {
      // ignore
    }
  };
  if (signal.aborted) onAbort();
  else {
    signal.addEventListener('abort', onAbort, { once: true });
    (conn as unknown as { connection: NodeJS.EventEmitter }).connection.once('end', () => signal.removeEventListener('abort', onAbort));
  }
}

const quoteIdent = (s: string): string => `\`${s.replaceAll('`', '``')}\``;

function baseOptions(conn: MyConnectionOptions): ConnectionOptions {
  return {
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    ssl: conn.ssl,
    connectTimeout: conn.connectTimeoutMs,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
    charset: 'UTF8MB4_UNICODE_CI',
  };
}

/** Opens one mysql2 connection; errors are left as the driver raised them. */
async function rawConnect(options: ConnectionOptions, signal?: AbortSignal): Promise<Connection> {
  const mysql = await loadMysql2();
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  if (signal) setMaxListeners(500, signal);
  let abortReject: ((e: unknown) => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    abortReject = reject;
  });
  const onAbort = (): void => abortReject?.(signal?.reason ?? new Error('aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  const pending = mysql.createConnection(options);
  try {
    const conn = await Promise.race([pending, aborted]);
    conn.on('error', () => undefined);
    bindSignal(conn, signal);
    return conn;
  } catch (e) {
    pending.then((c) => c.destroy()).catch(() => undefined);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Opens a run against the MySQL endpoint behind `dsn`: reads the v10 handshake (and
 * recognises a PostgreSQL server or other protocol on the port), applies ssl-mode, logs in,
 * observes capabilities, creates the run's database `hc_<run id>` and returns a session whose
 * `close()` drops it. Every problem that prevents a run is a {@link CannotRunError}.
 */
export async function fromDsn(dsn: string, o: FromDsnOptions = {}): Promise<MySession> {
  const p = parseMysqlDsn(dsn);
  const budget = Math.min(p.connectTimeoutMs ?? 10_000, o.timeoutMs ?? 10_000, 10_000);
  const hs = await probeHandshake(p.host, p.port, Math.max(1000, budget - 1000), o.signal);
  const offersTls = (hs.capabilities & CAPS.SSL) !== 0;
  if (p.sslMode !== 'DISABLED' && p.sslMode !== 'PREFERRED' && !offersTls) {
    throw new CannotRunError(`ssl-mode=${p.sslMode} but the server at ${p.host}:${p.port} does not offer TLS; enable TLS on the server or use ssl-mode=PREFERRED/DISABLED`);
  }
  const [ca, cert, key] = await Promise.all([readPem(p.sslCa, 'ssl-ca'), readPem(p.sslCert, 'ssl-cert'), readPem(p.sslKey, 'ssl-key')]);
  const useTls = offersTls && p.sslMode !== 'DISABLED';
  const verify = p.sslMode === 'VERIFY_CA' || p.sslMode === 'VERIFY_IDENTITY';
  const ssl: SslOptions | undefined = useTls
    ? {
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
        rejectUnauthorized: verify,
        ...(p.sslMode === 'VERIFY_IDENTITY' ? { verifyIdentity: true } : {}),
      }
    : undefined;
  const conn: MyConnectionOptions = {
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password,
    database: p.database,
    ssl,
    tlsVerified: useTls && verify,
    connectTimeoutMs: budget,
  };

  let admin: Connection;
  try {
    admin = await rawConnect({ ...baseOptions(conn), database: p.database }, o.signal);
  } catch (e) {
    if (o.signal?.aborted) throw new CannotRunError(`gave up logging in to ${p.host}:${p.port}: ${String((o.signal.reason as Error)?.message ?? o.signal.reason)}`);
    throw loginError(e, p);
  }

  let ns: { name: string; drop(): Promise<void> } | undefined;
  try {
    const q = async <R = Record<string, unknown>>(sql: string): Promise<R[]> => (await admin.query(sql))[0] as R[];
    const [vars] = await q<{ mp: string | number; li: string | number; ac: string | number; sm: string; v: string }>(
      'SELECT @@max_allowed_packet AS mp, @@local_infile AS li, @@autocommit AS ac, @@sql_mode AS sm, VERSION() AS v',
    );
    let authPlugins: string[] = [];
    try {
      authPlugins = (
        await q<{ n: string }>("SELECT PLUGIN_NAME AS n FROM information_schema.PLUGINS WHERE PLUGIN_TYPE = 'AUTHENTICATION' AND PLUGIN_STATUS = 'ACTIVE'")
      ).map((r) => r.n);
    } catch {
      const rows = await q<{ Name: string; Status: string; Type: string }>('SHOW PLUGINS').catch(() => []);
      authPlugins = rows.filter((r) => r.Type === 'AUTHENTICATION' && r.Status === 'ACTIVE').map((r) => r.Name);
    }
    const grants = (await q<Record<string, string>>('SHOW GRANTS').catch(() => [])).map((r) => String(Object.values(r)[0]));
    const canCreateUser = grants.some((g) => /GRANT (ALL PRIVILEGES|.*CREATE USER).* ON \*\.\*/i.test(g));
    let tlsCipher = '';
    if (useTls) {
      const rows = await q<{ Value: string }>("SHOW SESSION STATUS LIKE 'Ssl_cipher'").catch(() => []);
      tlsCipher = rows[0]?.Value ?? '';
    }
    const { makeRunId, createNamespace, fromMysql2 } = await import('@helios-conformance/fixtures');
    const runId = o.runId ?? makeRunId();
    ns = await createNamespace(fromMysql2(admin), 'mysql', runId);
    const settings: ObservedSettings = {
      maxAllowedPacket: Number(vars?.mp ?? 0),
      localInfile: Number(vars?.li ?? 0) === 1 || String(vars?.li).toUpperCase() === 'ON',
      autocommit: Number(vars?.ac ?? 1) === 1,
      authPlugins,
      canCreateUser,
      sqlMode: String(vars?.sm ?? ''),
    };
    const namespace = ns.name;
    const mysql2Options = (co: Omit<ConnectOptions, 'signal'> = {}): ConnectionOptions => ({
      ...baseOptions(conn),
      database: co.database === null ? undefined : (co.database ?? namespace),
      ...co.extra,
    });
    const target: MyTarget = Object.freeze({
      dsn,
      runId,
      namespace,
      connection: Object.freeze(conn),
      tls: useTls,
      handshake: Object.freeze(hs),
      settings: Object.freeze(settings),
      connect: (co: ConnectOptions = {}) => rawConnect(mysql2Options(co), co.signal),
      mysql2Options,
      qualify: (table: string) => `${quoteIdent(namespace)}.${quoteIdent(table)}`,
    });
    const capabilities = [
      'mysql-protocol-v10',
      ...(useTls && tlsCipher ? ['tls'] : []),
      ...(useTls && tlsCipher && verify ? ['tls-verified'] : []),
      ...authPlugins.map((a) => `auth:${a}`),
      ...(settings.localInfile ? ['local-infile'] : []),
      ...(canCreateUser ? ['create-user'] : []),
    ];
    o.log?.(`run database ${namespace}; TLS ${useTls ? (tlsCipher || 'requested') : 'off'}`);
    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closed ??= (async () => {
        const cleanup = (async () => {
          const users = await q<{ u: string; h: string }>(
            `SELECT User AS u, Host AS h FROM mysql.user WHERE User LIKE 'hc\\_${runId}\\_%'`,
          ).catch(() => []);
          for (const u of users) await admin.query('DROP USER IF EXISTS ?@?', [u.u, u.h]).catch(() => undefined);
          await ns?.drop();
        })();
        // A frozen server must not hold the run open: give up after 15 s and drop the socket.
        let timer: NodeJS.Timeout | undefined;
        const giveUp = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`dropping ${namespace} did not finish within 15 s`)), 15_000);
        });
        try {
          await Promise.race([cleanup, giveUp]);
        } finally {
          clearTimeout(timer);
          await closeConnection(admin);
        }
      })();
      return closed;
    };
    return {
      target,
      capabilities,
      server: String(vars?.v ?? hs.serverVersion),
      secrets: p.password ? [p.password] : [],
      sections: () => ({
        mysql: {
          handshake: {
            protocolVersion: hs.protocolVersion,
            serverVersion: hs.serverVersion,
            capabilities: `0x${hs.capabilities.toString(16)}`,
            authPlugin: hs.authPlugin,
          },
          tls: useTls ? { cipher: tlsCipher, verified: verify } : false,
          settings,
        },
      }),
      close,
    };
  } catch (e) {
    await ns?.drop().catch(() => undefined);
    await closeConnection(admin);
    if (e instanceof CannotRunError) throw e;
    throw new CannotRunError(`could not prepare the run at ${p.host}:${p.port}: ${(e as Error).message?.split('\n')[0] ?? String(e)}`);
  }
}

/** The suite's `open()`: a DSN is required (no MySQL-compatible server is embeddable from npm). */
export async function openMysql(o: OpenOptions): Promise<MySession> {
  if (o.dsn === undefined) {
    throw new CannotRunError(
      'helios-mysql needs an endpoint: pass --dsn mysql://user:pass@host:3306/db (no embedded MySQL-compatible server exists on npm; where MariaDB is installed, start one with `npx @helios-conformance/testbed up mariadb`)',
    );
  }
  return fromDsn(o.dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log });
}
