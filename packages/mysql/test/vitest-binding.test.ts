// The second way to run the suite: registered in someone else's vitest run.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { testServer } from '@helios-conformance/suite-kit';
import { verifiedDsn } from './full-run.js';

const require = createRequire(import.meta.url);
const vitestBin = join(require.resolve('vitest/package.json'), '..', 'vitest.mjs');
const fixture = fileURLToPath(new URL('./fixtures/vitest-binding/', import.meta.url));

describe('@helios-conformance/mysql/vitest', () => {
  it('registers one test per case, named by ID, with expectations applied', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'hc-mysql-binding-'));
    onTestFinished(() => rmSync(outDir, { recursive: true, force: true }));
    const out = join(outDir, 'r.json');
    const r = spawnSync(process.execPath, [vitestBin, 'run', '--reporter=json', `--outputFile=${out}`], {
      cwd: fixture,
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, HC_BINDING_DSN: verifiedDsn() },
    });
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }> };
    const tests = json.testResults.flatMap((f) => f.assertionResults);
    const byId = Object.fromEntries(tests.map((t) => [t.title.split(' ')[0], t.status]));
    expect(byId).toEqual({ 'MY-001': 'passed', 'MY-005': 'passed', 'MY-019': 'skipped', 'MY-036': 'passed' });
    expect(r.stdout + r.stderr + readFileSync(out, 'utf8')).not.toContain(testServer('mariadb').password);
  });
});
