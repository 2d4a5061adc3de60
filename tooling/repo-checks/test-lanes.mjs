#!/usr/bin/env node
// Runs every workspace's `npm test` after the root build (the second step of the root `npm test`).
//
// Why lanes: a whole run keeps the machine's two cores about half busy, so some packages run side
// by side. ha-dr runs alone: its own server files run three at a time and its verdicts are
// timings (election, detection, RTO); beside a light lane at nice 5 it took 492 s, over the 8
// minutes its issue allows, and beside repo-checks 585 s; alone with four files at a time 487 s (each file
// ran 25-40 % longer: the clusters need the CPU); with the Patroni file in that pool and the files
// handed out longest first, 440 s (CI of c812df3). Then vector (one PGlite child, CPU-bound on one
// core, no verdict judged by a clock) runs beside mysql (at nice 0: its perturbation and liveness
// verdicts) followed by the light packages (sql, fixtures, suite-kit, core at nice 5: their few
// clock checks are loose and held at load 15-17). Measured: vector 237 s; mysql 70 s, then the
// light ones 150 s in all. The Silver suites (snowflake, databricks: a protocol reference endpoint
// on a PGlite child each, their deadlines 5-10 s) make a third lane of that phase at nice 5, about
// 50 s each alone. Then acid and postgres (their blocked-statement deadlines and liveness checks
// keep nice 0) beside testbed and repo-checks at nice 10: alone, one after another, they kept the
// machine 45 % (acid), 49 % (postgres), 57 % (testbed) and 69 % (repo-checks) busy (CI of c812df3),
// so the niced lane runs on what the first leaves. Measured in pairs here: acid beside testbed 242 s
// (209 alone), postgres beside repo-checks 369 s (262 alone, another job on the machine). stress
// (latency cases judged against clocks) and any package not named here run alone, one after
// another, last, so a new suite is tested without editing this file.
//
// Packages are run with `npm test -w`, not turbo: a second turbo process would restore cached
// build outputs (dist/) while the other lane's tests read them. Every package runs even after a
// failure; the exit code is 1 when any failed, and the failed tests are listed again at the end
// (from each package's reports/vitest.json) so a log cut to its last lines still names them.
//
// `--only DIR[,DIR…]` runs just those packages, in their usual lanes and nice (to reproduce a
// phase's contention without the rest).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { readVitestReport } from './vitest-report.mjs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Phases, one after another; in a phase its lanes run side by side, each lane's packages one after
 * another at the lane's nice (a package given as { dir, nice } at its own).
 */
const PHASES = [
  [{ dirs: ['packages/ha-dr'], nice: 0 }],
  [
    { dirs: ['packages/vector'], nice: 0 },
    { dirs: [{ dir: 'packages/mysql', nice: 0 }, 'packages/sql', 'packages/fixtures', 'tooling/suite-kit', 'packages/core'], nice: 5 },
    { dirs: ['packages/snowflake', 'packages/databricks'], nice: 5 },
  ],
  [
    { dirs: ['packages/acid', 'packages/postgres'], nice: 0 },
    { dirs: ['packages/testbed', 'tooling/repo-checks'], nice: 10 },
  ],
];
const dirOf = (d) => (typeof d === 'string' ? d : d.dir);
const niceOf = (l, d) => (typeof d === 'string' ? l.nice : d.nice);
const named = PHASES.flat().flatMap((l) => l.dirs.map(dirOf));

const all = [];
for (const group of ['packages', 'tooling']) {
  for (const d of readdirSync(join(root, group)).sort()) {
    const f = join(root, group, d, 'package.json');
    if (existsSync(f) && JSON.parse(readFileSync(f, 'utf8')).scripts?.test) all.push(`${group}/${d}`);
  }
}
for (const dir of named) if (!all.includes(dir)) throw new Error(`test-lanes: ${dir} has no test script (or does not exist): update PHASES`);
let alone = all.filter((d) => !named.includes(d));

const onlyAt = process.argv.indexOf('--only');
if (onlyAt > 0) {
  const only = (process.argv[onlyAt + 1] ?? '').split(',').filter(Boolean).map((d) => d.replace(/\/+$/, ''));
  for (const d of only) if (!all.includes(d)) throw new Error(`test-lanes: --only ${d}: no such package with a test script (one of: ${all.join(', ')})`);
  for (const phase of PHASES) for (const l of phase) l.dirs = l.dirs.filter((d) => only.includes(dirOf(d)));
  alone = alone.filter((d) => only.includes(d));
}

const failed = [];
const times = [];
/** Lines of a failed package's output that name failures: the fallback when it wrote no JSON report. */
const failLines = new Map();
const FAIL_LINE = /(?:\bFAIL\b|×|✗|AssertionError|Error:|ERR!)/;

/**
 * The failed tests of a package, each with the first lines of its message, from the JSON report
 * its vitest run wrote (reports/vitest.json, the shared config); undefined when there is none or
 * it is older than this run.
 */
function failedTests(dir, since) {
  try {
    const r = readVitestReport(join(root, dir), since);
    if (r === undefined || r === 'stale') return undefined;
    const out = [];
    for (const file of r.testResults ?? []) {
      const rel = relative(join(root, dir), file.name ?? '');
      const bad = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
      if (!bad.length && file.status === 'failed') out.push(`${rel}: ${(file.message || 'failed').split('\n').slice(0, 6).join('\n    ')}`);
      for (const a of bad) {
        const msg = (a.failureMessages ?? []).join('\n').split('\n').filter((l) => l.trim() && !/^\s+at /.test(l)).slice(0, 6);
        out.push(`${rel} > ${a.fullName}\n    ${msg.join('\n    ')}`);
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * The machine's CPU counters (/proc/stat, all cores): a package's line says how busy the machine
 * was while it ran, so idle time a lane could use shows in the log. Undefined off Linux.
 */
function cpuSnap() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { total, idle: f[3] + f[4] };
  } catch {
    return undefined;
  }
}
const busyText = (a, b) => (a && b && b.total > a.total ? `, machine ${Math.round((100 * (b.total - a.total - (b.idle - a.idle))) / (b.total - a.total))} % busy` : '');

function runOne(dir, nice) {
  const name = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name;
  const prefix = `${name}:test: `;
  const started = Date.now();
  const cpu0 = cpuSnap();
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
        for (const l of lines) {
          out.write(prefix + l + '\n');
          if (FAIL_LINE.test(l)) {
            const kept = failLines.get(dir) ?? [];
            if (kept.length < 40) kept.push(stripVTControlCharacters(l).slice(0, 400));
            failLines.set(dir, kept);
          }
        }
      });
      stream.on('end', () => rest && out.write(prefix + rest + '\n'));
    }
    child.on('close', (code, signal) => {
      const s = ((Date.now() - started) / 1000).toFixed(0);
      const ok = code === 0;
      if (!ok) failed.push({ name, dir, started });
      times.push(`${name} ${s} s${ok ? '' : ` (FAILED: ${signal ?? `exit ${code}`})`}`);
      console.log(`test-lanes: ${name} ${ok ? 'passed' : 'FAILED'} in ${s} s${busyText(cpu0, cpuSnap())}`);
      resolve();
    });
  });
}

async function lane(l) {
  for (const d of l.dirs) await runOne(dirOf(d), niceOf(l, d));
}

const t0 = Date.now();
const laneText = (l) => l.dirs.map((d) => dirOf(d) + (niceOf(l, d) ? ` (nice ${niceOf(l, d)})` : '')).join(', ');
const shown = PHASES.map((p) => p.filter((l) => l.dirs.length)).filter((p) => p.length);
console.log(`test-lanes: ${[...shown.map((p) => p.map(laneText).join(' beside ')), ...(alone.length ? [`one at a time: ${alone.join(', ')}`] : [])].join('; then ')}`);
for (const phase of PHASES) await Promise.all(phase.map((l) => lane(l)));
await lane({ dirs: alone, nice: 0 });
console.log(`test-lanes: ${times.join('; ')}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
if (failed.length) {
  for (const f of failed) {
    const tests = failedTests(f.dir, f.started);
    const lines = tests?.length ? tests : (failLines.get(f.dir) ?? ['(no failed test and no error line in its output: see its log above)']);
    console.error(`test-lanes: ${f.name} failed${tests?.length ? `: ${tests.length} test(s)` : ''}:\n  ${lines.join('\n  ')}`);
  }
  console.error(`test-lanes: failed: ${failed.map((f) => f.name).join(', ')}`);
  process.exit(1);
}
