// The one vitest configuration of every package: `vitest run --config ../../tooling/suite-kit/vitest.config.mjs`
// from the package directory (the root stays the package). Per-package settings live in its
// package.json under heliosConformance.test: `timeoutMs` and the `servers` to start once per run.
//
// Two projects: `unit` (test/**/*.unit.test.ts: no servers, files in parallel, run first) and
// `servers` (every other test file: real servers, one file at a time). `npm run test:unit -w <pkg>`
// (vitest --project unit) is the fast loop; `npm test` runs both.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const t = pkg.heliosConformance?.test ?? {};
const timeoutMs = t.timeoutMs ?? 60_000;
const UNIT = 'test/**/*.unit.test.ts';

export default defineConfig({
  test: {
    root,
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    testTimeout: timeoutMs,
    hookTimeout: timeoutMs,
    projects: [
      { extends: true, test: { name: 'unit', include: [UNIT], fileParallelism: true, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'servers',
          include: ['test/**/*.test.ts'],
          exclude: [UNIT],
          // Test files share real servers and the machine's two cores; timing-sensitive cases
          // (blocked-statement deadlines) must not compete with each other.
          fileParallelism: false,
          globalSetup: [fileURLToPath(new URL('./global-setup.mjs', import.meta.url))],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
