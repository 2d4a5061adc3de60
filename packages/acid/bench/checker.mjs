#!/usr/bin/env node
// List-append checker throughput and memory on generated histories.
// Goals (issue 5): >= 200,000 transactions checked per second on one core; a 1,000,000-transaction
// history checked within 2 GB of memory.
//
// Each size runs in a fresh child `node --single-threaded --max-old-space-size=2048`, so the
// checker (and V8's GC) use one core, the heap is capped at 2 GB, and the child's peak RSS
// (getrusage maxrss) covers the generated history plus the check.
// Usage: npm run bench -w @helios-conformance/acid [-- --sizes 100000,1000000] [-- --strict]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const childIdx = args.indexOf('--child');
const dist = new URL('../dist/index.js', import.meta.url);
const mb = (bytes) => bytes / 1048576;

if (childIdx >= 0) {
  const txns = Number(args[childIdx + 1]);
  const reps = Number(args[childIdx + 2] ?? 1);
  const inject = args[childIdx + 3] === 'inject';
  const { generateHistory, checkListAppend, ANOMALY_TYPES } = await import(dist.href);
  // Warm the JIT on a small history so the timed run measures steady-state code.
  checkListAppend(generateHistory({ seed: 99, txns: 20_000, failRate: 0.01, infoRate: 0.01 }).history);
  const g0 = performance.now();
  const { history } = generateHistory({ seed: 42, txns, clients: 10, keys: 10, failRate: 0.01, infoRate: 0.01, inject: inject ? ANOMALY_TYPES : [] });
  const genMs = performance.now() - g0;
  const rssAfterGen = process.resourceUsage().maxRSS * 1024;
  const runs = [];
  let result;
  for (let i = 0; i < reps; i++) {
    result = undefined;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = checkListAppend(history);
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    runs.push({ wallMs, cpuMs: (c.user + c.system) / 1000 });
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    JSON.stringify({
      txns,
      ops: history.length,
      genMs,
      runs,
      peakRss,
      rssAfterGen,
      heapUsed: process.memoryUsage().heapUsed,
      valid: result.valid,
      anomalyTypes: result.anomalyTypes,
      stats: result.stats,
    }) + '\n',
  );
  process.exit(0);
}

const sizesIdx = args.indexOf('--sizes');
const sizes = sizesIdx >= 0 ? args[sizesIdx + 1].split(',').map(Number) : [100_000, 1_000_000];
const strict = args.includes('--strict');
const self = fileURLToPath(import.meta.url);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runChild(txns, reps, inject) {
  const r = spawnSync(process.execPath, ['--single-threaded', '--max-old-space-size=2048', self, '--child', String(txns), String(reps), inject ? 'inject' : 'plain'], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) {
    console.error(`child for ${txns} transactions exited ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
    process.exit(1);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

let worstRate = Infinity;
let peak1M = null;
const rows = [];
for (const txns of sizes) {
  const reps = txns >= 1_000_000 ? 1 : 5;
  const res = runChild(txns, reps, false);
  const wall = median(res.runs.map((x) => x.wallMs));
  const cpu = median(res.runs.map((x) => x.cpuMs));
  const rateCpu = txns / (cpu / 1000);
  const rateWall = txns / (wall / 1000);
  worstRate = Math.min(worstRate, rateCpu);
  if (txns >= 1_000_000) peak1M = res.peakRss;
  if (!res.valid) {
    console.error(`generated ${txns}-transaction history checked INVALID: ${res.anomalyTypes.join(', ')}`);
    process.exit(1);
  }
  rows.push(res);
  console.log(
    `${txns.toLocaleString('en-US')} txns (${res.ops.toLocaleString('en-US')} ops, ${res.stats.edges.toLocaleString('en-US')} edges): ` +
      `check ${wall.toFixed(0)} ms wall / ${cpu.toFixed(0)} ms cpu (median of ${reps}) = ` +
      `${Math.round(rateCpu).toLocaleString('en-US')} txn/s per core (${Math.round(rateWall).toLocaleString('en-US')} txn/s wall); ` +
      `peak RSS ${mb(res.peakRss).toFixed(0)} MB (history alone ${mb(res.rssAfterGen).toFixed(0)} MB; generated in ${res.genMs.toFixed(0)} ms); valid=${res.valid}`,
  );
}

// One history with every anomaly class injected, to show they cost nothing noticeable and are all found.
const inj = runChild(100_000, 5, true);
const injCpu = median(inj.runs.map((x) => x.cpuMs));
console.log(
  `100,000 txns + every anomaly class injected: check ${injCpu.toFixed(0)} ms cpu = ${Math.round(100_000 / (injCpu / 1000)).toLocaleString('en-US')} txn/s; found ${inj.anomalyTypes.join(', ')}`,
);

const rateOk = worstRate >= 200_000;
const memOk = peak1M === null ? null : peak1M <= 2 * 1024 ** 3;
console.log(`goal: >= 200,000 txn/s on one core — ${rateOk ? 'met' : 'MISSED'} (worst ${Math.round(worstRate).toLocaleString('en-US')} txn/s)`);
if (memOk !== null) console.log(`goal: 1,000,000-txn history within 2 GB — ${memOk ? 'met' : 'MISSED'} (peak RSS ${mb(peak1M).toFixed(0)} MB, heap capped at 2048 MB)`);
console.log(`reproduce: npm run build -w @helios-conformance/acid && npm run bench -w @helios-conformance/acid   (node ${process.version}, ${process.platform}/${process.arch})`);
if (strict && (!rateOk || memOk === false)) process.exit(1);
