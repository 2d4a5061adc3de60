#!/usr/bin/env node
// Prints one closing line over every package's vitest run ("N passed, N failed, N skipped"),
// read from the JSON each vitest config writes to reports/vitest.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
let passed = 0, failed = 0, skipped = 0, files = 0;
for (const group of ['packages', 'tooling']) {
  for (const d of readdirSync(join(root, group))) {
    const f = join(root, group, d, 'reports', 'vitest.json');
    if (!existsSync(f)) continue;
    const r = JSON.parse(readFileSync(f, 'utf8'));
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
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
