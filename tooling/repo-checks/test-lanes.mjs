#!/usr/bin/env node
// Runs every workspace's `npm test` after the root build (the second step of the root `npm test`).
//
// Why lanes: a whole run keeps the machine's two cores about half busy. ha-dr is the longest
// package (about 7 of the run's 28 minutes) and mostly waits on its clusters' timeouts, so a
// second lane of light packages with no tight timing verdicts and no process reaping runs beside
// it, at a lower CPU priority (nice 5: at 10 a starved attw hit its 120 s limit at load 17). Not
// repo-checks: its pack smoke test and attw install and pack every package, CPU-bound for minutes;
// beside ha-dr it took 433 s and ha-dr 585 s (422 s alone a stop earlier, with about 80 s fewer
// test-file seconds), so the lane gained nothing. Every other package then runs alone, one after another, as before: their
// blocked-statement deadlines, latency cases and reapers must not compete with anything. A package not named here lands in the
// one-at-a-time group, so a new suite is tested without editing this file.
//
// Packages are run with `npm test -w`, not turbo: a second turbo process would restore cached
// build outputs (dist/) while the other lane's tests read them. Every package runs even after a
// failure; the exit code is 1 when any failed.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Run beside each other: the first list in one lane, the second one after another in the other, niced (see above). */
const BESIDE = [['packages/ha-dr'], ['packages/sql', 'packages/fixtures', 'tooling/suite-kit']];
const NICE = [0, 5];

const all = [];
for (const group of ['packages', 'tooling']) {
  for (const d of readdirSync(join(root, group)).sort()) {
    const f = join(root, group, d, 'package.json');
    if (existsSync(f) && JSON.parse(readFileSync(f, 'utf8')).scripts?.test) all.push(`${group}/${d}`);
  }
}
for (const dir of BESIDE.flat()) if (!all.includes(dir)) throw new Error(`test-lanes: ${dir} has no test script (or does not exist): update BESIDE`);
const alone = all.filter((d) => !BESIDE.flat().includes(d));

const failed = [];
const times = [];

function runOne(dir, nice) {
  const name = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name;
  const prefix = `${name}:test: `;
  const started = Date.now();
  return new Promise((resolve) => {
    const cmd = ['npm', 'test', '--workspace', dir];
    const child = spawn(nice ? 'nice' : cmd[0], nice ? ['-n', String(nice), ...cmd] : cmd.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    // Prefixed line by line (like turbo), so two lanes' output stays readable in one log.
    for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (s) => {
        const lines = (rest + s).split('\n');
        rest = lines.pop();
        for (const l of lines) out.write(prefix + l + '\n');
      });
      stream.on('end', () => rest && out.write(prefix + rest + '\n'));
    }
    child.on('close', (code, signal) => {
      const s = ((Date.now() - started) / 1000).toFixed(0);
      const ok = code === 0;
      if (!ok) failed.push(name);
      times.push(`${name} ${s} s${ok ? '' : ` (FAILED: ${signal ?? `exit ${code}`})`}`);
      console.log(`test-lanes: ${name} ${ok ? 'passed' : 'FAILED'} in ${s} s`);
      resolve();
    });
  });
}

async function lane(dirs, nice = 0) {
  for (const d of dirs) await runOne(d, nice);
}

const t0 = Date.now();
console.log(`test-lanes: side by side: [${BESIDE.map((l, i) => l.join(', ') + (NICE[i] ? ` (nice ${NICE[i]})` : '')).join('] and [')}]; then one at a time: ${alone.join(', ')}`);
await Promise.all(BESIDE.map((dirs, i) => lane(dirs, NICE[i])));
await lane(alone);
console.log(`test-lanes: ${times.join('; ')}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
if (failed.length) {
  console.error(`test-lanes: failed: ${failed.join(', ')}`);
  process.exit(1);
}
