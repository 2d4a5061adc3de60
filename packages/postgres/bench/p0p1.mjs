#!/usr/bin/env node
// Benchmark: wall time of the P0+P1 cases against PostgreSQL 15 (testbed, TLS verify-full),
// run through the built CLI three times. Goal: median under 10 s.
// Reproduce: npm run build -w @helios-conformance/postgres && npm run bench -w @helios-conformance/postgres
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startPostgres, stopAll } from '@helios-conformance/testbed';

const RUNS = 3;
const GOAL_MS = 10_000;
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs node with `args`, collecting its output, without blocking the event loop. */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: packageDir, env: { ...process.env, CI: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let exitCode = 0;
try {
  const ep = await startPostgres({ tls: true });
  const dsn = `${ep.dsn}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ep.caCertPath ?? '')}`;
  const args = [cli, '--dsn', dsn, '--priority', 'p0,p1'];
  const shown = [process.execPath, ...args].map((a) => a.replaceAll(encodeURIComponent(ep.password), '***')).map((a) => (/[\s&?*]/.test(a) ? `'${a}'` : a));
  console.log(`server: ${ep.version}`);
  console.log(`command (password redacted; cwd ${packageDir}): ${shown.join(' ')}`);
  const times = [];
  for (let i = 1; i <= RUNS; i++) {
    const t0 = performance.now();
    // Async, not spawnSync: the testbed server's log pipe is read by this process's event loop,
    // and a blocked loop would let the pipe fill and stall the server.
    const r = await run(args);
    const ms = performance.now() - t0;
    times.push(ms);
    const summary = (r.stdout ?? '').trim().split('\n').filter((l) => /pass|fail|conformant/i.test(l)).at(-1) ?? '';
    console.log(`run ${i}: ${(ms / 1000).toFixed(2)} s  (exit ${r.status})  ${summary}`);
    if (r.status !== 0) {
      exitCode = 1;
      console.log((r.stdout ?? '') + (r.stderr ?? ''));
    }
  }
  const median = [...times].sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? NaN;
  console.log(`median: ${(median / 1000).toFixed(2)} s  goal: < ${GOAL_MS / 1000} s  ${median < GOAL_MS ? 'met' : 'NOT met'}`);
  console.log('reproduce: npm run build -w @helios-conformance/postgres && npm run bench -w @helios-conformance/postgres');
} catch (e) {
  console.error(`bench could not run: ${e instanceof Error ? e.message : String(e)}`);
  exitCode = 2;
} finally {
  await stopAll();
}
process.exit(exitCode);
