import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { findFreePort, startMariadb, startPglite, startPostgres, type Endpoint } from '@helios-conformance/testbed';
import { postgresCases } from '../src/index.js';
import { cliPath, runCli, type CliRun } from './helpers.js';

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
  const endpoints: Endpoint[] = [];
  let pg15: Endpoint;
  let maria: Endpoint;
  let pglite: Endpoint;
  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error('build the package first: npm run build -w @helios-conformance/postgres');
    [pg15, maria, pglite] = await Promise.all([startPostgres({ tls: true }), startMariadb(), startPglite()]);
    endpoints.push(pg15, maria, pglite);
  });
  afterAll(async () => {
    await Promise.all(endpoints.map((e) => e.stop()));
  });

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
    const dsn = `postgres://hc:${SECRET}@127.0.0.1:${pg15.port}/hc?sslmode=require`;
    expectCannotRun(await runCli(['--dsn', dsn]), /password authentication failed for user "hc"/, pg15.password);
  });

  it('exits 2 when a MariaDB server is on that port', async () => {
    const dsn = `postgres://hc:${maria.password}@127.0.0.1:${maria.port}/hc`;
    expectCannotRun(await runCli(['--dsn', dsn]), new RegExp(`the server at 127\\.0\\.0\\.1:${maria.port} does not speak the PostgreSQL protocol`), maria.password);
  });

  it('exits 2 on sslmode=require against a server without TLS (PGlite)', async () => {
    const dsn = `postgres://postgres:${SECRET}@127.0.0.1:${pglite.port}/postgres?sslmode=require`;
    expectCannotRun(await runCli(['--dsn', dsn]), /sslmode=require but the server at .* does not accept TLS/);
  });

  it('exits 2 on sslmode=verify-full without the server CA, and passes with it', async () => {
    expectCannotRun(await runCli(['--dsn', `${pg15.dsn}?sslmode=verify-full`]), /TLS verification of .* failed/, pg15.password);
    const ok = await runCli(['--dsn', `${pg15.dsn}?sslmode=verify-full&sslrootcert=${encodeURIComponent(pg15.caCertPath ?? '')}`, '--only', 'PG-001']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/PASS\s+1\/1 PG-001/);
    expect(ok.stdout + ok.stderr).not.toContain(pg15.password);
  });
});
