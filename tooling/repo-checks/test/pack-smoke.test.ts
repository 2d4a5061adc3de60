import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServer } from '@helios-conformance/suite-kit';
import { ROOT, publicPackages } from '../src/workspace.js';
// @ts-expect-error: a plain .mjs script (node tooling/repo-checks/install-size.mjs), untyped on purpose
import { measureInstall, mb, table } from '../install-size.mjs';

// The published artifact, not the workspace: pack every public package, install the tarballs
// into an empty folder, and run each bin from there.
const pkgs = publicPackages();
let work: string;
let consumer: string;
let tarballs: string[];

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hc-pack-smoke-'));
  const tarDir = join(work, 'tarballs');
  mkdirSync(tarDir);
  for (const p of pkgs) {
    expect(existsSync(join(p.dir, 'dist')), `${p.name} is not built`).toBe(true);
    npm(['pack', '--silent', '--pack-destination', tarDir], p.dir);
  }
  tarballs = readdirSync(tarDir).map((f) => join(tarDir, f));
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], consumer);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('pack smoke: the tarballs work from an empty folder', () => {
  it('packs every public package with its dist and README, without sources or tests', () => {
    expect(tarballs).toHaveLength(pkgs.length);
    for (const p of pkgs) {
      const listing = npm(['pack', '--dry-run', '--json'], p.dir);
      const files: string[] = JSON.parse(listing)[0].files.map((f: { path: string }) => f.path);
      expect(files, p.name).toContain('dist/index.js');
      expect(files, p.name).toContain('dist/index.d.ts');
      expect(files, p.name).toContain('README.md');
      expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/')), p.name).toEqual([]);
    }
  });

  const bins = pkgs.flatMap((p) => Object.keys(p.bin).map((b) => [p.name, b] as const));
  it('has at least one bin', () => expect(bins.length).toBeGreaterThan(0));
  it.each(bins)('%s: %s --help and --list run from the installed tarball', (_pkg, bin) => {
    for (const flag of ['--help', '--list']) {
      const r = spawnSync('npx', ['--no-install', bin, flag], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${bin} ${flag}: ${r.stderr}`).toBe(0);
      expect(r.stdout.length, `${bin} ${flag} printed nothing`).toBeGreaterThan(20);
    }
  });

  it.each(pkgs.map((p) => [p.name]))('%s: the ESM entry imports and its types resolve', (name) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(name)}); if (!Object.keys(m).length) process.exit(3);`], { cwd: consumer, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('the example vendor project runs the suite inside its own vitest from the tarballs', () => {
    const example = join(ROOT, 'examples', 'vendor-vitest');
    if (!existsSync(join(ROOT, 'packages', 'postgres', 'package.json'))) return expect.unreachable('the example needs @helios-conformance/postgres');
    const dir = join(work, 'vendor');
    cpSync(example, dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, 'vitest@4'], dir);
    // Once on the embedded PGlite (the shipped pglite.json applies), once on the test PostgreSQL 15
    // (none applies): the same project passes on both, because the expectations follow the endpoint.
    for (const [name, dsn] of [['pglite', ''], ['postgres15', testServer('postgres').dsn]] as const) {
      const out = join(dir, `result-${name}.json`);
      const r = spawnSync('npx', ['--no-install', 'vitest', 'run', '--reporter=json', `--outputFile=${out}`], { cwd: dir, encoding: 'utf8', timeout: 300_000, env: { ...process.env, HC_DSN: dsn } });
      expect(r.status, `${name}: ${r.stdout + r.stderr}`).toBe(0);
      const tests = JSON.parse(execFileSync('cat', [out], { encoding: 'utf8' })).testResults.flatMap((t: any) => t.assertionResults);
      const ids = tests.map((t: any) => t.meta?.caseId).sort();
      expect(ids).toEqual(['PG-001', 'PG-002', 'PG-003', 'PG-005', 'PG-008']);
      expect(tests.filter((t: any) => t.status === 'failed')).toEqual([]);
      const pg003 = tests.find((t: any) => t.meta?.caseId === 'PG-003');
      if (name === 'pglite') {
        expect(pg003.meta.conformance).toBe('xfail');
        expect(pg003.meta.expectationsFile).toMatch(/expectations\/pglite\.json$/);
      } else {
        expect(pg003.meta.conformance).toBe('pass');
        expect(pg003.meta.expectationsFile).toBeNull();
      }
    }
  });
});

// The README table "Install size" is the budget: each package, installed alone from its tarball,
// must stay within 20 % of what the README states (size and package count), so neither the
// dependencies nor the docs can drift without this test saying so.
describe('install size per package (the README table is the budget)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const stated = new Map([...readme.matchAll(/^\| `(@helios-conformance\/[a-z-]+)` \| ([\d.]+) MB \| (\d+) \|$/gm)].map((m) => [m[1] as string, { mb: Number(m[2]), packages: Number(m[3]) }]));
  it('the README states every published package', () => expect([...stated.keys()].sort()).toEqual(pkgs.map((p) => p.name).sort()));
  const results: Array<{ name: string; bytes: number; packages: number; installed: string[] }> = [];
  it.each(pkgs.map((p) => [p.name]))('%s stays within its budget', (name) => {
    const byName = new Map(tarballs.map((t) => [pkgs.find((p) => t.includes(`helios-conformance-${p.name.split('/')[1]}-`))?.name, t]));
    const r = measureInstall(name, byName, work);
    results.push(r);
    const s = stated.get(name);
    expect(s, `${name} has no README row`).toBeDefined();
    console.log(`${name}: ${mb(r.bytes)} MB, ${r.packages} packages (README: ${s?.mb} MB, ${s?.packages})`);
    expect(r.bytes / 1e6, `${name} install size`).toBeLessThanOrEqual((s?.mb ?? 0) * 1.2);
    expect(r.bytes / 1e6, `${name} install size fell: update the README table`).toBeGreaterThanOrEqual((s?.mb ?? 0) * 0.8);
    expect(r.packages, `${name} package count`).toBeLessThanOrEqual(Math.ceil((s?.packages ?? 0) * 1.2));
    expect(r.packages, `${name} package count fell: update the README table`).toBeGreaterThanOrEqual(Math.floor((s?.packages ?? 0) * 0.8));
  }, 300_000);
  it('acid installs neither PGlite nor the X.509 generator; mysql installs no pg; postgres no mysql2', () => {
    const of = (n: string) => results.find((r) => r.name === n)?.installed.map((i) => i.replace(/@[^@]+$/, '')) ?? [];
    expect(of('@helios-conformance/acid').filter((n) => n.startsWith('@electric-sql/') || n === '@peculiar/x509')).toEqual([]);
    expect(of('@helios-conformance/mysql')).not.toContain('pg');
    expect(of('@helios-conformance/postgres')).not.toContain('mysql2');
    expect(of('@helios-conformance/ha-dr')).not.toContain('mysql2');
    expect(of('@helios-conformance/postgres')).toContain('@electric-sql/pglite');
    console.log(table(results));
  });
  it('without its optional peers, testbed and sql refuse with one line that says what to install', () => {
    const acid = join(work, readdirSync(work).find((d) => d.startsWith('acid-')) as string);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
      const tb = await import('@helios-conformance/testbed');
      try { await tb.startPglite(); console.log('started'); } catch (e) { console.log(e.message.split('\\n')[0]); }`], { cwd: acid, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout.trim()).toMatch(/^(could not start PGlite: )?startPglite needs @electric-sql\/pglite and @electric-sql\/pglite-socket, .*npm install @electric-sql\/pglite@0\.5\.14/);
    const mysql = join(work, readdirSync(work).find((d) => d.startsWith('mysql-')) as string);
    const q = spawnSync(process.execPath, ['--input-type=module', '-e', `
      const { openSqlEndpoint } = await import('@helios-conformance/sql');
      try { await openSqlEndpoint('postgres://u@127.0.0.1:1/db'); } catch (e) { console.log(e.name, e.message); }`], { cwd: mysql, encoding: 'utf8', timeout: 60_000 });
    expect(q.stdout.trim()).toMatch(/needs the driver pg, .*npm install pg$/);
    // ha-dr without mysql2: a Galera (family mysql) topology is one line and exit 2, before any action runs.
    const hadr = join(work, readdirSync(work).find((d) => d.startsWith('ha-dr-')) as string);
    const topo = join(hadr, 'galera.json');
    writeFileSync(topo, JSON.stringify({ name: 'g', family: 'mysql', clientDsn: 'mysql://root@127.0.0.1:1/db', nodes: [{ name: 'a', dsn: 'mysql://root@127.0.0.1:1/db' }, { name: 'b', dsn: 'mysql://root@127.0.0.1:2/db' }], actions: { kill: 'false' } }));
    const h = spawnSync(process.execPath, [join(hadr, 'node_modules/@helios-conformance/ha-dr/dist/cli.js'), '--topology', topo, '--allow-destructive'], { cwd: hadr, encoding: 'utf8', timeout: 60_000 });
    expect(h.status, h.stdout + h.stderr).toBe(2);
    expect(h.stdout + h.stderr).toMatch(/needs the driver mysql2, .*npm install mysql2\n?$/);
  });
  it('require() of every package works from a CommonJS project (Node >= 20.19 loads ES modules synchronously)', () => {
    for (const p of pkgs) {
      const r = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(p.name)}); if (!Object.keys(m).length) process.exit(3);`], { cwd: consumer, encoding: 'utf8' });
      expect(r.status, `${p.name}: ${r.stderr}`).toBe(0);
    }
  });
});
