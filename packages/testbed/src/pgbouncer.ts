import { accessSync, chmodSync, constants as fsConstants, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isServerError, pgConnect, type PgClientSession } from './_internal/pg-client.js';
import { cleanEnv, findExecutable, runCommand, settlesWithin, sleep, tail } from './_internal/proc.js';
import { chownRecursive, errorMessage, isRoot, lookupUser } from './_internal/util.js';
import { Resource, type Endpoint } from './endpoint.js';
import { findFreePort } from './ports.js';
import { startPostgres } from './postgres.js';

/** PgBouncer's pooling modes the testbed serves (`statement` breaks multi-statement transactions by design). */
export type PgbouncerPoolMode = 'session' | 'transaction';

/** Options of {@link startPgbouncer}. */
export interface StartPgbouncerOptions {
  /** `session` (a server connection per client connection) or `transaction` (per transaction). */
  poolMode: PgbouncerPoolMode;
  /**
   * A running PostgreSQL testbed endpoint to pool (not stopped by `stop()`). Default: a fresh
   * {@link startPostgres} `{ tls: false }` backend, stopped together with PgBouncer.
   */
  backend?: Endpoint;
  /** The `pgbouncer` executable; default: env HC_PGBOUNCER, `pgbouncer` on PATH, /usr/sbin/pgbouncer. */
  binPath?: string;
  /** How long to wait for a login through PgBouncer to work (default 30 000 ms; the backend gets its own). */
  startTimeoutMs?: number;
  /** Extra `[pgbouncer]` settings (appended after the testbed's own, so they win). */
  extraConf?: Record<string, string | number>;
}

/** A PgBouncer endpoint: the {@link Endpoint} a client uses, plus what sits behind it. */
export interface PgbouncerEndpoint extends Endpoint {
  kind: 'pgbouncer';
  /** The pooling mode PgBouncer runs in. */
  poolMode: PgbouncerPoolMode;
  /** The PostgreSQL server behind PgBouncer (direct connections bypass the pooler). */
  backend: Endpoint;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Locates the `pgbouncer` executable (see {@link StartPgbouncerOptions.binPath}). */
export function resolvePgbouncer(explicit?: string): string {
  for (const [source, file] of [
    ['binPath option', explicit],
    ['HC_PGBOUNCER', process.env.HC_PGBOUNCER],
  ] as const) {
    if (!file) continue;
    if (isExecutable(file)) return file;
    throw new Error(`${source} ${file} is not an executable file`);
  }
  const found = findExecutable('pgbouncer', ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin']);
  if (found) return found;
  throw new Error('pgbouncer not found: install PgBouncer (apt-get install pgbouncer) or set HC_PGBOUNCER to its executable');
}

/** `[pgbouncer]` values are taken verbatim up to the end of the line: refuse anything that could add lines. */
function confValue(name: string, value: string | number): string {
  const text = String(value);
  if (!/^[a-z_]+$/.test(name)) throw new Error(`invalid PgBouncer setting name ${JSON.stringify(name)}`);
  if (/[\r\n]/.test(text)) throw new Error(`PgBouncer setting ${name} must not contain a line break`);
  return `${name} = ${text}`;
}

/** userlist.txt quoting: a `"` inside is doubled. */
function quoteUserlist(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * Starts PgBouncer (the machine's executable, e.g. Debian's package) in front of a PostgreSQL
 * testbed backend: a temp dir `hc-testbed-pgbouncer-*` with pgbouncer.ini and a userlist holding
 * the backend user's SCRAM secret (copied from pg_authid, so PgBouncer authenticates clients with
 * scram-sha-256 and logs in to the server with the client's SCRAM keys; other roles are looked up
 * through `auth_query` as that user), listening on 127.0.0.1 at a free port, plain TCP, in the
 * pooling mode asked for. As root, PgBouncer runs as the `postgres` user (it refuses root).
 * Resolves once a login through it runs a query; on failure cleans up (including a backend it
 * started) and throws with the tail of its log. The DSN names PgBouncer with the backend's user,
 * password and database.
 */
export async function startPgbouncer(opts: StartPgbouncerOptions): Promise<PgbouncerEndpoint> {
  const poolMode = opts.poolMode;
  if (poolMode !== 'session' && poolMode !== 'transaction') throw new Error(`unsupported poolMode ${JSON.stringify(poolMode)} (expected session or transaction)`);
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const bin = resolvePgbouncer(opts.binPath);
  if (opts.backend && opts.backend.kind !== 'postgres') throw new Error(`backend must be a postgres endpoint, got ${opts.backend.kind}`);

  let owner: { uid: number; gid: number; home: string } | undefined;
  if (isRoot()) {
    owner = lookupUser('postgres');
    if (!owner) throw new Error('running as root, but /etc/passwd has no `postgres` user; PgBouncer refuses to run as root: create one or run as a non-root user');
  }
  const ids = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = cleanEnv(owner ? { HOME: owner.home, USER: 'postgres', LOGNAME: 'postgres' } : {});

  const versionRun = await runCommand(bin, ['--version'], { env, ...ids, timeoutMs: 10_000 });
  const bouncerVersion = /PgBouncer [^\s]+/.exec(versionRun.output)?.[0];
  if (versionRun.code !== 0 || !bouncerVersion) throw new Error(`${bin} --version failed: ${tail(versionRun.output, 500)}`);

  const ownsBackend = !opts.backend;
  const backend = opts.backend ?? (await startPostgres({ tls: false }));
  const res = new Resource('pgbouncer');
  // SIGTERM is PgBouncer's immediate shutdown (SIGINT would wait for clients to finish).
  res.stopSignal = 'SIGTERM';
  const stopBackend = async () => {
    if (ownsBackend) await backend.stop();
  };
  let phase = 'configuration';
  try {
    const dir = res.makeTempDir();
    chmodSync(dir, 0o700);

    // The SCRAM secret, never the password, goes into the userlist.
    const admin = await pgConnect({ host: backend.host, port: backend.port, user: backend.user, password: backend.password, database: backend.database, timeoutMs: 10_000 });
    let secret: string;
    let backendVersion: string;
    try {
      secret = (await admin.query(`SELECT rolpassword FROM pg_authid WHERE rolname = current_user`))[0]?.[0] ?? '';
      backendVersion = (await admin.query('SELECT version()'))[0]?.[0] ?? '';
    } finally {
      admin.close();
    }
    if (!secret.startsWith('SCRAM-SHA-256$')) {
      throw new Error(`the backend stores the password of ${backend.user} as ${secret ? secret.slice(0, 3) + '…' : 'nothing'}, not a SCRAM secret: start it with authMethod scram-sha-256`);
    }
    const userlist = path.join(dir, 'userlist.txt');
    writeFileSync(userlist, `${quoteUserlist(backend.user)} ${quoteUserlist(secret)}\n`, { mode: 0o600 });

    const server = `host=127.0.0.1 port=${backend.port}`;
    const writeIni = (port: number) => {
      const lines = [
        '; helios-testbed: PgBouncer in front of a PostgreSQL testbed backend',
        '[databases]',
        `${backend.database} = ${server} dbname=${backend.database}`,
        // Any other database name goes to the same server under that name.
        `* = ${server}`,
        '',
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        `unix_socket_dir = ${dir}`,
        `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
        'auth_type = scram-sha-256',
        `auth_file = ${userlist}`,
        // Roles the suite creates are not in the userlist: PgBouncer reads their secrets from pg_shadow.
        `auth_user = ${backend.user}`,
        `pool_mode = ${poolMode}`,
        `admin_users = ${backend.user}`,
        `stats_users = ${backend.user}`,
        'max_client_conn = 500',
        'default_pool_size = 20',
        // JDBC and others send it; PgBouncer refuses unknown startup parameters otherwise. The usual setting.
        'ignore_startup_parameters = extra_float_digits',
        'server_tls_sslmode = disable',
        'client_tls_sslmode = disable',
        'syslog = 0',
        'log_connections = 1',
        'log_disconnections = 1',
        'log_pooler_errors = 1',
        ...Object.entries(opts.extraConf ?? {}).map(([k, v]) => confValue(k, v)),
        '',
      ];
      writeFileSync(path.join(dir, 'pgbouncer.ini'), lines.join('\n'), { mode: 0o600 });
      if (owner) chownRecursive(dir, owner.uid, owner.gid);
    };

    phase = 'start';
    const deadline = Date.now() + startTimeoutMs;
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await findFreePort();
      writeIni(port);
      // Foreground (no -d): the spawned process is PgBouncer itself, it logs to stderr.
      const proc = res.spawnServer(bin, [path.join(dir, 'pgbouncer.ini')], { cwd: dir, env, ...ids });
      const ok = await waitForLogin(port, backend, deadline, () => (proc.hasExited() ? proc.exitDescription() : undefined));
      if (ok) break;
      if (attempt < 3 && /address already in use|bind\(\)|could not bind/i.test(proc.log.toString())) continue;
      throw new Error(`pgbouncer ${proc.exitDescription()} during startup`);
    }

    const version = `${bouncerVersion} (${poolMode}) → ${/^PostgreSQL [^\s,]+/.exec(backendVersion)?.[0] ?? backendVersion}`;
    const endpoint: PgbouncerEndpoint = {
      kind: 'pgbouncer',
      poolMode,
      backend,
      dsn: `postgres://${encodeURIComponent(backend.user)}:${encodeURIComponent(backend.password)}@127.0.0.1:${port}/${encodeURIComponent(backend.database)}`,
      host: '127.0.0.1',
      port,
      user: backend.user,
      password: backend.password,
      database: backend.database,
      tls: false,
      version,
      pid: res.server!.pid,
      tempDir: dir,
      socketPath: path.join(dir, `.s.PGSQL.${port}`),
      logs: () => res.server!.log.toString(),
      alive: () => !res.server!.hasExited(),
      waitForExit: (ms) => settlesWithin(res.server!.exited, ms),
      stop: async () => {
        await res.release();
        await stopBackend();
      },
    };
    res.endpoint = endpoint;
    return endpoint;
  } catch (err) {
    const log = res.server ? res.server.log.toString() : '';
    await res.release(2000).catch(() => undefined);
    await stopBackend().catch(() => undefined);
    const detail = log.trim() ? `\n--- pgbouncer log (tail) ---\n${tail(log)}` : '';
    throw new Error(`could not start PgBouncer (${phase}): ${errorMessage(err)}${detail}`, { cause: err });
  }
}

/** Polls until a login through PgBouncer runs a query; false when PgBouncer exited first. */
async function waitForLogin(port: number, backend: Endpoint, deadline: number, exited: () => string | undefined): Promise<boolean> {
  let last = 'no attempt yet';
  for (;;) {
    if (exited()) return false;
    let session: PgClientSession | undefined;
    try {
      const remaining = Math.max(500, Math.min(5000, deadline - Date.now()));
      session = await pgConnect({ host: '127.0.0.1', port, user: backend.user, password: backend.password, database: backend.database, timeoutMs: remaining });
      await session.query('SELECT 1');
      session.close();
      return true;
    } catch (err) {
      session?.close();
      const code = (err as NodeJS.ErrnoException).code ?? '';
      last = `${code ? code + ' ' : ''}${errorMessage(err)}`;
      // Pooler errors while the backend warms up are transient; a refused login is not. PgBouncer
      // reports a failed SCRAM exchange as 08P01 "SASL authentication failed", not 28P01.
      if (isServerError(err) && (code === '28P01' || /authentication failed/i.test(err.message))) throw new Error(`login through PgBouncer refused: ${last}`);
    }
    if (Date.now() >= deadline) throw new Error(`no login through PgBouncer within the start timeout (last attempt: ${last})`);
    await sleep(100);
  }
}
