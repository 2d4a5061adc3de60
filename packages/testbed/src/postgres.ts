import { createHash, X509Certificate } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants as fsConstants, appendFileSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { DEFAULT_SUBJECT_ALT_NAMES, generateTlsMaterial, parseSubjectAltNames } from './_internal/certs.js';
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
  /**
   * The server certificate's subject alternative names, `DNS:name` or `IP:address` (e.g.
   * `['IP:127.0.0.1']`, `['DNS:localhost']`, `['IP:::1']`); default DNS:localhost and IP:127.0.0.1.
   * A certificate with chosen names gets a subject CN that is no host name, so only these names verify.
   */
  tlsSubjectAltNames?: string[];
  /** Also listen on the IPv6 loopback `::1` (with pg_hba lines for ::1/128); default false: 127.0.0.1 only. */
  ipv6?: boolean;
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
 * random password, database `hc`, listening on 127.0.0.1 (and ::1 with `ipv6`) at a free port, password
 * authentication everywhere (no `trust`), TLS by default. As root, the cluster is
 * owned by and run as the `postgres` user. Resolves once a real connection
 * succeeds; on failure, cleans up and throws with the tail of the server log.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<Endpoint> {
  const tls = opts.tls ?? true;
  const auth = opts.authMethod ?? 'scram-sha-256';
  if (auth !== 'scram-sha-256' && auth !== 'md5') throw new Error(`unsupported authMethod ${String(auth)}`);
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  if (opts.tlsSubjectAltNames) {
    if (!tls) throw new Error('tlsSubjectAltNames needs tls');
    parseSubjectAltNames(opts.tlsSubjectAltNames);
  }
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
    const sans = opts.tlsSubjectAltNames ?? DEFAULT_SUBJECT_ALT_NAMES;
    if (tls) {
      caCertPath = path.join(dir, 'ca.pem');
      await writeTlsFiles(dir, dataDir, owner, sans);
      conf.push('ssl = on', "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'");
    }
    for (const [name, value] of Object.entries(opts.extraConf ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new Error(`invalid configuration parameter name ${JSON.stringify(name)}`);
      conf.push(`${name} = ${quoteConf(value)}`);
    }
    appendFileSync(path.join(dataDir, 'postgresql.conf'), conf.join('\n') + '\n');
    const nets = opts.ipv6 ? ['127.0.0.1/32', '::1/128'] : ['127.0.0.1/32'];
    const hba = [
      '# helios-testbed: password authentication everywhere, loopback only',
      `local   all          all                 ${auth}`,
      ...nets.flatMap((net) => [
        ...(tls ? [`hostssl all          all   ${net.padEnd(13)} ${auth}`] : []),
        `host    all          all   ${net.padEnd(13)} ${auth}`,
        ...(tls ? [`hostssl replication  all   ${net.padEnd(13)} ${auth}`] : []),
        `host    replication  all   ${net.padEnd(13)} ${auth}`,
      ]),
      '',
    ].join('\n');
    writeFileSync(path.join(dataDir, 'pg_hba.conf'), hba, { mode: 0o600 });
    if (owner) chownSync(path.join(dataDir, 'pg_hba.conf'), owner.uid, owner.gid);

    phase = 'start';
    const deadline = Date.now() + startTimeoutMs;
    let port = 0;
    let session: PgClientSession | undefined;
    const spawnAt = (p: number) =>
      res.spawnServer(path.join(binDir, 'postgres'), ['-D', dataDir, '-p', String(p), '-k', dir, '-c', `listen_addresses=${opts.ipv6 ? '127.0.0.1,::1' : '127.0.0.1'}`], { cwd: dir, env, ...ids });
    for (let attempt = 0; !session; attempt++) {
      port = await findFreePort({ ipv6: opts.ipv6 });
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
      ...(tls
        ? {
            replaceCertificate: async (o: { subjectAltNames?: string[] } = {}) => {
              const material = await writeTlsFiles(dir, dataDir, owner, o.subjectAltNames ?? sans);
              const admin = await pgConnect({ host: '127.0.0.1', port, user: PG_USER, password, database: PG_DB, timeoutMs: 10_000 });
              try {
                await admin.query('SELECT pg_reload_conf()');
              } finally {
                admin.close();
              }
              // pg_reload_conf() only signals the postmaster: done once a handshake shows the new certificate.
              await waitForCertificate(port, new X509Certificate(material.serverCertPem).fingerprint256, Date.now() + 10_000, () => res.server!.log.toString());
            },
          }
        : {}),
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

/** Writes a fresh CA (`dir/ca.pem`) and a server certificate and key it signed (in the data directory). */
async function writeTlsFiles(dir: string, dataDir: string, owner: { uid: number; gid: number } | undefined, sans: readonly string[]) {
  const material = await generateTlsMaterial('ecdsa', 'helios-testbed postgres', sans);
  writeFileSync(path.join(dir, 'ca.pem'), material.caCertPem, { mode: 0o644 });
  const crt = path.join(dataDir, 'server.crt');
  const key = path.join(dataDir, 'server.key');
  writeFileSync(crt, material.serverCertPem, { mode: 0o644 });
  writeFileSync(key, material.serverKeyPem, { mode: 0o600 });
  if (owner) {
    chownSync(crt, owner.uid, owner.gid);
    chownSync(key, owner.uid, owner.gid);
  }
  return material;
}

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** SHA-256 fingerprint of the certificate a new TLS session on 127.0.0.1:port is served (undefined on any failure). */
function servedFingerprint(port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    const done = (fp: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(fp);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.once('connect', () => socket.write(SSL_REQUEST));
    socket.once('data', (b) => {
      if (b.length !== 1 || b[0] !== 0x53) return done(undefined);
      // Only which certificate is served matters here, not whether it verifies.
      const t = tlsConnect({ socket, rejectUnauthorized: false });
      t.on('error', () => done(undefined));
      t.once('secureConnect', () => {
        const fp = t.getPeerCertificate().fingerprint256;
        t.destroy();
        done(fp);
      });
    });
  });
}

/** Polls until new TLS sessions are served the certificate with this fingerprint. */
async function waitForCertificate(port: number, fingerprint: string, deadline: number, logs: () => string): Promise<void> {
  for (;;) {
    if ((await servedFingerprint(port, 2000)) === fingerprint) return;
    if (Date.now() >= deadline) throw new Error(`PostgreSQL did not serve the new certificate within 10 s of a reload\n--- postgres log (tail) ---\n${tail(logs())}`);
    await sleep(50);
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
