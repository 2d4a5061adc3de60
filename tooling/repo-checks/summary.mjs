#!/usr/bin/env node
// Prints one closing line over every package's vitest run ("N passed, N failed, N skipped"),
// read from the JSON each vitest config writes to reports/vitest.json.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVitestReport } from './vitest-report.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
// `--start` (the first step of the root `npm test`) stamps the run's start, so the closing check
// judges only what this run produced: earlier local runs' leftovers and stale reports don't count.
const stampFile = join(root, 'tooling', 'repo-checks', 'reports', 'run-started-at');
if (process.argv.includes('--start')) {
  mkdirSync(join(root, 'tooling', 'repo-checks', 'reports'), { recursive: true });
  writeFileSync(stampFile, String(Date.now()));
  process.exit(0);
}
const startedAt = existsSync(stampFile) ? Number(readFileSync(stampFile, 'utf8')) : 0;
const bornAt = (p) => {
  const st = statSync(p);
  return st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
};
let passed = 0, failed = 0, skipped = 0, files = 0;
for (const group of ['packages', 'tooling']) {
  for (const d of readdirSync(join(root, group))) {
    const r = readVitestReport(join(root, group, d), startedAt);
    if (r === undefined) continue;
    if (r === 'stale') {
      console.log(`${group}/${d}: stale report from an earlier run, not counted`);
      continue;
    }
    files++;
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    console.log(`${group}/${d}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  }
}
if (files === 0) {
  console.error('no test results found: did the tests run?');
  process.exit(1);
}
// Nothing leaks: after every package's tests, no temp dir and no server process of ours is left.
const leftDirs = readdirSync(tmpdir()).filter((d) => {
  if (!d.startsWith('hc-')) return false;
  try {
    return bornAt(join(tmpdir(), d)) >= startedAt;
  } catch {
    return false; // removed while we looked
  }
});
const leftProcs = [];
for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    if (/hc-testbed-|pglite-child\.js/.test(cmd) && Number(pid) !== process.pid) leftProcs.push(`${pid} ${cmd.trim()}`);
  } catch {
    // the process ended while we looked
  }
}
if (leftDirs.length) console.log(`leaked temp dirs in ${tmpdir()}: ${leftDirs.join(', ')}`);
for (const p of leftProcs) console.log(`leaked process: ${p}`);
const leaks = leftDirs.length + leftProcs.length;
if (leaks === 0) console.log('no leaked temp dirs or server processes');
console.log(`${passed} passed, ${failed + (leaks ? 1 : 0)} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 || leaks > 0 ? 1 : 0);
