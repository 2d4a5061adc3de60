// Are the types wrong? attw packs each published package and resolves every export the way
// node16 (ESM) and bundlers do. Profile esm-only: the packages are ESM only by design, so the
// CommonJS resolutions (node10, node16 from CJS) are not judged; require() is checked for real
// in the pack smoke test instead.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ROOT, publicPackages } from '../src/workspace.js';

describe('attw --profile esm-only', () => {
  it.each(publicPackages().map((p) => [p.name, p.dir]))('%s: no type resolution problem', (_name, dir) => {
    const r = spawnSync('npx', ['--no', '--', 'attw', '--pack', dir, '--profile', 'esm-only', '--format', 'ascii'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/node16 \(from ESM\): 🟢/);
  }, 330_000);
});
