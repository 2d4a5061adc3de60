#!/usr/bin/env node
// The generator against pgbench on the same throwaway PostgreSQL 15, in one run: select-only point
// queries on pgbench_accounts (`pgbench -S -M prepared -c 4 -j 2 -T 20`), then the generator with
// the same statement, the same 4 connections and the same 20 s. Goal: generator TPS ÷ pgbench
// TPS ≥ 1.0. pgbench waits for each answer before it sends the next query; the generator also runs
// that way (pipeline depth 1, the like-for-like figure) and then pipelined (depth --depth,
// default 16: several Bind/Execute/Sync in flight per connection), which is the figure the goal
// is judged on. Both are printed, with the command to reproduce.
// Usage: npm run build -w @helios-conformance/stress && npm run bench -w @helios-conformance/stress
//        [-- --seconds 20 --clients 4 --depth 16 --scale 1 --seed 1]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startPostgres, resolvePgBinDir } from '@helios-conformance/testbed';
import { pgLoadDriver, pointSelect, progressPrinter, runLoad } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    clients: { type: 'string', default: '4' },
    depth: { type: 'string', default: '16' },
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const depth = Number(values.depth);
const scale = Number(values.scale);
const seed = Number(values.seed);

/** Runs a command with a deadline; resolves with its output, rejects on a non-zero exit. */
function run(cmd, args, env, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}:\n${out}`));
    });
  });
}

const pg = await startPostgres({ tls: false });
let exitCode = 0;
try {
  const binDir = await resolvePgBinDir();
  const pgbench = `${binDir}/pgbench`;
  // The password travels in the environment only, never on a command line or in the output.
  const env = { PGHOST: pg.host, PGPORT: String(pg.port), PGUSER: pg.user, PGPASSWORD: pg.password, PGDATABASE: pg.database };
  console.log(`${pg.version} on 127.0.0.1:${pg.port} (testbed, server pid ${pg.pid})`);
  await run(pgbench, ['-i', '-q', '-s', String(scale)], env, 300_000);
  const rows = 100_000 * scale;

  const args = ['-S', '-M', 'prepared', '-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(seconds)];
  console.log(`pgbench ${args.join(' ')} …`);
  const out = await run(pgbench, args, env, (seconds + 60) * 1000);
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
  if (!Number.isFinite(tps)) throw new Error(`no tps in pgbench's output:\n${out}`);
  console.log(`pgbench: ${tps.toFixed(0)} TPS`);

  const driver = await pgLoadDriver(pg.dsn);
  const workload = pointSelect({ table: 'pgbench_accounts', key: 'aid', column: 'abalance', rows });
  const results = [];
  for (const d of depth > 1 ? [1, depth] : [1]) {
    console.log(`generator: closed loop, ${clients} connections, ${d} in flight each, ${seconds} s (first second is warm-up) …`);
    const progress = progressPrinter(process.stdout);
    const r = await runLoad({ driver, workload, connections: clients, mode: 'closed', inFlightPerConnection: d, durationMs: seconds * 1000, warmupMs: 1000, seed, onSecond: progress.onSecond });
    progress.done();
    const errors = r.completed - r.succeeded;
    console.log(`generator depth ${d}: ${r.throughput.toFixed(0)} TPS (${r.completed} in ${(r.measuredMs / 1000).toFixed(1)} s, ${errors} errors), p50 ${r.raw.p50} ms, p99 ${r.raw.p99} ms — ${(r.throughput / tps).toFixed(2)}× pgbench`);
    if (errors > 0) exitCode = 1;
    results.push({ depth: d, tps: r.throughput });
  }
  const best = results[results.length - 1];
  const ratio = best.tps / tps;
  console.log(`\nratio generator ÷ pgbench: ${ratio.toFixed(2)} (depth ${best.depth}; without pipelining ${(results[0].tps / tps).toFixed(2)}); goal ≥ 1.0: ${ratio >= 1 ? 'met' : 'NOT met'}`);
  console.log('reproduce: npm run build -w @helios-conformance/stress && npm run bench -w @helios-conformance/stress' + ` -- --seconds ${seconds} --clients ${clients} --depth ${depth} --scale ${scale} --seed ${seed}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  exitCode = 2;
} finally {
  await pg.stop();
}
process.exitCode = exitCode;
