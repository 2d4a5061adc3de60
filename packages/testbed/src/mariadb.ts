import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SUBJECT_ALT_NAMES, generateTlsMaterial, parseSubjectAltNames } from './_internal/certs.js';
import { cleanEnv, findExecutable, LOG_LIMIT, runCommand, settlesWithin, sleep, tail } from './_internal/proc.js';
import { errorMessage, isRoot, randomPassword } from './_internal/util.js';
import { Resource, type Endpoint } from './endpoint.js';
import { findFreePort } from './ports.js';

/** Options of {@link startMariadb}. */
export interface StartMariadbOptions {
  /** How long to wait for the server to answer a query (default 30 000 ms). */
  startTimeoutMs?: number;
  /** When `mariadbd` is missing and we are root, install Debian's `mariadb-server` with apt-get (default true). */
  install?: boolean;
  /** Serve TLS with a freshly generated CA + server certificate (default true). Plain TCP stays allowed. */
  tls?: boolean;
  /** Extra `mariadbd` command-line options, e.g. `['--log-bin=binlog', '--server-id=1']`. */
  extraArgs?: string[];
  /**
   * The server certificate's subject alternative names, `DNS:name` or `IP:address` (e.g.
   * `['IP:127.0.0.1']`, `['DNS:localhost']`, `['IP:::1']`); default DNS:localhost and IP:127.0.0.1.
   * A certificate with chosen names gets a subject CN that is no host name, so only these names verify.
   */
  tlsSubjectAltNames?: string[];
  /** Also listen on the IPv6 loopback `::1` (with user `'hc'@'::1'`); default false: 127.0.0.1 only. */
  ipv6?: boolean;
}

const SBIN_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
const MY_USER = 'hc';
const MY_DB = 'hc';
const NOT_INSTALLED = 'MariaDB is not installed: run `apt-get install mariadb-server`';

let installing: Promise<void> | undefined;

function findMariadbd(): string | undefined {
  return findExecutable('mariadbd', SBIN_DIRS);
}

function aptListsPresent(): boolean {
  try {
    return readdirSync('/var/lib/apt/lists').some((f) => f.includes('_Packages'));
  } catch {
    return false;
  }
}

async function aptInstallMariadb(): Promise<void> {
  const apt = findExecutable('apt-get', SBIN_DIRS);
  if (!apt) throw new Error(NOT_INSTALLED);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = () => runCommand(apt, ['update'], { env, timeoutMs: 300_000 });
  const install = () => runCommand(apt, ['install', '-y', 'mariadb-server'], { env, timeoutMs: 600_000 });
  let updated = false;
  if (!aptListsPresent()) {
    await update();
    updated = true;
  }
  let r = await install();
  if (r.code !== 0 && !updated) {
    await update();
    r = await install();
  }
  if (r.code !== 0) throw new Error(`apt-get install mariadb-server failed:\n${tail(r.output)}`);
}

/** Finds `mariadbd`, installing Debian's package once per process when allowed. */
async function ensureMariadb(install: boolean): Promise<string> {
  const found = findMariadbd();
  if (found) return found;
  if (!install || !isRoot()) throw new Error(NOT_INSTALLED);
  installing ??= aptInstallMariadb();
  try {
    await installing;
  } catch (err) {
    installing = undefined;
    throw err;
  }
  const bin = findMariadbd();
  if (!bin) throw new Error(NOT_INSTALLED);
  return bin;
}

function readTail(file: string, max = LOG_LIMIT): string {
  try {
    const size = statSync(file).size;
    const start = Math.max(0, size - max);
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Starts a throwaway MariaDB server from the machine's `mariadbd` (Debian's
 * `mariadb-server`; installed with apt-get when missing, we are root and
 * `install !== false`): a fresh datadir in `os.tmpdir()/hc-testbed-mariadb-*`,
 * user `hc` (`'hc'@'127.0.0.1'` and `'hc'@'localhost'`, ALL PRIVILEGES WITH GRANT
 * OPTION) with a random password, database `hc`, listening on 127.0.0.1 (and ::1 with
 * `ipv6`) at a free port, TLS by default. Root can only log in over the Unix socket.
 */
export async function startMariadb(opts: StartMariadbOptions = {}): Promise<Endpoint> {
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const tls = opts.tls ?? true;
  if (opts.tlsSubjectAltNames) {
    if (!tls) throw new Error('tlsSubjectAltNames needs tls');
    parseSubjectAltNames(opts.tlsSubjectAltNames);
  }
  const sans = opts.tlsSubjectAltNames ?? DEFAULT_SUBJECT_ALT_NAMES;
  const mariadbd = await ensureMariadb(opts.install !== false);
  const installDb = findExecutable('mariadb-install-db', SBIN_DIRS) ?? findExecutable('mysql_install_db', SBIN_DIRS);
  const client = findExecutable('mariadb', SBIN_DIRS) ?? findExecutable('mysql', SBIN_DIRS);
  if (!installDb || !client) throw new Error('MariaDB is incompletely installed (mariadb-install-db or the mariadb client is missing): run `apt-get install mariadb-server`');

  const res = new Resource('mariadb');
  res.stopSignal = 'SIGTERM';
  const env = cleanEnv();
  const asRoot = isRoot() ? ['--user=root'] : [];
  const tuning = ['--skip-name-resolve', '--innodb-buffer-pool-size=64M', '--innodb-log-file-size=16M'];
  let phase = 'mariadb-install-db';
  let installOutput = '';
  let errorLog = '';
  let errorLogSnapshot = '';
  try {
    const dir = res.makeTempDir();
    chmodSync(dir, 0o755); // the CA certificate in it must be world-readable
    const dataDir = path.join(dir, 'data');
    // A starting mariadbd deletes every #sql* file in its tmpdir: with the shared /tmp, one
    // instance starting wiped another's bootstrap temporary tables (mariadb-install-db then failed
    // with "Unknown table 'mysql.tmp_user_sys'"). Each instance gets its own.
    const ownTmp = path.join(dir, 'tmp');
    mkdirSync(ownTmp);
    tuning.push(`--tmpdir=${ownTmp}`);
    const socketPath = path.join(dir, 'mysqld.sock');
    errorLog = path.join(dir, 'error.log');
    res.beforeRemove = () => {
      errorLogSnapshot = readTail(errorLog);
    };

    const inst = await runCommand(
      installDb,
      ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot, ...tuning],
      { cwd: dir, env, timeoutMs: 120_000 },
    );
    installOutput = inst.output;
    if (inst.code !== 0) throw new Error(`mariadb-install-db exited with code ${inst.code}`);

    phase = 'configuration';
    const sslArgs: string[] = [];
    let caCertPath: string | undefined;
    const cert = path.join(dir, 'server-cert.pem');
    const key = path.join(dir, 'server-key.pem');
    const writeTlsFiles = async (names: readonly string[]): Promise<void> => {
      const material = await generateTlsMaterial('ecdsa', 'helios-testbed mariadb', names);
      writeFileSync(path.join(dir, 'ca.pem'), material.caCertPem, { mode: 0o644 });
      writeFileSync(cert, material.serverCertPem, { mode: 0o644 });
      writeFileSync(key, material.serverKeyPem, { mode: 0o600 });
    };
    if (tls) {
      caCertPath = path.join(dir, 'ca.pem');
      await writeTlsFiles(sans);
      sslArgs.push(`--ssl-ca=${caCertPath}`, `--ssl-cert=${cert}`, `--ssl-key=${key}`);
    }

    phase = 'start';
    const deadline = Date.now() + startTimeoutMs;
    let port = 0;
    let version: string | undefined;
    const rootQuery = (sql: string, timeoutMs = 10_000) =>
      runCommand(client, ['--no-defaults', '--protocol=SOCKET', `--socket=${socketPath}`, '-uroot', '-N', '-B'], {
        cwd: dir,
        env,
        input: sql,
        timeoutMs,
      });
    const spawnAt = (p: number) =>
      res.spawnServer(
        mariadbd,
        [
          '--no-defaults',
          `--datadir=${dataDir}`,
          `--port=${p}`,
          `--bind-address=${opts.ipv6 ? '127.0.0.1,::1' : '127.0.0.1'}`,
          `--socket=${socketPath}`,
          `--pid-file=${path.join(dir, 'mariadbd.pid')}`,
          `--log-error=${errorLog}`,
          ...asRoot,
          ...tuning,
          ...sslArgs,
          ...(opts.extraArgs ?? []),
        ],
        { cwd: dir, env },
      );
    // Resolves with the version once root can query over the socket; undefined when the server exited.
    const waitReady = async (server: { hasExited(): boolean }, until: number): Promise<string | undefined> => {
      let last = 'no attempt yet';
      while (!server.hasExited()) {
        if (existsSync(socketPath)) {
          const r = await rootQuery('SELECT VERSION();', 5000);
          if (r.code === 0) return r.output.trim().split('\n')[0] ?? '';
          last = r.output.trim();
        }
        if (Date.now() >= until) throw new Error(`not ready within ${startTimeoutMs} ms (last attempt: ${last || 'socket not created'})`);
        await sleep(100);
      }
      return undefined;
    };
    for (let attempt = 0; version === undefined; attempt++) {
      port = await findFreePort({ ipv6: opts.ipv6 });
      const server = spawnAt(port);
      version = await waitReady(server, deadline);
      if (version === undefined) {
        const log = readTail(errorLog) + server.log.toString();
        if (attempt < 3 && /address already in use|bind on tcp\/ip port/i.test(log)) continue;
        throw new Error(`mariadbd ${server.exitDescription()} during startup`);
      }
    }

    phase = 'bootstrap';
    const password = randomPassword();
    const pw = sqlString(password);
    // With --skip-name-resolve a client on ::1 is neither 127.0.0.1 nor localhost: it needs its own account.
    const userHosts = ['127.0.0.1', 'localhost', ...(opts.ipv6 ? ['::1'] : [])];
    const boot = await rootQuery(
      [
        `CREATE DATABASE ${MY_DB};`,
        ...userHosts.map((h) => `CREATE USER '${MY_USER}'@'${h}' IDENTIFIED BY ${pw};`),
        ...userHosts.map((h) => `GRANT ALL PRIVILEGES ON *.* TO '${MY_USER}'@'${h}' WITH GRANT OPTION;`),
        // no password-less root over TCP: root keeps only 'root'@'localhost' (Unix socket)
        "DELETE FROM mysql.global_priv WHERE (User = 'root' AND Host <> 'localhost') OR User = '';",
        'FLUSH PRIVILEGES;',
      ].join('\n'),
    );
    if (boot.code !== 0) throw new Error(`bootstrap SQL failed: ${boot.output.trim()}`);

    const server = res.server!;
    const endpoint: Endpoint = {
      kind: 'mariadb',
      dsn: `mysql://${MY_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${MY_DB}`,
      host: '127.0.0.1',
      port,
      user: MY_USER,
      password,
      database: MY_DB,
      tls,
      caCertPath,
      version: version ?? '',
      pid: server.pid,
      dataDir,
      tempDir: dir,
      socketPath,
      logs: () => {
        const file = existsSync(errorLog) ? readTail(errorLog) : errorLogSnapshot;
        return tail(res.server!.log.toString() + file, LOG_LIMIT);
      },
      alive: () => !res.server!.hasExited(),
      waitForExit: (ms) => settlesWithin(res.server!.exited, ms),
      stop: () => res.release(),
      crash: () => res.crash(),
      ...(tls
        ? {
            replaceCertificate: async (o: { subjectAltNames?: string[] } = {}) => {
              await writeTlsFiles(o.subjectAltNames ?? sans);
              // FLUSH SSL re-reads --ssl-ca/--ssl-cert/--ssl-key before it returns: new connections get the new certificate.
              const r = await rootQuery('FLUSH SSL;');
              if (r.code !== 0) throw new Error(`FLUSH SSL failed: ${r.output.trim()}`);
            },
          }
        : {}),
      restart: async () => {
        res.assertRestartable();
        const again = spawnAt(endpoint.port);
        endpoint.pid = again.pid;
        let ready: string | undefined;
        try {
          ready = await waitReady(again, Date.now() + startTimeoutMs);
        } catch (err) {
          throw new Error(`could not restart MariaDB: ${errorMessage(err)}\n--- mariadb log (tail) ---\n${tail(readTail(errorLog))}`, { cause: err });
        }
        if (ready === undefined) throw new Error(`could not restart MariaDB: mariadbd ${again.exitDescription()}\n--- mariadb log (tail) ---\n${tail(readTail(errorLog))}`);
      },
    };
    res.endpoint = endpoint;
    return endpoint;
  } catch (err) {
    const log = (res.server?.log.toString() ?? '') + (errorLog ? readTail(errorLog) : '') || installOutput;
    await res.release(2000).catch(() => undefined);
    const detail = log.trim() ? `\n--- mariadb log (tail) ---\n${tail(log)}` : '';
    throw new Error(`could not start MariaDB (${phase}): ${errorMessage(err)}${detail}`, { cause: err });
  }
}
