// Measures the suite's wall time against a local MariaDB (testbed, TLS verified): starts the
// server, runs the built CLI exactly as a user would, prints the command and the wall time.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startMariadb, stopAll } from '@helios-conformance/testbed';

const root = fileURLToPath(new URL('..', import.meta.url));
const ep = await startMariadb({ tls: true, extraArgs: ['--plugin-load-add=auth_ed25519'] });
try {
  const dsn = `${ep.dsn}?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(ep.caCertPath ?? '')}`;
  const args = ['dist/cli.js', '--dsn', dsn, '--expectations', 'expectations/mariadb-10.11.json', '--json', '.bench/mariadb.json', ...process.argv.slice(2)];
  const shown = ['node', ...args].map((a) => (a.includes(ep.password) ? a.replace(ep.password, '***') : a)).join(' ');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const ms = Math.round(performance.now() - t0);
  console.log(`command: ${shown}`);
  console.log(`server: ${ep.version} (testbed, TLS on)`);
  console.log(`exit ${r.status}; wall time ${ms} ms (${(ms / 1000).toFixed(1)} s) for the full suite including process start`);
  process.exitCode = r.status ?? 1;
} finally {
  await stopAll();
}
