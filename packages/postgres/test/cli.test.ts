import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, testServer, withParams, type CliRun } from '@helios-conformance/suite-kit';
import { findFreePort } from '@helios-conformance/testbed';
import { postgresCases } from '../src/index.js';

// The built CLI (dist/cli.js) end to end: the catalog, and the one-line exit 2 of a run that
// cannot start. What each login failure says is the SQL layer's (packages/sql/test/postgres-*).
const SECRET = 'Sup3r-s3cret-pw';

/** Exit 2, one plain line on stderr within 10 s, matching `pattern`, no password anywhere. */
function expectCannotRun(r: CliRun, pattern: RegExp, ...secrets: string[]): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.ms).toBeLessThan(10_000);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^helios-postgres: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  for (const s of [SECRET, ...secrets]) expect(r.stdout + r.stderr).not.toContain(s);
}

describe('the CLI (dist/cli.js)', () => {
  const pg15 = testServer('postgres');

  it('--list prints the catalog without touching a database', async () => {
    const r = await runCli(['--list', '--dsn', `postgres://u:${SECRET}@127.0.0.1:1/x`]);
    expect(r.code).toBe(0);
    for (let i = 1; i <= 8; i++) expect(r.stdout).toContain(`PG-00${i}`);
    expect(r.stdout).toContain(`${postgresCases.length} cases`);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('exits 2 on a malformed DSN', async () => {
    expectCannotRun(await runCli(['--dsn', `postgres://hc:${SECRET}@127.0.0.1:notaport/hc`]), /malformed --dsn/);
    expectCannotRun(await runCli(['--dsn', `mysql://hc:${SECRET}@127.0.0.1:3306/hc`]), /malformed --dsn: the scheme must be postgres:\/\//);
    expectCannotRun(await runCli(['--dsn', `postgres://hc:${SECRET}@127.0.0.1:5432/hc?sslmode=sometimes`]), /sslmode must be one of/);
  });

  it('exits 2 when nothing is listening', async () => {
    const port = await findFreePort();
    expectCannotRun(await runCli(['--dsn', `postgres://hc:${SECRET}@127.0.0.1:${port}/hc`]), new RegExp(`nothing is listening at 127\\.0\\.0\\.1:${port}`));
  });

  it('exits 2 on a wrong password (PostgreSQL 15), never printing it', async () => {
    const dsn = `postgres://${pg15.user}:${SECRET}@127.0.0.1:${pg15.port}/${pg15.database}?sslmode=require`;
    expectCannotRun(await runCli(['--dsn', dsn]), new RegExp(`password authentication failed for user "${pg15.user}"`), pg15.password);
  });

  it('exits 2 on sslmode=verify-full without the server CA, and passes with it', async () => {
    expectCannotRun(await runCli(['--dsn', withParams(pg15.dsn, { sslmode: 'verify-full' })]), /TLS verification of .* failed/, pg15.password);
    const ok = await runCli(['--dsn', withParams(pg15.dsn, { sslmode: 'verify-full', sslrootcert: pg15.caCertPath ?? '' }), '--only', 'PG-001']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/PASS\s+1\/1 PG-001/);
    expect(ok.stdout + ok.stderr).not.toContain(pg15.password);
  });

  // The CLI/report contract through the real suite and a real server (core's unit tests hold each rule).
  it('exit 2 on an unreachable endpoint still writes JUnit with one errored testcase, and JSON with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hc-pg-cli-'));
    const port = await findFreePort();
    const r = await runCli(['--dsn', `postgres://hc:${SECRET}@127.0.0.1:${port}/hc`, '--junit', join(dir, 'r.xml'), '--json', join(dir, 'r.json')]);
    expectCannotRun(r, /nothing is listening/);
    expect(r.stdout).toContain(`wrote JUnit report to ${join(dir, 'r.xml')}`);
    const xml = readFileSync(join(dir, 'r.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(1);
    expect(xml).toMatch(/<testsuites [^>]*tests="1" failures="0" errors="1"/);
    expect(xml).toMatch(/<error type="cannot-run" message="[^"]*nothing is listening/);
    const rep = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(rep.conformant).toBe(false);
    expect(rep.cannotRun.reason).toMatch(/nothing is listening/);
    for (const f of ['r.xml', 'r.json']) expect(readFileSync(join(dir, f), 'utf8')).not.toContain(SECRET);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a selection of nothing, an expectations typo and npx-eaten flags exit 2 with one line', async () => {
    expectCannotRun(await runCli(['--only', 'NOPE', '--dsn', pg15.dsn]), /--only NOPE matched no case of @helios-conformance\/postgres \(IDs look like PG-001; see --list\)/, pg15.password);
    expectCannotRun(await runCli(['--area', 'nosucharea', '--dsn', pg15.dsn]), /--area nosucharea matched no case/, pg15.password);
    const dir = mkdtempSync(join(tmpdir(), 'hc-pg-cli-'));
    writeFileSync(join(dir, 'e.json'), JSON.stringify({ expectations: { 'PG-0O3': { expect: 'fail', reason: 'typo' } } }));
    expectCannotRun(await runCli(['--dsn', pg15.dsn, '--expectations', join(dir, 'e.json')]), /names an ID this suite has never had: PG-0O3 \(did you mean PG-003\?\)/, pg15.password);
    expectCannotRun(await runCli([pg15.dsn]), /unexpected argument 'postgres:.*use `npx -- @helios-conformance\/postgres --flags`/, pg15.password);
    rmSync(dir, { recursive: true, force: true });
  });

  it('--shard 1/2 and 2/2 merged say what the unsharded run says (PostgreSQL 15)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hc-pg-cli-'));
    const sel = ['--dsn', pg15.dsn, '--only', 'PG-00*,PG-01*', '--seed', '11'];
    const whole = await runCli([...sel, '--json', join(dir, 'whole.json')]);
    const s1 = await runCli([...sel, '--shard', '1/2', '--json', join(dir, 's1.json')]);
    const s2 = await runCli([...sel, '--shard', '2/2', '--json', join(dir, 's2.json')]);
    const m = await runCli(['merge', join(dir, 's1.json'), join(dir, 's2.json'), '--json', join(dir, 'm.json'), '--junit', join(dir, 'm.xml')]);
    expect(m.code, m.stderr).toBe(whole.code);
    const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const [a, b, p1, p2] = [read('whole.json'), read('m.json'), read('s1.json'), read('s2.json')];
    expect(p1.results.length).toBeGreaterThan(0);
    expect(p2.results.length).toBeGreaterThan(0);
    expect(p1.results.length + p2.results.length).toBe(a.results.length);
    const verdict = (r: any) => ({ conformant: r.conformant, priorities: r.priorities, summary: r.summary, ids: r.results.map((x: any) => [x.id, x.status]) });
    expect(verdict(b)).toEqual(verdict(a));
    expect(b.seedTier).toBe('gold');
    expect(m.stdout).toMatch(/conformant: (yes|no) — P0 must-pass \d+\/\d+.* — suite: PostgreSQL wire \(the seed's Gold ecosystem\)/);
    expect(readFileSync(join(dir, 'm.xml'), 'utf8').match(/<testcase /g)).toHaveLength(a.results.length);
    for (const run of [whole, s1, s2, m]) expect(run.stdout + run.stderr).not.toContain(pg15.password);
    rmSync(dir, { recursive: true, force: true });
  });
});
