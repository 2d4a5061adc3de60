#!/usr/bin/env node
// Cold-start time of a suite CLI to `--list` (goal < 400 ms): a fresh `node` process each run,
// so module loading is measured the way a user's `npx … --list` pays it.
// Usage: npm run bench -w @helios-conformance/core [-- --runs N] [-- path/to/cli.js ...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..', '..');
const args = process.argv.slice(2);
const runsIdx = args.indexOf('--runs');
const runs = runsIdx >= 0 ? Number(args.splice(runsIdx, 2)[1]) : 15;
let clis = args;
if (clis.length === 0) {
  clis = [join(here, '..', 'test', 'fixtures', 'toy-cli.mjs')];
  for (const d of readdirSync(join(root, 'packages'))) {
    const cli = join(root, 'packages', d, 'dist', 'cli.js');
    if (existsSync(cli) && d !== 'testbed') clis.push(cli);
  }
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
let worst = 0;
for (const cli of clis) {
  spawnSync(process.execPath, [cli, '--list'], { encoding: 'utf8' }); // warm the OS file cache once
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, '--list'], { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) {
      console.error(`${cli} --list exited ${r.status}: ${r.stderr}`);
      process.exit(1);
    }
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const med = pct(times, 50);
  worst = Math.max(worst, med);
  console.log(`${relative(root, cli)} --list: median ${med.toFixed(0)} ms, p90 ${pct(times, 90).toFixed(0)} ms, min ${times[0].toFixed(0)} ms over ${runs} cold starts (goal < 400 ms)`);
}
console.log(`reproduce: npm run bench -w @helios-conformance/core   (node ${process.version}, ${clis.length} CLI(s))`);
console.log(`worst median: ${worst.toFixed(0)} ms — ${worst < 400 ? 'within' : 'OVER'} the 400 ms goal`);
