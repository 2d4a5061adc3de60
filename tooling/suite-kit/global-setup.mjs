// Starts the real servers a package's tests declare (package.json → heliosConformance.test.servers)
// once per `vitest run`, and one scratch directory the test files may share expensive runs through.
// Per-run namespaces (hc_<run id>) keep test files apart on a shared server.
//
// Every project of the shared config (servers, serial) lists this file; vitest calls it once per
// project in the same process. One start is shared through globalThis and stopped by the last
// teardown: starting the servers twice at once had made a loaded machine miss PGlite's start deadline.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const KEY = Symbol.for('helios-conformance.test-servers');

async function start(root) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const specs = pkg.heliosConformance?.test?.servers ?? {};
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'hc-test-cache-'));
  const names = Object.keys(specs);
  let testbed;
  const started = {};
  if (names.length) {
    testbed = await import('@helios-conformance/testbed');
    const t0 = Date.now();
    try {
      await Promise.all(
        names.map(async (name) => {
          const { kind = name, ...options } = specs[name];
          const startKind = { postgres: testbed.startPostgres, mariadb: testbed.startMariadb, pglite: testbed.startPglite }[kind];
          if (!startKind) throw new Error(`heliosConformance.test.servers.${name}: unknown kind ${JSON.stringify(kind)} (postgres, mariadb, pglite)`);
          const e = await startKind(options);
          started[name] = { kind: e.kind, dsn: e.dsn, host: e.host, port: e.port, user: e.user, password: e.password, database: e.database, tls: e.tls, caCertPath: e.caCertPath, dataDir: e.dataDir, version: e.version, pid: e.pid };
        }),
      );
    } catch (e) {
      await testbed.stopAll();
      rmSync(cacheDir, { recursive: true, force: true });
      throw e;
    }
    console.log(`test servers: ${names.map((n) => `${n} (${started[n].version.split(/ on |,/)[0]})`).join(', ')} in ${Date.now() - t0} ms`);
  }
  return {
    cacheDir,
    started,
    stop: async () => {
      await testbed?.stopAll();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** @param {import('vitest/node').TestProject} project */
export default async function setup(project) {
  const shared = (globalThis[KEY] ??= { users: 0, ready: start(project.config.root) });
  shared.users += 1;
  let servers;
  try {
    servers = await shared.ready;
  } catch (e) {
    shared.users -= 1;
    if (shared.users === 0) delete globalThis[KEY];
    throw e;
  }
  project.provide('runCacheDir', servers.cacheDir);
  project.provide('servers', servers.started);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete globalThis[KEY];
    await servers.stop();
  };
}
