import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseJunit } from 'junit2json';
import {
  runCli,
  runSuite,
  selectCases,
  shardOf,
  parseShard,
  mergeReports,
  defineCase,
  defineSuite,
  emptySelectionReason,
  unknownExpectationIds,
  REPORT_SCHEMA_VERSION,
  type Suite,
  type Report,
} from '../src/index.js';
import { loadToy, runToyCli } from './helpers.js';

// The CLI/report contract: a run that checked nothing is never green, exit 2 still writes every
// report with the reason, shards merge into what an unsharded run says.
const require = createRequire(import.meta.url);
const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile(require('../schemas/report.schema.json'));
const valid = (r: unknown): void => void expect(validate(r), JSON.stringify(validate.errors)).toBe(true);

let toy: Suite<any>;
beforeAll(async () => {
  toy = await loadToy();
});
const tmp = (): string => mkdtempSync(join(tmpdir(), 'hc-contract-'));
function sink() {
  let text = '';
  return { write: (s: string) => void (text += s), isTTY: false, get text() { return text; } };
}
async function cli(suite: Suite<any>, args: string[], cwd?: string) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(suite, args, { stdout, stderr, env: {}, cwd });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
const readJson = (p: string): Report => JSON.parse(readFileSync(p, 'utf8')) as Report;

describe('a selection that matched no case exits 2', () => {
  it.each([
    [['--only', 'NOPE'], '--only NOPE matched no case of @helios-conformance/toy (IDs look like TOY-001; see --list)'],
    [['--area', 'nosucharea'], '--area nosucharea matched no case of @helios-conformance/toy (areas: basic, timeouts, secrets, cleanup, random)'],
    [['--priority', 'p0', '--area', 'timeouts'], '--priority p0 --area timeouts together matched no case of @helios-conformance/toy (each alone matches some; see --list with the same flags)'],
    [['--only', 'TOY-00*', '--area', 'random'], '--only TOY-00* --area random together matched no case of @helios-conformance/toy (each alone matches some; see --list with the same flags)'],
  ])('%j', async (args, line) => {
    const r = await cli(toy, args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`toy: ${line}\n`);
    expect(r.stdout).not.toContain('conformant: yes');
  });

  it('--list of an empty selection prints "0 cases" and exits 2; a non-empty one exits 0', async () => {
    const r = await cli(toy, ['--list', '--only', 'NOPE']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('0 cases\n');
    expect(r.stderr).toMatch(/--only NOPE matched no case/);
    expect((await cli(toy, ['--list', '--only', 'TOY-001'])).code).toBe(0);
  });

  it('runSuite refuses it too, and a partly matching --only is fine', async () => {
    await expect(runSuite(toy, { only: ['NOPE'] })).rejects.toThrow(/--only NOPE matched no case/);
    expect(emptySelectionReason(toy, { only: ['NOPE', 'TOY-001'] })).toBeNull();
  });
});

describe('expectations naming an ID the suite never had', () => {
  const withIds = (): Suite<any> => ({ ...toy, knownIds: [...toy.cases.map((c) => c.id), 'TOY-099'] });

  it('unknownExpectationIds: exact IDs only, retired ones are known, nearest named', () => {
    const exp = { expectations: { 'TOY-0O2': { expect: 'fail' as const, reason: 'x' }, 'TOY-099': { expect: 'skip' as const, reason: 'retired' }, 'NOPE-*': { expect: 'skip' as const, reason: 'glob' }, 'ZZZ-123': { expect: 'skip' as const, reason: 'far' } } };
    expect(unknownExpectationIds(exp, withIds().knownIds!, 'e.json')).toBe('expectations file e.json names IDs this suite has never had: TOY-0O2 (did you mean TOY-002?), ZZZ-123');
    expect(unknownExpectationIds({ expectations: { 'TOY-099': exp.expectations['TOY-099'] } }, withIds().knownIds!, 'e.json')).toBeNull();
  });

  it('exit 2 through the CLI, with the report written; a retired ID only warns', async () => {
    const dir = tmp();
    const file = join(dir, 'exp.json');
    writeFileSync(file, JSON.stringify({ expectations: { 'TOY-0O2': { expect: 'fail', reason: 'typo' } } }));
    const r = await cli(withIds(), ['--only', 'TOY-001', '--expectations', file, '--json', join(dir, 'r.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`toy: expectations file ${file} names an ID this suite has never had: TOY-0O2 (did you mean TOY-002?)\n`);
    const rep = readJson(join(dir, 'r.json'));
    valid(rep);
    expect(rep.cannotRun?.reason).toMatch(/TOY-0O2/);
    expect(rep.expectations.file).toBe(file);

    writeFileSync(file, JSON.stringify({ expectations: { 'TOY-099': { expect: 'fail', reason: 'retired case' }, 'NOPE-*': { expect: 'skip', reason: 'glob' } } }));
    const ok = await cli(withIds(), ['--only', 'TOY-001', '--expectations', file]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('expectation entries that matched no case: TOY-099, NOPE-*');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('exit 2 after the flags parsed still writes every requested report', () => {
  it('unreachable endpoint: JSON (schema-valid, cannotRun), JUnit (one errored testcase), HTML (reason at top), no password', async () => {
    const dir = tmp();
    const r = await runToyCli(['--dsn', 'toy://u:hunter2secret@down/x', '--json', join(dir, 'r.json'), '--junit', join(dir, 'r.xml'), '--html', join(dir, 'r.html')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain(`wrote JSON report to ${join(dir, 'r.json')}\nwrote JUnit report to ${join(dir, 'r.xml')}\nwrote HTML report to ${join(dir, 'r.html')}\n`);
    const rep = readJson(join(dir, 'r.json'));
    valid(rep);
    expect(rep.conformant).toBe(false);
    expect(rep.cannotRun?.reason).toMatch(/^nothing is listening at down/);
    expect(rep.results).toEqual([]);
    const junit = (await parseJunit(readFileSync(join(dir, 'r.xml'), 'utf8'))) as any;
    expect(junit.tests).toBe(1);
    expect(junit.errors).toBe(1);
    const cases = (junit.testsuite as any[]).flatMap((s) => s.testcase);
    expect(cases).toHaveLength(1);
    expect(cases[0].error[0].message).toMatch(/nothing is listening at down/);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html.indexOf('id="cannot-run"')).toBeGreaterThan(0);
    expect(html.indexOf('nothing is listening at down')).toBeLessThan(html.indexOf('<h2>Results</h2>'));
    for (const f of ['r.json', 'r.xml', 'r.html']) expect(readFileSync(join(dir, f), 'utf8')).not.toContain('hunter2secret');
    expect(r.stdout + r.stderr).not.toContain('hunter2secret');
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [['--dsn', 'not a url'], /malformed --dsn/],
    [['--only', 'NOPE'], /--only NOPE matched no case/],
    [['--dsn', 'toy://u:frozenpw@frozen/x', '--open-timeout-ms', '300'], /could not open the endpoint within 300 ms/],
  ])('%j writes the JSON report with the reason', async (args, re) => {
    const dir = tmp();
    const r = await cli(toy, [...(args as string[]), '--json', 'out/r.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('wrote JSON report to out/r.json');
    const rep = readJson(join(dir, 'out/r.json'));
    valid(rep);
    expect(rep.cannotRun?.reason).toMatch(re);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a flag that does not parse writes nothing (the report paths are not known yet)', async () => {
    const dir = tmp();
    const r = await cli(toy, ['--json', 'r.json', '--bogus'], dir);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('npx took the flags', () => {
  it('a positional argument names the npx -- form', async () => {
    const r = await cli(toy, ['postgres://u:secretpw@h/db']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("toy: unexpected argument 'postgres://u:***@h/db': if you ran `npx @helios-conformance/toy --flags`, npm took the flags; use `npx -- @helios-conformance/toy --flags`\n");
  });
});

describe('--shard i/n', () => {
  it('parses i/n, refuses anything else', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '-1/2', '1/2/3']) expect(() => parseShard(bad)).toThrow(/--shard must be i\/n/);
  });

  it('splits by the ID alone: disjoint, complete, unchanged by other cases or filters', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `PG-${String(i + 1).padStart(3, '0')}`);
    for (const n of [1, 2, 3, 5]) {
      const buckets = Array.from({ length: n }, () => 0);
      for (const id of ids) buckets[shardOf(id, n) - 1]!++;
      expect(buckets.reduce((a, b) => a + b, 0)).toBe(300);
      for (const b of buckets) expect(b).toBeGreaterThan(300 / n / 2); // no starved shard
    }
    // Stable: the same ID lands in the same shard whatever else the catalog holds.
    expect(ids.map((id) => shardOf(id, 3))).toEqual(ids.slice().reverse().map((id) => shardOf(id, 3)).reverse());
    const all = selectCases(toy.cases, {}).map((c) => c.id);
    const parts = [1, 2, 3].map((index) => selectCases(toy.cases, { shard: { index, count: 3 } }).map((c) => c.id));
    expect(parts.flat().sort()).toEqual(all.sort());
    const p2 = selectCases(toy.cases, { priorities: ['p2'], shard: { index: 2, count: 3 } }).map((c) => c.id);
    expect(p2.every((id) => parts[1]!.includes(id))).toBe(true);
  });

  it('bad --shard exits 2; the report records the shard; an empty shard of a real selection is exit 0 with a note', async () => {
    const bad = await cli(toy, ['--shard', '3/2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('toy: --shard must be i/n with 1 <= i <= n (e.g. 2/3), got "3/2"\n');
    const dir = tmp();
    const only = 'TOY-001';
    const home = shardOf(only, 2);
    const other = 3 - home;
    const r = await cli(toy, ['--only', only, '--shard', `${home}/2`, '--json', 'a.json'], dir);
    expect(r.code).toBe(0);
    expect(readJson(join(dir, 'a.json')).shard).toEqual({ index: home, count: 2 });
    const e = await cli(toy, ['--only', only, '--shard', `${other}/2`, '--json', 'b.json'], dir);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain(`shard ${other}/2: 0 of the 1 selected cases (none hash to this shard; the merge of all shards covers them)`);
    const b = readJson(join(dir, 'b.json'));
    valid(b);
    expect(b.results).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('merge', () => {
  const ONLY = 'TOY-001,TOY-002,TOY-003,TOY-005,TOY-006,TOY-010,TOY-011';
  it('the merged shards say what the unsharded run says (verdict, counts, results), exit code included', async () => {
    const dir = tmp();
    const whole = await cli(toy, ['--only', ONLY, '--seed', '9', '--json', 'whole.json'], dir);
    const s1 = await cli(toy, ['--only', ONLY, '--seed', '9', '--shard', '1/2', '--json', 's1.json'], dir);
    const s2 = await cli(toy, ['--only', ONLY, '--seed', '9', '--shard', '2/2', '--json', 's2.json'], dir);
    expect(s1.code + s2.code).toBeGreaterThan(0);
    const m = await cli(toy, ['merge', 's2.json', 's1.json', '--json', 'm.json', '--junit', 'm.xml', '--html', 'm.html'], dir);
    expect(m.code).toBe(whole.code);
    expect(m.stdout).toContain('wrote JSON report to m.json');
    expect(m.stdout).toContain('wrote JUnit report to m.xml');
    expect(m.stdout).toContain('wrote HTML report to m.html');
    const a = readJson(join(dir, 'whole.json'));
    const b = readJson(join(dir, 'm.json'));
    valid(b);
    const verdict = (r: Report) => ({ conformant: r.conformant, summary: r.summary, priorities: r.priorities, seed: r.seed, filters: r.filters, shard: r.shard, results: r.results.map((x) => [x.id, x.status, x.message]) });
    expect(verdict(b)).toEqual(verdict(a));
    expect(b.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    const line = (s: string) => s.split('\n').find((l) => l.startsWith('conformant:'))?.replace(/ — [\d.]+ (ms|s) — seed \d+$/, '');
    expect(line(m.stdout)).toBe(line(whole.stdout));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses other suites, versions, seeds, overlaps and incomplete shard sets, one line each', async () => {
    const dir = tmp();
    await cli(toy, ['--only', ONLY, '--seed', '9', '--shard', '1/2', '--json', 's1.json'], dir);
    await cli(toy, ['--only', ONLY, '--seed', '9', '--shard', '2/2', '--json', 's2.json'], dir);
    await cli(toy, ['--only', ONLY, '--seed', '8', '--shard', '2/2', '--json', 'seed8.json'], dir);
    await cli(toy, ['--only', 'TOY-001', '--seed', '9', '--json', 'w1.json'], dir);
    await cli(toy, ['--only', 'TOY-001,TOY-011', '--seed', '9', '--json', 'w2.json'], dir);
    const s1 = readJson(join(dir, 's1.json'));
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ ...s1, suite: '@helios-conformance/mysql' }));
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ ...s1, suiteVersion: '0.0.0' }));
    writeFileSync(join(dir, 'v1.json'), JSON.stringify({ ...s1, schemaVersion: 1 }));
    const cases: Array<[string[], RegExp]> = [
      [['s1.json', 'other.json'], /other\.json is a report of @helios-conformance\/mysql, not of @helios-conformance\/toy/],
      [['s1.json', 'old.json'], /old\.json was written by @helios-conformance\/toy 0\.0\.0; merge with the same version/],
      [['v1.json'], /v1\.json has report schema 1/],
      [['s1.json', 'seed8.json'], /different seeds \(9, 8\): give every shard the same --seed/],
      [['s1.json'], /shard 2\/2 missing/],
      [['s1.json', 's1.json', 's2.json'], /both shard 1\/2/],
      [['w1.json', 'w2.json'], /TOY-001 is in both w1\.json and w2\.json/],
      [['s1.json', 'w1.json'], /some reports are shards and some are not/],
      [['nope.json'], /cannot read nope\.json: ENOENT/],
      [[], /merge needs at least one JSON report/],
    ];
    for (const [files, re] of cases) {
      const r = await cli(toy, ['merge', ...files, '--json', 'm.json'], dir);
      expect(r.code, files.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), files.join(' ')).toHaveLength(1);
      expect(r.stderr, files.join(' ')).toMatch(re);
    }
    expect(existsSync(join(dir, 'm.json'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a part that could not run makes the merge exit 2 with that reason in its reports', () => {
    const ok = (index: number): Report => ({
      schemaVersion: REPORT_SCHEMA_VERSION, suite: toy.name, suiteVersion: toy.version, target: { dsn: null, server: null, embedded: true }, seed: 1,
      startedAt: new Date(0).toISOString(), durationMs: 5, conformant: true, cannotRun: null, priorities: {} as any, seedTier: null, ecosystem: null,
      interrupted: false, summary: {} as any, filters: { only: [], priorities: [], areas: [] }, shard: { index, count: 2 },
      expectations: { file: null, unmatched: [] }, capabilities: [], results: [], sections: {},
    });
    const merged = mergeReports(toy, [{ file: 'a.json', report: ok(1) }, { file: 'b.json', report: { ...ok(2), conformant: false, cannotRun: { reason: 'nothing is listening' } } }]);
    expect(merged.cannotRun).toEqual({ reason: 'b.json: nothing is listening' });
    expect(merged.conformant).toBe(false);
    valid(merged);
  });
});

describe('a reader that goes away (`--list | head -1`)', () => {
  it('does not crash the CLI with an EPIPE stack trace; the exit code is kept', async () => {
    const { spawn } = await import('node:child_process');
    const { TOY_CLI } = await import('./helpers.js');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [TOY_CLI, '--list'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // Close our end before the CLI writes, as `head -1` has once it has its line.
      child.stdout.destroy();
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(r.code).toBe(0);
  });
});

describe('load shards (a suite with shardBy: load)', () => {
  // Each shard offers `ops` operations and records the slowest one it saw; the whole run fails
  // when more than 10 were slow. Judged per shard, 6 + 6 slow would pass twice; merged, it fails.
  const slowOf = (shard: { index: number } | undefined): number => (shard?.index === 2 ? 6 : shard ? 6 : 12);
  const loadSuite = (): Suite<{ shard?: { index: number; count: number }; sections: Record<string, unknown> }> =>
    defineSuite({
      name: '@helios-conformance/loadtoy', version: '0.0.1', description: 'x', bin: 'loadtoy', idPrefixes: ['L-'], defaultTarget: 'mem',
      shardBy: 'load',
      cases: [
        defineCase({
          id: 'L-001', title: 'slow operations at most 10', priority: 'p1', area: 'a', since: '0.0.1',
          run: (ctx) => {
            const slow = slowOf(ctx.target.shard);
            ctx.target.sections.slow = { 'L-001': slow };
            if (slow > 10) ctx.fail(`${slow} slow`);
          },
        }),
        defineCase({ id: 'L-002', title: 'judged per shard', priority: 'p2', area: 'a', since: '0.0.1', run: (ctx) => void (ctx.target.shard?.index === 2 && ctx.fail('shard 2 saw it')) }),
      ],
      open: async (o) => {
        const sections: Record<string, unknown> = {};
        return { target: { shard: o.shard, sections }, sections: () => sections, close: async () => undefined };
      },
      mergeLoadShards: (reports) => {
        const slow = reports.reduce((a, r) => a + ((r.sections.slow as Record<string, number>)['L-001'] ?? 0), 0);
        return { verdicts: { 'L-001': { status: slow > 10 ? 'fail' : 'pass', message: slow > 10 ? `${slow} slow` : null } }, sections: { slow: { 'L-001': slow } } };
      },
    });

  it('every shard runs every case with its shard; merge judges the merged figures, the rest as the worst shard', async () => {
    const s = loadSuite();
    const dir = tmp();
    const a = await cli(s, ['--shard', '1/2', '--seed', '3', '--json', 'a.json'], dir);
    const b = await cli(s, ['--shard', '2/2', '--seed', '3', '--json', 'b.json'], dir);
    expect(a.stdout).toContain("shard 1/2: every selected case with this shard's part of the load");
    expect(readJson(join(dir, 'a.json')).results.map((r) => [r.id, r.status])).toEqual([['L-001', 'pass'], ['L-002', 'pass']]);
    expect(b.code).toBe(1);
    const m = await cli(s, ['merge', 'b.json', 'a.json', '--json', 'm.json'], dir);
    expect(m.code).toBe(1);
    const merged = readJson(join(dir, 'm.json'));
    valid(merged);
    expect(merged.results.map((r) => [r.id, r.status, r.message])).toEqual([['L-001', 'fail', '12 slow'], ['L-002', 'fail', 'shard 2/2: shard 2 saw it']]);
    expect(merged.sections).toEqual({ slow: { 'L-001': 12 } });
    expect(merged.shard).toBeNull();
    // Load shards of other selections do not merge.
    await cli(s, ['--shard', '2/2', '--seed', '3', '--only', 'L-001', '--json', 'c.json'], dir);
    const bad = await cli(s, ['merge', 'a.json', 'c.json'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/other filters/);
    rmSync(dir, { recursive: true, force: true });
  });
});
