// Starts the real servers a package's tests declare (package.json → heliosConformance.test.servers)
// once per `vitest run`, and one scratch directory the test files may share expensive runs through.
// Per-run namespaces (hc_<run id>) keep test files apart on a shared server.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** @param {import('vitest/node').TestProject} project */
export default async function setup(project) {
  const pkg = JSON.parse(readFileSync(path.join(project.config.root, 'package.json'), 'utf8'));
  const specs = pkg.heliosConformance?.test?.servers ?? {};
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'hc-test-cache-'));
  project.provide('runCacheDir', cacheDir);
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
          const start = { postgres: testbed.startPostgres, mariadb: testbed.startMariadb, pglite: testbed.startPglite }[kind];
          if (!start) throw new Error(`heliosConformance.test.servers.${name}: unknown kind ${JSON.stringify(kind)} (postgres, mariadb, pglite)`);
          const e = await start(options);
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
  project.provide('servers', started);
  return async () => {
    await testbed?.stopAll();
    rmSync(cacheDir, { recursive: true, force: true });
  };
}
