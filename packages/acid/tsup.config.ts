import { defineConfig } from 'tsup';

// Drivers (pg, mysql2) and testbed stay external and are loaded with dynamic import() in
// open(), so `--list` never pays for them.
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts', 'src/vitest.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
});
