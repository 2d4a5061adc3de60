import { createHash } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants as fsConstants, appendFileSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateTlsMaterial } from './_internal/certs.js';
import { isServerError, pgConnect, type PgClientSession } from './_internal/pg-client.js';
import { cleanEnv, findExecutable, runCommand, settlesWithin, sleep, tail } from './_internal/proc.js';
import { chownRecursive, errorMessage, isRoot, lookupUser, randomPassword } from './_internal/util.js';
import { Resource, type Endpoint } from './endpoint.js';
import { findFreePort } from './ports.js';

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Serve TLS with a freshly generated CA + server certificate (default true). Plain TCP stays allowed. */
  tls?: boolean;
  /** Password authentication method in pg_hba.conf (default `scram-sha-256`). `md5` also stores the password as MD5. */
  authMethod?: 'scram-sha-256' | 'md5';
  /** Directory with `initdb` and `postgres`; default: env HC_PG_BINDIR, `pg_config --bindir`, /usr/lib/postgresql/15/bin, `initdb` on PATH. */
  binDir?: string;
  /** How long to wait for the server to accept a real connection (default 30 000 ms). */
  startTimeoutMs?: number;
  /** Extra postgresql.conf settings, appended to the file (so ALTER SYSTEM / reload still work). */
  extraConf?: Record<string, string | number | boolean>;
}

const PG_USER = 'hc';
const PG_DB = 'hc';

function isPgBinDir(dir: string): boolean {
  try {
    accessSync(path.join(dir, 'initdb'), fsConstants.X_OK);
    accessSync(path.join(dir, 'postgres'), fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Locates the PostgreSQL server binaries (see {@link StartPostgresOptions.binDir}). */
export async function resolvePgBinDir(explicit?: string): Promise<string> {
  for (const [source, dir] of [
    ['binDir option', explicit],
    ['HC_PG_BINDIR', process.env.HC_PG_BINDIR],
  ] as const) {
    if (!dir) continue;
    if (isPgBinDir(dir)) return dir;
    throw new Error(`${source} ${dir} does not contain executable initdb and postgres`);
  }
  const pgConfig = findExecutable('pg_config');
  if (pgConfig) {
    try {
      const r = await runCommand(pgConfig, ['--bindir'], { timeoutMs: 10_000 });
      const dir = r.output.trim();
      if (r.code === 0 && dir && isPgBinDir(dir)) return dir;
    } catch {
      // fall through
    }
  }
  if (isPgBinDir('/usr/lib/postgresql/15/bin')) return '/usr/lib/postgresql/15/bin';
  const initdb = findExecutable('initdb');
  if (initdb) {
    const dir = path.dirname(realpathSync(initdb));
    if (isPgBinDir(dir)) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries not found: install PostgreSQL 15 (apt-get install postgresql-15) or set HC_PG_BINDIR to the directory holding initdb and postgres',
  );
}

function quoteConf(value: string | number | boolean): string {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * Starts a throwaway PostgreSQL server from the machine's binaries: a fresh
 * cluster (initdb) in `os.tmpdir()/hc-testbed-postgres-*`, superuser `hc` with a
 * random password, database `hc`, listening on 127.0.0.1 at a free port, password
 * authentication everywhere (no `trust`), TLS by default. As root, the cluster is
 * owned by and run as the `postgres` user. Resolves once a real connection
 * succeeds; on failure, cleans up and throws with the tail of the server log.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<Endpoint> {
  const tls = opts.tls ?? true;
  const auth = opts.authMethod ?? 'scram-sha-256';
  if (auth !== 'scram-sha-256' && auth !== 'md5') throw new Error(`unsupported authMethod ${String(auth)}`);
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const binDir = await resolvePgBinDir(opts.binDir);

  let owner: { uid: number; gid: number; home: string } | undefined;
  if (isRoot()) {
    owner = lookupUser('postgres');
    if (!owner) {
      throw new Error(
        'running as root, but /etc/passwd has no `postgres` user; PostgreSQL refuses to run as root: create one (useradd --system --home /var/lib/postgresql postgres) or run as a non-root user',
      );
    }
  }
  const ids = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = cleanEnv(owner ? { HOME: owner.home, USER: 'postgres', LOGNAME: 'postgres' } : {});

  const res = new Resource('postgres');
  res.stopSignal = 'SIGINT'; // fast shutdown: terminate sessions, checkpoint, exit
  let phase = 'initdb';
  let initdbOutput = '';
  try {
    const dir = res.makeTempDir();
    chmodSync(dir, 0o755); // the CA certificate in it must be world-readable
    const dataDir = path.join(dir, 'data');
    const password = randomPassword();
    const pwfile = path.join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner) chownRecursive(dir, owner.uid, owner.gid);

    // initdb; C.UTF-8 when the C library has it, C otherwise.
    let initOk = false;
    for (const locale of ['C.UTF-8', 'C']) {
      const r = await runCommand(
        path.join(binDir, 'initdb'),
        ['-D', dataDir, '-U', PG_USER, `--pwfile=${pwfile}`, `--auth=${auth}`, '-E', 'UTF8', `--locale=${locale}`, '--no-sync', '--no-instructions'],
        { cwd: dir, env, ...ids, timeoutMs: 120_000 },
      );
      initdbOutput = r.output;
      if (r.code === 0) {
        initOk = true;
        break;
      }
      rmSync(dataDir, { recursive: true, force: true });
      if (!/locale/i.test(r.output)) break;
    }
    unlinkSync(pwfile);
    if (!initOk) throw new Error(`initdb failed:\n${tail(initdbOutput)}`);

    phase = 'configuration';
    const conf: string[] = ['', '# --- helios-testbed ---'];
    if (auth === 'md5') conf.push("password_encryption = 'md5'");
    let caCertPath: string | undefined;
    if (tls) {
      const material = await generateTlsMaterial('ecdsa', 'helios-testbed postgres');
      caCertPath = path.join(dir, 'ca.pem');
      writeFileSync(caCertPath, material.caCertPem, { mode: 0o644 });
      const crt = path.join(dataDir, 'server.crt');
      const key = path.join(dataDir, 'server.key');
      writeFileSync(crt, material.serverCertPem, { mode: 0o644 });
      writeFileSync(key, material.serverKeyPem, { mode: 0o600 });
      if (owner) {
        chownSync(crt, owner.uid, owner.gid);
        chownSync(key, owner.uid, owner.gid);
      }
      conf.push('ssl = on', "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'");
    }
    for (const [name, value] of Object.entries(opts.extraConf ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new Error(`invalid configuration parameter name ${JSON.stringify(name)}`);
      conf.push(`${name} = ${quoteConf(value)}`);
    }
    appendFileSync(path.join(dataDir, 'postgresql.conf'), conf.join('\n') + '\n');
    const hba = [
      '# helios-testbed: password authentication everywhere, loopback only',
      `local   all          all                 ${auth}`,
      ...(tls ? [`hostssl all          all   127.0.0.1/32  ${auth}`] : []),
      `host    all          all   127.0.0.1/32  ${auth}`,
      ...(tls ? [`hostssl replication  all   127.0.0.1/32  ${auth}`] : []),
      `host    replication  all   127.0.0.1/32  ${auth}`,
      '',
    ].join('\n');
    writeFileSync(path.join(dataDir, 'pg_hba.conf'), hba, { mode: 0o600 });
    if (owner) chownSync(path.join(dataDir, 'pg_hba.conf'), owner.uid, owner.gid);

    phase = 'start';
    const deadline = Date.now() + startTimeoutMs;
    let port = 0;
    let session: PgClientSession | undefined;
    const spawnAt = (p: number) =>
      res.spawnServer(path.join(binDir, 'postgres'), ['-D', dataDir, '-p', String(p), '-k', dir, '-c', 'listen_addresses=127.0.0.1'], { cwd: dir, env, ...ids });
    for (let attempt = 0; !session; attempt++) {
      port = await findFreePort();
      const server = spawnAt(port);
      session = await waitForPostgres(port, password, deadline, () => (server.hasExited() ? server.exitDescription() : undefined));
      if (!session) {
        // exited early: retry only when another process grabbed the port
        if (attempt < 3 && /could not bind|address already in use/i.test(server.log.toString())) continue;
        throw new Error(`PostgreSQL ${server.exitDescription()} during startup`);
      }
    }

    phase = 'bootstrap';
    try {
      await session.query(`CREATE DATABASE ${PG_DB}`);
      if (auth === 'md5') {
        const hash = 'md5' + createHash('md5').update(password + PG_USER).digest('hex');
        await session.query(`ALTER ROLE ${PG_USER} PASSWORD '${hash}'`);
      }
    } finally {
      session.close();
    }
    const check = await pgConnect({ host: '127.0.0.1', port, user: PG_USER, password, database: PG_DB, timeoutMs: 10_000 });
    let version: string;
    try {
      version = (await check.query('SELECT version()'))[0]?.[0] ?? '';
    } finally {
      check.close();
    }

    const endpoint: Endpoint = {
      kind: 'postgres',
      dsn: `postgres://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${PG_DB}`,
      host: '127.0.0.1',
      port,
      user: PG_USER,
      password,
      database: PG_DB,
      tls,
      caCertPath,
      version,
      pid: res.server!.pid,
      dataDir,
      tempDir: dir,
      socketPath: path.join(dir, `.s.PGSQL.${port}`),
      // res.server is replaced by restart(): always read the current one.
      logs: () => res.server!.log.toString(),
      alive: () => !res.server!.hasExited(),
      waitForExit: (ms) => settlesWithin(res.server!.exited, ms),
      stop: () => res.release(),
      crash: () => res.crash(),
      restart: async () => {
        res.assertRestartable();
        const server = spawnAt(endpoint.port);
        endpoint.pid = server.pid;
        const s = await waitForPostgres(endpoint.port, password, Date.now() + startTimeoutMs, () => (server.hasExited() ? server.exitDescription() : undefined)).catch(
          (err: unknown) => {
            throw new Error(`could not restart PostgreSQL: ${errorMessage(err)}\n--- postgres log (tail) ---\n${tail(server.log.toString())}`, { cause: err });
          },
        );
        if (!s) throw new Error(`could not restart PostgreSQL: it ${server.exitDescription()}\n--- postgres log (tail) ---\n${tail(server.log.toString())}`);
        s.close();
      },
    };
    res.endpoint = endpoint;
    return endpoint;
  } catch (err) {
    const log = res.server ? res.server.log.toString() : initdbOutput;
    await res.release(2000).catch(() => undefined);
    const detail = log.trim() ? `\n--- postgres log (tail) ---\n${tail(log)}` : '';
    throw new Error(`could not start PostgreSQL (${phase}): ${errorMessage(err)}${detail}`, { cause: err });
  }
}

const RETRYABLE = new Set(['57P03', '08006', '08001', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** Polls until a real authenticated session opens; undefined when the server died first. */
async function waitForPostgres(
  port: number,
  password: string,
  deadline: number,
  exited: () => string | undefined,
): Promise<PgClientSession | undefined> {
  let last = 'no attempt yet';
  for (;;) {
    if (exited()) return undefined;
    try {
      const remaining = Math.max(500, Math.min(5000, deadline - Date.now()));
      const session = await pgConnect({ host: '127.0.0.1', port, user: PG_USER, password, database: 'postgres', timeoutMs: remaining });
      await session.query('SELECT 1');
      return session;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      last = `${code ? code + ' ' : ''}${errorMessage(err)}`;
      if (isServerError(err) && !RETRYABLE.has(code)) throw new Error(`connection check failed: ${last}`);
    }
    if (Date.now() >= deadline) throw new Error(`not ready within the start timeout (last attempt: ${last})`);
    await sleep(100);
  }
}
