// The one vitest configuration of every package: `vitest run --config ../../tooling/suite-kit/vitest.config.mjs`
// from the package directory (the root stays the package). Per-package settings live in its
// package.json under heliosConformance.test: `timeoutMs` and the `servers` to start once per run.
//
// Three projects: `unit` (test/**/*.unit.test.ts: no servers, files in parallel, run first),
// `servers` (every other test file: real servers, one file at a time unless the package sets
// `serverFiles`) and `serial` (test/**/*.serial.test.ts and `serialFiles`: always alone, last). `npm run test:unit -w
// <pkg>` (vitest --project unit) is the fast loop; `npm test` runs all three.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer } from 'vitest/node';

const root = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const t = pkg.heliosConformance?.test ?? {};
const timeoutMs = t.timeoutMs ?? 60_000;
const UNIT = 'test/**/*.unit.test.ts';
const SERIAL = 'test/**/*.serial.test.ts';
// Most server test files mostly wait (on clusters, child processes, deadlines): two at a time
// nearly halve a package's wall time. A file that must run alone — its verdict sits close to a
// timing SLA whatever the load, it is CPU-bound with a time
// limit, or it checks that a shared server holds no other file's objects — is either named
// *.serial.test.ts or listed in `serialFiles` (paths relative to the package).
const serverFiles = t.serverFiles ?? 1;
const SERIALS = [SERIAL, ...(t.serialFiles ?? [])];
const globalSetup = [fileURLToPath(new URL('./global-setup.mjs', import.meta.url))];
// Seconds each long server file took in CI (`weights`, paths relative to the package). Files that
// run side by side are handed to the next free worker in this order, longest first, so the last
// worker to finish is not the one that got a long file last. Without it vitest's first run (a
// fresh clone has no timing cache) starts the largest files first by bytes, not by time.
const weights = t.weights ?? {};

class WeightedSequencer extends BaseSequencer {
  async sort(files) {
    const sorted = await super.sort(files);
    const w = (f) => weights[path.relative(root, f.moduleId).split(path.sep).join('/')] ?? -1;
    // Array.prototype.sort is stable: files without a weight keep vitest's order, after the weighted ones.
    return sorted.sort((a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || (a.project.name === b.project.name ? w(b) - w(a) : 0));
  }
}

export default defineConfig({
  test: {
    root,
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    testTimeout: timeoutMs,
    hookTimeout: timeoutMs,
    sequence: { sequencer: WeightedSequencer },
    projects: [
      { extends: true, test: { name: 'unit', include: [UNIT], fileParallelism: true, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'servers',
          include: ['test/**/*.test.ts'],
          exclude: serverFiles > 1 ? [UNIT, ...SERIALS] : [UNIT],
          // Test files share real servers and the machine's two cores; timing-sensitive cases
          // (blocked-statement deadlines) must not compete with each other.
          fileParallelism: serverFiles > 1,
          maxWorkers: serverFiles,
          globalSetup,
          sequence: { groupOrder: 1 },
        },
      },
      // Only where files run in parallel: elsewhere every server file already runs alone.
      ...(serverFiles > 1 ? [{ extends: true, test: { name: 'serial', include: SERIALS, fileParallelism: false, globalSetup, sequence: { groupOrder: 2 } } }] : []),
    ],
  },
});
