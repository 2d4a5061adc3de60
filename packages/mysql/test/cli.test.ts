// The CLI contract: every condition that prevents a run ends with exit 2 and one clear line
// within 10 s, and the password never appears in any output. (Which line each login failure
// gets is the SQL layer's, tested in packages/sql/test/mysql-*.test.ts.)
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { leftoverNamespaces, runCli, testServer, type CliRun } from '@helios-conformance/suite-kit';
import { findFreePort } from '@helios-conformance/testbed';
import { fullRun, verifiedDsn } from './full-run.js';

const SECRET = 'S3cret-Never-Shown';

function expectOneLine(r: CliRun, pattern: RegExp, secret = SECRET): void {
  expect(r.code, `stderr: ${r.stderr}`).toBe(2);
  expect(r.ms).toBeLessThan(10_000);
  const lines = r.stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(pattern);
  expect(lines.at(-1)).toMatch(/^helios-mysql: /);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.stdout + r.stderr).not.toContain(secret);
}

describe('helios-mysql exit 2', () => {
  it('without --dsn says how to get an endpoint', async () => {
    const r = await runCli([]);
    expectOneLine(r, /npx -- @helios-conformance\/testbed up mariadb/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a malformed DSN', async () => {
    expectOneLine(await runCli(['--dsn', `mysql://hc:${SECRET}@[::1/hc`]), /malformed --dsn/);
    expectOneLine(await runCli(['--dsn', `http://hc:${SECRET}@127.0.0.1:3306/hc`]), /scheme must be mysql/);
    expectOneLine(await runCli(['--dsn', `mysql://hc:${SECRET}@127.0.0.1:3306/hc?ssl-mode=maybe`]), /ssl-mode must be one of/);
  });

  it('nothing listening', async () => {
    const port = await findFreePort();
    expectOneLine(await runCli(['--dsn', `mysql://hc:${SECRET}@127.0.0.1:${port}/hc`]), /nothing is listening at 127\.0\.0\.1:\d+/);
  });

  it('a wrong password', async () => {
    const r = await runCli(['--dsn', `mysql://hc:${SECRET}@127.0.0.1:${testServer('mariadb').port}/hc`]);
    expectOneLine(r, /access denied for user "hc".*1045.*check the user and password/);
  });

  it('TLS verification against the wrong CA (none given)', async () => {
    const { port, password } = testServer('mariadb');
    const r = await runCli(['--dsn', `mysql://hc:${encodeURIComponent(password)}@127.0.0.1:${port}/hc?ssl-mode=VERIFY_CA`]);
    expectOneLine(r, /TLS verification .* failed/, password);
  });

  it('a bad expectations file', async () => {
    const r = await runCli(['--dsn', verifiedDsn(), '--expectations', '/nonexistent/x.json']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(testServer('mariadb').password);
  });
});

describe('helios-mysql runs', () => {
  it('exits 0 against MariaDB with the shipped expectations, never printing the password', async () => {
    const { run } = await fullRun();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(testServer('mariadb').password);
  });

  it('exits 1 without them when a case fails', async () => {
    // MY-036 is an expected failure on MariaDB 10.11: the shipped file would apply to this endpoint.
    const fails = await runCli(['--dsn', verifiedDsn(), '--only', 'MY-036', '--no-shipped-expectations']);
    expect(fails.code, fails.stderr).toBe(1);
    const applied = await runCli(['--dsn', verifiedDsn(), '--only', 'MY-036']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).toMatch(/mariadb-10\.11\.json/);
  });
});

describe('helios-mysql interrupted', () => {
  it('Ctrl-C stops the run, drops the run database and exits 130', async () => {
    const child = spawn(process.execPath, ['dist/cli.js', '--dsn', verifiedDsn()], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HC_DSN: '' } });
    let out = '';
    await new Promise<void>((resolve) => {
      const on = (d: Buffer): void => {
        out += d.toString();
        if (/MY-02\d/.test(out)) resolve();
      };
      child.stdout.on('data', on);
      child.stderr.on('data', on);
    });
    const db = /run database (hc_[a-z0-9]+)/.exec(out)?.[1];
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(db).toBeDefined();
    expect(await leftoverNamespaces(testServer('mariadb').dsn)).not.toContain(db);
    expect(out).not.toContain(testServer('mariadb').password);
  });
});
