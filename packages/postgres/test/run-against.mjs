#!/usr/bin/env node
// Dev helper: start a testbed endpoint, run the built CLI against it, stop it.
// Usage: node packages/postgres/test/run-against.mjs pg15|pglite [CLI args…]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startPostgres, stopAll } from '@helios-conformance/testbed';

const [kind, ...args] = process.argv.slice(2);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
// Async, not spawnSync: testbed reads the server's log pipe on this event loop; blocking it
// would let the pipe fill and stall the server during a long run.
const runCli = (cliArgs) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...cliArgs], { stdio: 'inherit' });
    child.on('error', () => resolve(2));
    child.on('close', (status) => resolve(status ?? 2));
  });
let code = 2;
try {
  if (kind === 'pg15') {
    const ep = await startPostgres({ tls: true });
    const dsn = `${ep.dsn}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ep.caCertPath ?? '')}`;
    code = await runCli(['--dsn', dsn, ...args]);
  } else if (kind === 'pglite') {
    code = await runCli(args);
  } else {
    console.error('usage: run-against.mjs pg15|pglite [CLI args…]');
  }
} finally {
  await stopAll();
}
process.exit(code);
