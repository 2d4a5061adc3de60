// Shipped expectations follow the endpoint, not the flag: the choice itself (shipped.ts), the CLI
// (a real process of the toy suite that ships files for "Toy 2.x" and "Toy 3.x"), and the vitest
// binding, which must choose exactly as the CLI does.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runVitest } from '@helios-conformance/suite-kit';
import { chooseExpectations, matchShipped, type EndpointFingerprint, type ShippedExpectations } from '../src/index.js';

const CLI = fileURLToPath(new URL('./fixtures/toy-shipped-cli.mjs', import.meta.url));
const TOY2 = fileURLToPath(new URL('./fixtures/shipped/toy-2.json', import.meta.url));
const TOY3 = fileURLToPath(new URL('./fixtures/shipped/toy-3.json', import.meta.url));
const SECRET = 'shipped-secret';
const dsn = (server: string, caps = ''): string => `toy://u:${SECRET}@local/x?server=${encodeURIComponent(server)}${caps ? `&caps=${caps}` : ''}`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: '', NO_COLOR: '1', HC_DSN: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'hc-shipped-test-'));
const fp = (server: string | null, capabilities: string[] = []): EndpointFingerprint => ({ server, capabilities, embedded: false });
/** The output line that names the expectations, and how many lines come before it. */
const expectationsLine = (out: string): { line: string | undefined; index: number } => {
  const lines = out.split('\n');
  const index = lines.findIndex((l) => l.trim().startsWith('expectations: '));
  return { line: lines[index]?.trim(), index };
};

describe('choosing a shipped expectations file', () => {
  const shipped: ShippedExpectations[] = [
    { file: TOY2, describes: 'Toy 2.x', matches: /^Toy 2\.\d+/ },
    { file: TOY3, describes: 'Toy 3.x', matches: (f) => f.server?.startsWith('Toy 3.') === true && !f.capabilities.includes('fixed') },
  ];

  it('matches a pattern on the server string or a predicate on the fingerprint, first entry wins', () => {
    expect(matchShipped(shipped, fp('Toy 2.7'))?.file).toBe(TOY2);
    expect(matchShipped(shipped, fp('Toy 3.1'))?.file).toBe(TOY3);
    expect(matchShipped(shipped, fp('Toy 3.1', ['fixed']))).toBeUndefined();
    expect(matchShipped(shipped, fp('Toy 1.0'))).toBeUndefined();
    expect(matchShipped(shipped, fp(null))).toBeUndefined();
    expect(matchShipped([...shipped, { file: TOY3, describes: 'any toy', matches: /^Toy/ }], fp('Toy 2.0'))?.file).toBe(TOY2);
    expect(matchShipped(undefined, fp('Toy 2.0'))).toBeUndefined();
  });

  it('explicit wins, shipped applies when it matches, off and no-match say why', async () => {
    const suite = { shippedExpectations: shipped };
    const on = { shipped: true, offHint: '--no-shipped-expectations' };
    const s = await chooseExpectations(suite, fp('Toy 2.1'), on);
    expect(s.source).toBe('shipped');
    expect(s.file).toBe(TOY2);
    expect(Object.keys(s.expectations?.expectations ?? {})).toEqual(['TOY-002', 'TOY-006']);
    expect(s.line).toBe('expectations: shipped toy-2.json (endpoint is Toy 2.x: it reported "Toy 2.1"; turn off with --no-shipped-expectations)');

    const explicit = { expectations: { expectations: {} }, file: '/x/mine.json', via: '--expectations' };
    const e = await chooseExpectations(suite, fp('Toy 2.1'), { ...on, explicit });
    expect(e).toMatchObject({ source: 'explicit', file: '/x/mine.json', line: 'expectations: /x/mine.json (given by --expectations)' });
    expect(e.expectations).toBe(explicit.expectations);

    const off = await chooseExpectations(suite, fp('Toy 2.1'), { shipped: false, offHint: 'shippedExpectations: false' });
    expect(off).toMatchObject({ source: 'none', file: null, expectations: undefined });
    expect(off.line).toBe('expectations: none (shipped toy-2.json (Toy 2.x) turned off by shippedExpectations: false)');

    const none = await chooseExpectations(suite, fp('Toy 1.0'), on);
    expect(none).toMatchObject({ source: 'none', file: null, expectations: undefined });
    expect(none.line).toBe('expectations: none (no shipped file describes the endpoint "Toy 1.0" (shipped: toy-2.json for Toy 2.x, toy-3.json for Toy 3.x))');

    // A suite that ships nothing and was given nothing has nothing to say on the console.
    expect((await chooseExpectations({}, fp('Toy 2.1'), on)).line).toBeNull();
  });

  it('a shipped file that cannot be read is a could-not-run error naming it', async () => {
    const broken = { shippedExpectations: [{ file: '/nonexistent/toy.json', describes: 'Toy', matches: /Toy/ }] };
    await expect(chooseExpectations(broken, fp('Toy 2.1'), { shipped: true, offHint: 'x' })).rejects.toThrow(/shipped expectations: cannot read expectations file \/nonexistent\/toy\.json/);
  });
});

describe('the CLI applies the shipped file the endpoint matches', () => {
  it('--dsn at a "Toy 2.x" endpoint: shipped toy-2.json, named before any case, in the report; exit 0', async () => {
    const dir = tmp();
    try {
      const r = await run(['--dsn', dsn('Toy 2.4'), '--only', 'TOY-001,TOY-002,TOY-006', '--json', join(dir, 'r.json')]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const { line, index } = expectationsLine(r.stdout);
      expect(line).toBe('expectations: shipped toy-2.json (endpoint is Toy 2.x: it reported "Toy 2.4 (pw ***)"; turn off with --no-shipped-expectations)');
      // Among the first lines: after the run line, the open notes and the server line, before any case.
      expect(index).toBeLessThan(r.stdout.split('\n').findIndex((l) => /TOY-00\d/.test(l)));
      expect(r.stdout).toMatch(/XFAIL\s.*TOY-002/);
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      expect(report.expectations).toMatchObject({ file: TOY2, source: 'shipped', unmatched: [] });
      expect(report.expectations.reason).toBe('endpoint is Toy 2.x: it reported "Toy 2.4 (pw ***)"');
      expect(report.results.find((x: { id: string }) => x.id === 'TOY-006').status).toBe('skip');
      expect(r.stdout + r.stderr + readFileSync(join(dir, 'r.json'), 'utf8')).not.toContain(SECRET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the embedded default chooses the same way (it reports Toy 2.0)', async () => {
    const r = await run(['--only', 'TOY-001,TOY-002']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(expectationsLine(r.stdout).line).toMatch(/^expectations: shipped toy-2\.json \(endpoint is Toy 2\.x: it reported "Toy 2\.0 \(embedded\)/);
  });

  it('--no-shipped-expectations judges bare: exit 1, and says so', async () => {
    const r = await run(['--dsn', dsn('Toy 2.4'), '--only', 'TOY-001,TOY-002', '--no-shipped-expectations']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(expectationsLine(r.stdout).line).toBe('expectations: none (shipped toy-2.json (Toy 2.x) turned off by --no-shipped-expectations)');
    expect(r.stdout).toMatch(/FAIL\s.*TOY-002/);
  });

  it('an endpoint no shipped file describes gets none: exit 1, and the line lists what ships', async () => {
    const r = await run(['--dsn', dsn('Toy 1.0'), '--only', 'TOY-001,TOY-002']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(expectationsLine(r.stdout).line).toMatch(/^expectations: none \(no shipped file describes the endpoint "Toy 1\.0 \(pw \*\*\*\)" \(shipped: toy-2\.json for Toy 2\.x, toy-3\.json for Toy 3\.x\)\)$/);
  });

  it('a predicate on the capabilities: Toy 3 with "fixed" gets none, without it toy-3.json (TOY-001 xpass: exit 1)', async () => {
    const fixed = await run(['--dsn', dsn('Toy 3.0', 'fixed'), '--only', 'TOY-001']);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(expectationsLine(fixed.stdout).line).toMatch(/^expectations: none/);
    const old = await run(['--dsn', dsn('Toy 3.0'), '--only', 'TOY-001']);
    expect(old.code, old.stdout).toBe(1);
    expect(expectationsLine(old.stdout).line).toMatch(/^expectations: shipped toy-3\.json/);
    expect(old.stdout).toContain('expected to fail (observed: wrong answer on Toy 3) but passed');
  });

  it('--expectations FILE always wins over the shipped file', async () => {
    const r = await run(['--dsn', dsn('Toy 2.4'), '--only', 'TOY-001,TOY-002', '--expectations', TOY3]);
    expect(r.code, r.stdout).toBe(1); // toy-3.json: TOY-001 xpass, TOY-002 fails unexpectedly
    expect(expectationsLine(r.stdout).line).toBe(`expectations: ${TOY3} (given by --expectations)`);
  });

  it('--update-expectations after a shipped run keeps the shipped entries that still hold', async () => {
    const dir = tmp();
    try {
      const out = join(dir, 'baseline.json');
      const r = await run(['--dsn', dsn('Toy 2.4'), '--only', 'TOY-001,TOY-002,TOY-003,TOY-006', '--update-expectations', out]);
      expect(r.code, r.stdout).toBe(1); // TOY-003 errors
      const written = JSON.parse(readFileSync(out, 'utf8'));
      expect(Object.keys(written.expectations).sort()).toEqual(['TOY-002', 'TOY-003', 'TOY-006']);
      expect(written.expectations['TOY-002'].reason).toBe('observed: wrong answer on Toy 2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the vitest binding chooses exactly as the CLI', () => {
  const fixture = fileURLToPath(new URL('./fixtures/vitest-shipped/', import.meta.url));
  const byId = (r: ReturnType<typeof runVitest>, id: string) => r.tests.find((t) => t.meta?.caseId === id);

  it('shipped toy-2.json at run time: the expected failure passes (annotated xfail), the skip entry skips', () => {
    const r = runVitest(fixture, { env: { HC_TOY_SERVER: 'Toy 2.4' }, timeoutMs: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(byId(r, 'TOY-001')?.status).toBe('passed');
    expect(byId(r, 'TOY-002')?.status).toBe('passed');
    expect(byId(r, 'TOY-002')?.meta?.conformance).toBe('xfail');
    expect(byId(r, 'TOY-002')?.meta?.expectationsFile).toBe(TOY2);
    // The same reason the CLI records in its report (the console line goes to vitest's stdout log).
    expect(byId(r, 'TOY-002')?.meta?.expectationsReason).toBe('endpoint is Toy 2.x: it reported "Toy 2.4 (pw ***)"');
    expect(byId(r, 'TOY-006')?.status).toBe('skipped');
    expect(byId(r, 'TOY-006')?.meta?.conformance).toBe('skip');
    expect(r.stdout + r.stderr + r.json).not.toContain('binding-secret');
  });

  it('no DSN: the embedded default reports Toy 2.0 and gets the same file', () => {
    const r = runVitest(fixture, { timeoutMs: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(byId(r, 'TOY-002')?.meta?.conformance).toBe('xfail');
  });

  it('an unexpected pass fails the test with "expected to fail (reason) but passed"', () => {
    const r = runVitest(fixture, { env: { HC_TOY_SERVER: 'Toy 3.0' }, timeoutMs: 60_000 });
    expect(r.status).toBe(1);
    expect(byId(r, 'TOY-001')?.status).toBe('failed');
    expect(byId(r, 'TOY-001')?.failureMessages?.[0]).toContain('TOY-001 expected to fail (observed: wrong answer on Toy 3) but passed');
    expect(byId(r, 'TOY-002')?.status).toBe('failed'); // no entry for it in toy-3.json
  });

  it('shippedExpectations: false judges bare, as --no-shipped-expectations', () => {
    const r = runVitest(fixture, { env: { HC_TOY_SERVER: 'Toy 2.4', HC_TOY_SHIPPED: 'off' }, timeoutMs: 60_000 });
    expect(r.status).toBe(1);
    expect(byId(r, 'TOY-002')?.status).toBe('failed');
    expect(byId(r, 'TOY-006')?.status).toBe('skipped'); // it skips itself: ctx.skip in the case
    expect(byId(r, 'TOY-002')?.meta?.expectationsReason).toBe('shipped toy-2.json (Toy 2.x) turned off by shippedExpectations: false');
  });
});
