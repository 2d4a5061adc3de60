import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseJunit } from 'junit2json';
import { runToyCli } from './helpers.js';

const require = createRequire(import.meta.url);
const reportSchema = require('../schemas/report.schema.json');
const FAST = 'TOY-001,TOY-002,TOY-003,TOY-005,TOY-006,TOY-010,TOY-011';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hc-core-test-'));
}

describe('CLI contract', () => {
  it('--help, --version, exit 0', async () => {
    const h = await runToyCli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: toy');
    expect(h.stdout).toContain('Exit codes: 0 conformant, 1 not conformant, 2 could not run');
    const v = await runToyCli(['--version']);
    expect(v.stdout.trim()).toBe('0.0.1');
  });

  it('--list prints the catalog without opening the endpoint', async () => {
    const dir = tmp();
    const r = await runToyCli(['--list', '--dsn', 'toy://u:p@local/x'], { env: { TOY_MARKER_DIR: dir } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^TOY-001 +p0 +basic +passes$/m);
    expect(r.stdout).toContain('12 cases');
    expect(existsSync(join(dir, 'opened'))).toBe(false);
    const f = await runToyCli(['--list', '--priority', 'p1']);
    expect(f.stdout).toContain('2 cases');
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus' \(see --help\)$/],
    [['--dns', 'toy://u:p@local/x'], /Unknown option '--dns' \(did you mean --dsn\?\) \(see --help\)/],
    [['--jsno', 'r.json'], /\(did you mean --json\?\)/],
    [['--dsn', 'not a url'], /malformed --dsn/],
    [['--dsn', 'toy://u:hunter2secret@down/x'], /nothing is listening at down/],
    [['--dsn', 'toy://u:hunter2secret@buggy/x'], /could not open the endpoint: bug while opening toy:\/\/u:\*\*\*@buggy\/x/],
    [['--dsn', 'postgres://u:hunter2secret@local/x'], /expected a toy:\/\/ DSN/],
    [['--priority', 'p9'], /--priority accepts p0, p1, p2/],
    [['--seed', 'abc'], /--seed must be an integer/],
    [['--expectations', '/nonexistent/x.json'], /cannot read expectations file/],
  ])('exit 2 with one plain line for %j', async (args, re) => {
    const r = await runToyCli(args as string[]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(re);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout + r.stderr).not.toContain('hunter2secret');
  });

  it('a frozen endpoint ends with exit 2 within the open budget', async () => {
    const r = await runToyCli(['--dsn', 'toy://u:longpassword@frozen/x', '--open-timeout-ms', '1000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/could not open the endpoint within 1000 ms/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('exit 1 when not conformant, 0 when conformant; JSON valid against its schema; JUnit parses', async () => {
    const dir = tmp();
    const bad = await runToyCli(['--only', FAST, '--seed', '5', '--json', join(dir, 'r.json'), '--junit', join(dir, 'r.xml'), '--html', join(dir, 'r.html')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL +2\/7 TOY-002/m);
    expect(bad.stdout).toContain('conformant: no');
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    const validate = ajv.compile(reportSchema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.seed).toBe(5);
    expect(report.summary.fail).toBe(1);

    const junit = (await parseJunit(readFileSync(join(dir, 'r.xml'), 'utf8'))) as any;
    const suites = junit.testsuite as any[];
    const cases = suites.flatMap((s) => s.testcase);
    expect(cases).toHaveLength(7);
    expect(junit.tests).toBe(7);
    expect(junit.failures).toBe(1);
    expect(junit.errors).toBe(1);
    expect(junit.skipped).toBe(2);
    const failing = cases.find((c: any) => c.name.startsWith('TOY-002'));
    expect(failing.failure[0].message).toMatch(/expected 1, got 2/);

    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('id="toy-section"');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/); // self-contained

    const ok = await runToyCli(['--only', 'TOY-001,TOY-011', '--json', join(dir, 'ok.json')]);
    expect(ok.code).toBe(0);
    const okReport = JSON.parse(readFileSync(join(dir, 'ok.json'), 'utf8'));
    expect(okReport).not.toHaveProperty('tier');
    expect(okReport.priorities.p0).toMatchObject({ total: 1, passed: 1, required: 1 });
    expect(ok.stdout).toContain(`wrote JSON report to ${join(dir, 'ok.json')}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('expectations: xfail passes, xpass fails the run, --update-expectations round-trips to conformant', async () => {
    const dir = tmp();
    const exp = join(dir, 'exp.json');
    writeFileSync(exp, JSON.stringify({ expectations: { 'TOY-002': { expect: 'fail', reason: 'observed: wrong answer' }, 'TOY-010': { expect: 'fail', reason: 'thought broken' }, 'TOY-0[': { expect: 'skip', reason: 'x' } } }));
    const invalid = await runToyCli(['--expectations', exp]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/key "TOY-0\[" is not a case ID or glob/);

    writeFileSync(exp, JSON.stringify({ expectations: { 'TOY-002': { expect: 'fail', reason: 'observed: wrong answer' }, 'TOY-010': { expect: 'fail', reason: 'thought broken' }, 'NOPE-*': { expect: 'skip', reason: 'stale' } } }));
    const xpass = await runToyCli(['--only', 'TOY-001,TOY-002,TOY-010', '--expectations', exp, '--json', join(dir, 'a.json')]);
    expect(xpass.code).toBe(1);
    const a = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    expect(a.summary).toMatchObject({ pass: 1, xfail: 1, xpass: 1 });
    expect(a.expectations.unmatched).toEqual(['NOPE-*']);
    expect(xpass.stdout).toContain('expectation entries that matched no case: NOPE-*');

    const base = join(dir, 'baseline.json');
    const upd = await runToyCli(['--only', FAST, '--expectations', exp, '--update-expectations', base]);
    expect(upd.code).toBe(1);
    const written = JSON.parse(readFileSync(base, 'utf8'));
    expect(Object.keys(written.expectations).sort()).toEqual(['TOY-002', 'TOY-003']);
    expect(written.expectations['TOY-002'].reason).toBe('observed: wrong answer');
    expect(written.expectations['TOY-003'].reason).toMatch(/observed error: ECONNRESET/);
    const again = await runToyCli(['--only', FAST, '--expectations', base]);
    expect(again.code).toBe(0);

    writeFileSync(exp, JSON.stringify({ expectations: { 'TOY-00*': { expect: 'flaky', reason: 'sometimes' } } }));
    const flaky = await runToyCli(['--only', 'TOY-001,TOY-002,TOY-003', '--expectations', exp, '--json', join(dir, 'f.json')]);
    expect(flaky.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'f.json'), 'utf8')).summary).toMatchObject({ pass: 1, xfail: 2 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGINT: the run stops, cleanup runs, the partial report is written, exit 130', async () => {
    const dir = tmp();
    let pid = 0;
    const p = runToyCli(['--only', 'TOY-001,TOY-009,TOY-010', '--json', join(dir, 'r.json')], { env: { TOY_MARKER_DIR: dir }, onSpawn: (x) => (pid = x) });
    const t0 = Date.now();
    while (!existsSync(join(dir, 'case-started')) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    process.kill(pid, 'SIGINT');
    const r = await p;
    expect(r.code).toBe(130);
    expect(existsSync(join(dir, 'case-cleanup'))).toBe(true);
    expect(existsSync(join(dir, 'closed'))).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.interrupted).toBe(true);
    expect(report.results.map((x: any) => x.id)).toEqual(['TOY-001', 'TOY-009']);
    expect(r.stdout).toContain('INTERRUPTED — partial report');
    rmSync(dir, { recursive: true, force: true });
  });
});
