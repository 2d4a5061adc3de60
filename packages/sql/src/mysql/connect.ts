import { setMaxListeners } from 'node:events';
import type { Connection, ConnectionOptions, SslOptions } from 'mysql2/promise';
import { CannotRunError, type SuiteSession } from '@helios-conformance/core';
import { commonLoginError, fallbackLoginError, gaveUp, hostPort, loginErrorParts, readPem } from '../dsn.js';
import { mysqlAddressOptions } from '../_internal/tls.js';
import { errorMessage } from '../errors.js';
import { endWithin, within } from '../time.js';
import { loadMysql2 } from './driver.js';
import { parseMysqlDsn, type ParsedMysqlDsn } from './dsn.js';
import { CAPS, probeHandshake, type Handshake } from './probe.js';

/** How sessions reach the endpoint, derived from the DSN and what the server announced. */
export interface MyConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  /** The database named in the DSN (the run's work happens in {@link MyTarget.namespace}). */
  database: string | undefined;
  /**
   * TLS options when sessions use TLS (`undefined` for plain TCP). Open connections with
   * {@link MyTarget.mysql2Options}, not with these alone: for VERIFY_IDENTITY against an IP address
   * those options also carry the socket that makes mysql2 check the certificate against it.
   */
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
export function closeConnection(conn: Connection, graceMs = 2000): Promise<void> {
  return endWithin(() => conn.end(), () => conn.destroy(), graceMs);
}

/** Maps a failed login to one line that says what to fix (CLI exit 2). */
export function loginError(e: unknown, p: Pick<ParsedMysqlDsn, 'host' | 'port' | 'user' | 'database'>): CannotRunError {
  const where = hostPort(p.host, p.port);
  const { code, errno, message } = loginErrorParts(e);
  switch (errno) {
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
      return new CannotRunError(`the server at ${where} asks for an authentication plugin the client does not support (${errno}: ${message})`);
    default:
  }
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new CannotRunError(`TLS was requested but the server at ${where} does not offer it; enable TLS on the server or use ssl-mode=PREFERRED/DISABLED`);
  }
  return (
    commonLoginError(e, where, {
      protocol: 'MySQL-compatible',
      host: p.host,
      tlsHint: "pass the server's CA as ssl-ca=FILE or use ssl-mode=REQUIRED",
      nameHint: 'connect by a host name or address the certificate names, or use ssl-mode=VERIFY_CA',
    }) ?? fallbackLoginError(e, where)
  );
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
    ...mysqlAddressOptions(conn.host, conn.port, conn.ssl),
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
 * mysql2's `ssl` option for a DSN, as {@link fromDsn} applies it: none for DISABLED (and for PREFERRED
 * when the server offers no TLS), encryption without verification for PREFERRED and REQUIRED,
 * verification against ssl-ca for VERIFY_CA, and against the host too for VERIFY_IDENTITY (open the
 * connection with {@link mysqlDirectOptions} then: for an IP host it also needs the socket that makes
 * mysql2 check that address). Reads ssl-ca/ssl-cert/ssl-key; a missing file throws a CannotRunError.
 */
export async function mysqlSslOptions(p: ParsedMysqlDsn, offersTls = true): Promise<SslOptions | undefined> {
  if (!offersTls || p.sslMode === 'DISABLED') return undefined;
  const [ca, cert, key] = await Promise.all([readPem(p.sslCa, 'ssl-ca'), readPem(p.sslCert, 'ssl-cert'), readPem(p.sslKey, 'ssl-key')]);
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: p.sslMode === 'VERIFY_CA' || p.sslMode === 'VERIFY_IDENTITY',
    ...(p.sslMode === 'VERIFY_IDENTITY' ? { verifyIdentity: true } : {}),
  };
}

/**
 * Options for a direct mysql2 connection to the DSN's server (no run database, no probe): TLS as
 * {@link mysqlSslOptions} decides it — PREFERRED stays plain, since nothing probed the server first —
 * and for VERIFY_IDENTITY at an IP address the socket that makes mysql2 verify that address.
 */
export async function mysqlDirectOptions(p: ParsedMysqlDsn, connectTimeoutMs: number): Promise<ConnectionOptions> {
  const ssl = p.sslMode === 'PREFERRED' ? undefined : await mysqlSslOptions(p);
  return {
    ...mysqlAddressOptions(p.host, p.port, ssl),
    user: p.user,
    password: p.password,
    ...(p.database ? { database: p.database } : {}),
    connectTimeout: connectTimeoutMs,
    ...(ssl ? { ssl } : {}),
  };
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
  const useTls = offersTls && p.sslMode !== 'DISABLED';
  const verify = p.sslMode === 'VERIFY_CA' || p.sslMode === 'VERIFY_IDENTITY';
  const ssl = await mysqlSslOptions(p, offersTls);
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
    if (o.signal?.aborted) throw gaveUp(hostPort(p.host, p.port), o.signal);
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
    // Through whichever admin connection is current: close() replaces one the endpoint dropped.
    ns = await createNamespace(fromMysql2({ query: (sql: string, params?: unknown[]) => admin.query(sql, params) } as unknown as Parameters<typeof fromMysql2>[0]), 'mysql', runId);
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
          // The admin connection is as old as the run: when the endpoint went down and came back
          // meanwhile, it is gone, and a fresh one drops the database instead.
          const alive = await within(admin.ping().then(() => true, () => false), 2_000);
          if (alive.timedOut || !alive.value) {
            const old = admin;
            admin = await rawConnect({ ...baseOptions(conn), database: p.database });
            old.destroy();
          }
          const users = await q<{ u: string; h: string }>(
            `SELECT User AS u, Host AS h FROM mysql.user WHERE User LIKE 'hc\\_${runId}\\_%'`,
          ).catch(() => []);
          for (const u of users) await admin.query('DROP USER IF EXISTS ?@?', [u.u, u.h]).catch(() => undefined);
          await ns?.drop();
        })();
        // A frozen server must not hold the run open: give up after 15 s and drop the socket.
        try {
          const r = await within(cleanup, 15_000);
          if (r.timedOut) throw new Error(`dropping ${namespace} did not finish within 15 s`);
        } finally {
          await closeConnection(admin);
        }
      })();
      return closed;
    };
    return {
      target,
      capabilities,
      server: String(vars?.v ?? hs.serverVersion),
      namespace: `database ${namespace}`,
      // The runner's liveness probe: a fresh login (no database selected) and SELECT 1.
      async probe(signal: AbortSignal) {
        const c = await rawConnect({ ...baseOptions(conn), database: undefined }, signal);
        try {
          await c.query('SELECT 1');
        } finally {
          await closeConnection(c, 500);
        }
      },
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
    throw new CannotRunError(`could not prepare the run at ${hostPort(p.host, p.port)}: ${errorMessage(e).split('\n')[0]}`);
  }
}
