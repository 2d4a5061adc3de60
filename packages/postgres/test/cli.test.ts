import { describe, expect, it } from 'vitest';
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
});
