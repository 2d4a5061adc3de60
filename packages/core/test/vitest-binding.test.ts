import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const vitestBin = join(require.resolve('vitest/package.json'), '..', 'vitest.mjs');
const fixture = fileURLToPath(new URL('./fixtures/vitest-binding/', import.meta.url));

describe('@helios-conformance/core/vitest', () => {
  it('registers one describe per area and one test per case, with fails / skip / meta', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hc-vb-'));
    const out = join(dir, 'r.json');
    const r = spawnSync(process.execPath, [vitestBin, 'run', '--reporter=json', `--outputFile=${out}`], { cwd: fixture, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1); // TOY-003 errors: the vendor's run must go red
    const data = JSON.parse(readFileSync(out, 'utf8'));
    const tests = data.testResults.flatMap((t: any) => t.assertionResults);
    const get = (id: string) => tests.find((a: any) => a.meta?.caseId === id);
    expect(tests).toHaveLength(6);
    expect(get('TOY-001').status).toBe('passed');
    expect(get('TOY-001').ancestorTitles).toEqual(['@helios-conformance/toy 0.0.1', 'basic']);
    expect(get('TOY-001').title).toBe('TOY-001 passes');
    expect(get('TOY-002').status).toBe('passed'); // test.fails: the expected failure happened
    expect(get('TOY-003').status).toBe('failed');
    expect(get('TOY-003').failureMessages[0]).toContain('TOY-003 error: ECONNRESET: connection reset');
    expect(get('TOY-005').status).toBe('skipped'); // n/a
    expect(get('TOY-006').status).toBe('skipped');
    expect(get('TOY-010').status).toBe('skipped'); // expectations: skip
    expect(get('TOY-002').meta.priority).toBe('p1');
    expect(r.stdout + r.stderr + readFileSync(out, 'utf8')).not.toContain('binding-secret');
    rmSync(dir, { recursive: true, force: true });
  });
});
