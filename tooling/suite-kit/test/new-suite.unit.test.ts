// A new suite writes four files (package.json, tsconfig.json, README.md, src/index.ts with its
// catalog and open()); the kit makes the rest. This builds the fixture suite with hc-kit and runs
// what it generated: the CLI (pass, fail, exit 2), the docs page and the ID registry.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVitest } from '../src/index.js';

const dir = fileURLToPath(new URL('./fixtures/minimal-suite/', import.meta.url));
const hcKit = fileURLToPath(new URL('../bin/hc-kit.mjs', import.meta.url));
const generated = ['dist', 'docs', 'ids.json'];
const cli = (args: string[]) => spawnSync(process.execPath, [path.join(dir, 'dist', 'cli.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '1', HC_DSN: '' } });

beforeAll(() => {
  for (const g of generated) rmSync(path.join(dir, g), { recursive: true, force: true });
  execFileSync(process.execPath, [hcKit, 'build'], { cwd: dir, stdio: 'pipe' });
}, 120_000);
afterAll(() => {
  for (const g of generated) rmSync(path.join(dir, g), { recursive: true, force: true });
});

describe('a new suite is its catalog, its open() and a package.json', () => {
  it('writes no more than four files itself', () => {
    const authored = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '.'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    expect(authored).toEqual(['README.md', 'package.json', 'src/index.ts', 'tsconfig.json']);
  });

  it('gets a CLI: --version from package.json, a pass, a fail, and exit 2 without a DSN', () => {
    expect(readdirSync(path.join(dir, 'dist'))).toEqual(expect.arrayContaining(['cli.js', 'index.js', 'index.d.ts', 'vitest.js', 'vitest.d.ts']));
    expect(cli(['--version']).stdout.trim()).toBe('0.3.1');
    expect(cli(['--list']).stdout).toContain('MIN-001');
    expect(cli(['--dsn', 'minimal://h/42']).status).toBe(0);
    const odd = cli(['--dsn', 'minimal://h/7']);
    expect(odd.status).toBe(1);
    expect(odd.stdout).toContain('value modulo 2: expected 0, got 1');
    const none = cli([]);
    expect(none.status).toBe(2);
    expect(none.stderr.trim()).toBe('helios-minimal: helios-minimal needs an endpoint: pass --dsn minimal://host/42');
  });

  it('gets its docs page and ID registry from hc-kit docs / ids', () => {
    execFileSync(process.execPath, [hcKit, 'docs'], { cwd: dir, stdio: 'pipe' });
    execFileSync(process.execPath, [hcKit, 'ids'], { cwd: dir, stdio: 'pipe' });
    expect(readFileSync(path.join(dir, 'docs', 'cases.md'), 'utf8')).toContain('| MIN-001 | P0 | basics | the value is even |');
    expect(JSON.parse(readFileSync(path.join(dir, 'ids.json'), 'utf8'))).toEqual({ 'MIN-001': { title: 'the value is even', since: '0.3.1' } });
  });

  it('gets a vitest binding a vendor registers in its own run', () => {
    expect(existsSync(path.join(dir, 'dist', 'vitest.js'))).toBe(true);
    const r = runVitest(fileURLToPath(new URL('./fixtures/minimal-vendor/', import.meta.url)));
    expect(r.status, r.stderr).toBe(0);
    expect(r.tests.map((t) => [t.title, t.status])).toEqual([['MIN-001 the value is even', 'passed']]);
  });
});
