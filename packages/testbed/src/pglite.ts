import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { settlesWithin, sleep, tail } from './_internal/proc.js';
import { errorMessage, randomPassword } from './_internal/util.js';
import { OPTIONAL_PEERS, requirePeers } from './_internal/optional.js';
import { Resource, type Endpoint } from './endpoint.js';

/** Options of {@link startPglite}. */
export interface StartPgliteOptions {
  /** PGlite extensions to make available (`CREATE EXTENSION vector` still has to be run). */
  extensions?: Array<'vector'>;
  /** How long to wait for the child to report its port (default 30 000 ms). */
  startTimeoutMs?: number;
  /**
   * Concurrent socket connections the child accepts (default 1). All of them share
   * PGlite's single backend session, so settings and transactions leak between them.
   */
  maxConnections?: number;
  /**
   * Told how a slow start is going: once the start has taken `progressAfterMs`, each new phase the
   * child reports (loading, compiling WebAssembly, opening the socket) and a line every 10 s.
   */
  onProgress?: (message: string) => void;
  /** When a start counts as slow enough to report progress (default 5000 ms). */
  progressAfterMs?: number;
  /** The password in the DSN (PGlite accepts any); random when omitted. A restart can keep the DSN's secret the same. */
  password?: string;
}

/**
 * Path of the built child script `dist/pglite-child.js`. Works from `dist/` (published
 * package) and from `src/` (tests run by vitest), provided the package was built
 * first. Override with env HC_TESTBED_PGLITE_CHILD.
 */
export function resolvePgliteChild(): string {
  const override = process.env.HC_TESTBED_PGLITE_CHILD;
  if (override) {
    if (!existsSync(override)) throw new Error(`HC_TESTBED_PGLITE_CHILD=${override} does not exist`);
    return override;
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'pglite-child.js'),
    path.join(here, '..', 'dist', 'pglite-child.js'),
    path.join(here, '..', '..', 'dist', 'pglite-child.js'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(
      'dist/pglite-child.js not found: build the package first (npm run build -w @helios-conformance/testbed)',
    );
  }
  return found;
}

/**
 * Starts an in-memory PGlite in a child Node process, served over the PostgreSQL wire
 * protocol on 127.0.0.1 at a free port. Any user/password is accepted; the DSN is
 * `postgres://postgres:RANDOM@127.0.0.1:PORT/postgres` (a random password, so a report that
 * redacts it never masks the word "postgres"), no TLS. PGlite is a single
 * backend session behind the socket; some protocol paths (e.g. `COPY ... FROM STDIN`)
 * can crash the child — `alive()` turns false and `stop()` still cleans up.
 */
export async function startPglite(opts: StartPgliteOptions = {}): Promise<Endpoint> {
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  requirePeers('startPglite', { ...OPTIONAL_PEERS.pglite, ...(opts.extensions?.includes('vector') ? OPTIONAL_PEERS.pgvector : {}) });
  const script = resolvePgliteChild();
  const args = [script, '--exit-on-stdin-end', '--port', '0'];
  if (opts.extensions?.length) args.push('--extensions', opts.extensions.join(','));
  if (opts.maxConnections) args.push('--max-connections', String(opts.maxConnections));

  const res = new Resource('pglite');
  res.stopSignal = 'SIGTERM';
  try {
    const server = res.spawnServer(process.execPath, args, { stdinPipe: true, env: process.env });
    const t0 = Date.now();
    const deadline = t0 + startTimeoutMs;
    const progressAfterMs = opts.progressAfterMs ?? 5000;
    let phase = 'spawning the child';
    let reported: { phase: string; at: number } | undefined;
    let hello: { port: number; version: string } | undefined;
    while (!hello) {
      const log = server.log.toString();
      const match = /^(\{"port":.*\})$/m.exec(log);
      if (match) {
        hello = JSON.parse(match[1]!) as { port: number; version: string };
        break;
      }
      const phases = [...log.matchAll(/^\{"progress":(".*")\}$/gm)];
      if (phases.length) phase = JSON.parse(phases[phases.length - 1]![1]!) as string;
      if (server.hasExited()) throw new Error(`PGlite child ${server.exitDescription()} during startup (${phase})`);
      const now = Date.now();
      if (now >= deadline) throw new Error(`PGlite child did not report a port within ${startTimeoutMs} ms (still ${phase})`);
      // A slow machine is told what is going on instead of staring at a silent start.
      if (opts.onProgress && now - t0 >= progressAfterMs && (!reported || reported.phase !== phase || now - reported.at >= 10_000)) {
        opts.onProgress(`PGlite still starting after ${Math.round((now - t0) / 1000)} s: ${phase} (gives up after ${Math.round(startTimeoutMs / 1000)} s)`);
        reported = { phase, at: now };
      }
      await sleep(50);
    }
    const password = opts.password ?? randomPassword();
    const endpoint: Endpoint = {
      kind: 'pglite',
      dsn: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${hello.port}/postgres`,
      host: '127.0.0.1',
      port: hello.port,
      user: 'postgres',
      password,
      database: 'postgres',
      tls: false,
      version: hello.version,
      pid: server.pid,
      logs: () => server.log.toString(),
      alive: () => !server.hasExited(),
      waitForExit: (ms) => settlesWithin(server.exited, ms),
      stop: () => res.release(),
    };
    res.endpoint = endpoint;
    return endpoint;
  } catch (err) {
    const log = res.server?.log.toString() ?? '';
    await res.release(2000).catch(() => undefined);
    const detail = log.trim() ? `\n--- pglite child log (tail) ---\n${tail(log)}` : '';
    throw new Error(`could not start PGlite: ${errorMessage(err)}${detail}`, { cause: err });
  }
}
