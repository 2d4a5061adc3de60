import { defineConfig } from 'vitest/config';

// Real servers on a 2-core machine: one test file at a time, generous timeouts.
// The PGlite tests need the built child script (dist/pglite-child.js): build first.
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    fileParallelism: false,
  },
});
