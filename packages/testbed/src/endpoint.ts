import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { groupAlive, LogBuffer, settlesWithin, signalGroup, signalProcess, waitUntilFalse } from './_internal/proc.js';
import { Registration, retireReaper } from './_internal/reaper-client.js';

/** Which kind of server an {@link Endpoint} runs. */
export type EndpointKind = 'postgres' | 'pglite' | 'mariadb' | 'pgbouncer';

/**
 * A running, throwaway database server started by this process.
 *
 * Everything needed to connect is here; `stop()` (or {@link stopAll}, or process exit)
 * kills the server's process group and removes its temporary directory.
 */
export interface Endpoint {
  /** Which server this is. */
  kind: EndpointKind;
  /** Connection URL with credentials, e.g. `postgres://hc:PASSWORD@127.0.0.1:PORT/hc` or `mysql://hc:PASSWORD@127.0.0.1:PORT/hc`. */
  dsn: string;
  /** Always `127.0.0.1` (PostgreSQL and MariaDB started with `ipv6: true` listen on `::1` too). */
  host: string;
  /** TCP port the server listens on. */
  port: number;
  /** User to connect as (`hc` for PostgreSQL and MariaDB, `postgres` for PGlite). */
  user: string;
  /** Password of {@link Endpoint.user} (random per start; PGlite accepts any). */
  password: string;
  /** Database to connect to (`hc`, or `postgres` for PGlite). */
  database: string;
  /** True when the server accepts TLS; verify it against {@link Endpoint.caCertPath}. */
  tls: boolean;
  /**
   * PEM file of the CA that signed the server certificate (SANs: DNS:localhost, IP:127.0.0.1, unless
   * the server was started with `tlsSubjectAltNames`).
   */
  caCertPath?: string;
  /** Server version as the server reports it (`SELECT version()` / `SELECT VERSION()`). */
  version: string;
  /** PID of the server process (the PGlite child for `pglite`); it leads its own process group. */
  pid: number;
  /** The server's data directory (PGDATA / MariaDB datadir), inside {@link Endpoint.tempDir}. Absent for PGlite (in memory). */
  dataDir?: string;
  /** The `hc-testbed-*` temporary directory holding data, sockets, certificates and logs; removed by `stop()`. */
  tempDir?: string;
  /** Unix-domain socket path of the server, when it has one. */
  socketPath?: string;
  /** Captured server output so far (the last ~200 KB). */
  logs(): string;
  /** True until the server process has exited (for example after a crash or `stop()`). */
  alive(): boolean;
  /** Resolves true once the server process has exited, false if it still runs after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<boolean>;
  /** Stops the server (graceful signal, then SIGKILL to its process group after ~5 s) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Simulates a machine-level crash of the server: SIGKILL to its whole process group (no
   * shutdown, no checkpoint); resolves when every process of the group is gone. The data
   * directory is kept. PostgreSQL and MariaDB endpoints only.
   */
  crash?(): Promise<void>;
  /**
   * Starts the server again after {@link Endpoint.crash} on the same data directory, port and
   * credentials (crash recovery runs as it would after a power cut); resolves when it accepts
   * logins. {@link Endpoint.pid} then names the new server process. PostgreSQL and MariaDB only.
   */
  restart?(): Promise<void>;
  /**
   * Replaces the server certificate with one from a new throwaway CA (written over
   * {@link Endpoint.caCertPath}) for these subject alternative names (`DNS:name` / `IP:address`;
   * default: the ones the server started with), and resolves once new connections are served it
   * (PostgreSQL: a configuration reload; MariaDB: `FLUSH SSL`). Sessions already open keep the old
   * one. PostgreSQL and MariaDB endpoints with TLS only.
   */
  replaceCertificate?(o?: { subjectAltNames?: string[] }): Promise<void>;
}

/** A spawned server process whose output is captured. @internal */
export interface ManagedProcess {
  child: ChildProcess;
  pid: number;
  log: LogBuffer;
  exited: Promise<void>;
  hasExited(): boolean;
  exitDescription(): string;
}

const resources = new Set<Resource>();
let exitHandlerInstalled = false;

function ensureExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const r of [...resources]) r.releaseSync();
    void retireReaper(false);
  });
}

/** The last server of this process is gone: the watchdog has nothing left to guard. */
async function retireIfIdle(): Promise<void> {
  if (resources.size === 0) await retireReaper();
}

/** One server's OS footprint (temp dir, process group), tracked from creation until released. @internal */
export class Resource {
  tempDir: string | undefined;
  server: ManagedProcess | undefined;
  endpoint: Endpoint | undefined;
  /** Signal that asks the server to shut down cleanly (sent to the group leader only). */
  stopSignal: NodeJS.Signals = 'SIGTERM';
  /** Called just before the temp dir is removed (e.g. to snapshot a log file). */
  beforeRemove: (() => void) | undefined;
  /** Processes owned besides `server` (a cluster's nodes and router): stopped first by release(). */
  stopExtra: ((graceMs: number) => Promise<void>) | undefined;
  /** Synchronous last resort for the same processes, from releaseSync() (process exit). */
  killExtraSync: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  /** This server's entry with the reaper, which stops it and removes its temp dir if this process dies first. */
  private readonly registration: Registration;

  constructor(readonly kind: EndpointKind | 'pg-cluster' | 'galera-cluster') {
    ensureExitHandler();
    resources.add(this);
    this.registration = new Registration(kind, this.stopSignal);
  }

  /** Creates `os.tmpdir()/hc-testbed-<kind>-XXXXXX`. */
  makeTempDir(): string {
    this.tempDir = mkdtempSync(path.join(os.tmpdir(), `hc-testbed-${this.kind}-`));
    this.registration.update({ tempDir: this.tempDir });
    return this.tempDir;
  }

  /** Spawns the server detached (own process group) with output captured into a bounded log. */
  spawnServer(
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; stdinPipe?: boolean } = {},
  ): ManagedProcess {
    const log = new LogBuffer();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
      detached: true,
      stdio: [options.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let done = false;
    let description = 'running';
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        description = signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
      child.once('error', (err) => {
        log.append(`[helios-testbed] spawn ${command} failed: ${err.message}\n`);
        if (child.pid === undefined) {
          done = true;
          description = `could not be started (${err.message})`;
          resolve();
        }
      });
    });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => log.append(d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => log.append(d));
    child.stdin?.on('error', () => undefined);
    // The host program must not be kept alive by a forgotten server; the exit handler kills it.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket | null)?.unref?.();
    // Registered before anything else can happen: from here on the server cannot outlive us.
    if (child.pid !== undefined) this.registration.update({ pgid: child.pid, stopSignal: this.stopSignal });
    const server: ManagedProcess = {
      child,
      pid: child.pid ?? -1,
      log,
      exited,
      hasExited: () => done,
      exitDescription: () => description,
    };
    this.server = server;
    return server;
  }

  /** Stops the process group and removes the temp dir. Idempotent; safe when the process already died. */
  release(graceMs = 5000): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      if (this.stopExtra) await this.stopExtra(graceMs).catch(() => undefined);
      const s = this.server;
      if (s && s.pid > 0) {
        if (!s.hasExited()) {
          signalProcess(s.pid, this.stopSignal);
          await settlesWithin(s.exited, graceMs);
        }
        if (!s.hasExited()) {
          signalGroup(s.pid, 'SIGKILL');
          await settlesWithin(s.exited, 5000);
        }
        if (groupAlive(s.pid)) {
          signalGroup(s.pid, 'SIGKILL');
          await waitUntilFalse(() => groupAlive(s.pid), 5000);
        }
      }
      try {
        this.beforeRemove?.();
      } catch {
        // best effort
      }
      if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      this.registration.remove();
      resources.delete(this);
      await retireIfIdle();
    })();
    return this.stopping;
  }

  /** SIGKILLs the current server's process group and waits until all of it is gone. */
  async crash(): Promise<void> {
    const s = this.server;
    if (!s || s.pid <= 0) throw new Error(`${this.kind}: no server process to crash`);
    if (this.stopping) throw new Error(`${this.kind}: the endpoint was stopped`);
    signalGroup(s.pid, 'SIGKILL');
    await settlesWithin(s.exited, 10_000);
    if (!(await waitUntilFalse(() => groupAlive(s.pid), 10_000))) throw new Error(`${this.kind}: process group ${s.pid} still alive 10 s after SIGKILL`);
  }

  /** Throws unless the endpoint can be restarted: not stopped, and its server no longer running. */
  assertRestartable(): void {
    if (this.stopping) throw new Error(`${this.kind}: the endpoint was stopped; start a new one`);
    if (this.server && !this.server.hasExited()) throw new Error(`${this.kind}: the server is still running; crash() it first`);
  }

  /** Synchronous last-resort cleanup for `process.on('exit')`. */
  releaseSync(): void {
    try {
      this.killExtraSync?.();
    } catch {
      // nothing more we can do while exiting
    }
    const s = this.server;
    if (s && s.pid > 0) signalGroup(s.pid, 'SIGKILL');
    if (this.tempDir) {
      try {
        rmSync(this.tempDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
      } catch {
        // nothing more we can do while exiting
      }
    }
    this.registration.remove();
    resources.delete(this);
  }
}

/**
 * Stops every endpoint this process started (and any still starting), in parallel.
 * Resolves when all process groups are gone and all temp dirs are removed.
 */
export async function stopAll(): Promise<void> {
  await Promise.all([...resources].map((r) => r.release()));
}

/** Endpoints started by this process that have not been stopped yet (a snapshot array). */
export function liveEndpoints(): Endpoint[] {
  const out: Endpoint[] = [];
  for (const r of resources) if (r.endpoint) out.push(r.endpoint);
  return out;
}

let signalTeardown: (() => void) | undefined;

/**
 * Opt-in: on SIGINT / SIGTERM, stop every endpoint and exit with 130 / 143.
 * A second signal while stopping exits at once (the exit handler still SIGKILLs
 * the process groups and removes the temp dirs). Returns a function that removes
 * the handlers. Not installed by default because host programs own their signals;
 * the synchronous `process.on('exit')` cleanup is always installed.
 */
export function installSignalTeardown(): () => void {
  if (signalTeardown) return signalTeardown;
  let tearingDown = false;
  const make = (code: number) => () => {
    if (tearingDown) process.exit(code);
    tearingDown = true;
    void stopAll().finally(() => process.exit(code));
  };
  const onInt = make(130);
  const onTerm = make(143);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  ensureExitHandler();
  signalTeardown = () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    signalTeardown = undefined;
  };
  return signalTeardown;
}
