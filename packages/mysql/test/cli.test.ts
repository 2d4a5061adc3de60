// The CLI contract: every condition that prevents a run ends with exit 2 and one clear line
// within 10 s, and the password never appears in any output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startMariadb, startPostgres, stopAll, type Endpoint } from '@helios-conformance/testbed';
import { runCli, verifiedDsn, MARIADB_EXPECTATIONS } from './helpers.js';

const SECRET = 'S3cret-Never-Shown';

let maria: Endpoint;
let plain: Endpoint;
let pg: Endpoint;

beforeAll(async () => {
  [maria, plain, pg] = await Promise.all([startMariadb({ tls: true }), startMariadb({ tls: false }), startPostgres({ tls: false })]);
});
afterAll(async () => {
  await stopAll();
});

function expectOneLine(r: { code: number | null; stdout: string; stderr: string; ms: number }, pattern: RegExp, secret = SECRET): void {
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
    expectOneLine(r, /npx @helios-conformance\/testbed up mariadb/);
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
    const r = await runCli(['--dsn', `mysql://hc:${SECRET}@127.0.0.1:${maria.port}/hc`]);
    expectOneLine(r, /access denied for user "hc".*1045.*check the user and password/);
  });

  it('the right password is never printed either', async () => {
    const r = await runCli(['--dsn', verifiedDsn(maria), '--only', 'MY-001', '--json', '/dev/null']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(maria.password);
  });

  it('a PostgreSQL server on that port', async () => {
    const r = await runCli(['--dsn', `mysql://hc:${SECRET}@127.0.0.1:${pg.port}/hc`]);
    expectOneLine(r, /does not speak the MySQL protocol \(it is a PostgreSQL server/);
  });

  it('TLS required but not offered', async () => {
    const r = await runCli(['--dsn', `mysql://hc:${encodeURIComponent(plain.password)}@127.0.0.1:${plain.port}/hc?ssl-mode=REQUIRED`]);
    expectOneLine(r, /ssl-mode=REQUIRED but the server at .* does not offer TLS/, plain.password);
  });

  it('TLS verification against the wrong CA (none given)', async () => {
    const r = await runCli(['--dsn', `mysql://hc:${encodeURIComponent(maria.password)}@127.0.0.1:${maria.port}/hc?ssl-mode=VERIFY_CA`]);
    expectOneLine(r, /TLS verification .* failed/, maria.password);
  });

  it('a bad expectations file', async () => {
    const r = await runCli(['--dsn', verifiedDsn(maria), '--expectations', '/nonexistent/x.json']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(maria.password);
  });
});

describe('helios-mysql runs', () => {
  it('exits 0 against MariaDB with the shipped expectations (p0 only) and 1 without them when a case fails', async () => {
    const ok = await runCli(['--dsn', verifiedDsn(maria), '--priority', 'p0', '--expectations', MARIADB_EXPECTATIONS]);
    expect(ok.code, ok.stderr).toBe(0);
    const fails = await runCli(['--dsn', verifiedDsn(maria), '--only', 'MY-036']);
    expect(fails.code).toBe(1);
  });
});

describe('helios-mysql interrupted', () => {
  it('Ctrl-C stops the run, drops the run database and exits 130', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('./helpers.js');
    const child = spawn(process.execPath, [CLI, '--dsn', verifiedDsn(maria)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HC_DSN: undefined } });
    let out = '';
    const seen = new Promise<void>((resolve) => {
      const on = (d: Buffer): void => {
        out += d.toString();
        if (/MY-02\d/.test(out)) resolve();
      };
      child.stdout.on('data', on);
      child.stderr.on('data', on);
    });
    await seen;
    const db = /run database (hc_[a-z0-9]{8})/.exec(out)?.[1];
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(db).toBeDefined();
    const mysql = await import('mysql2/promise');
    const conn = await mysql.createConnection({ host: maria.host, port: maria.port, user: maria.user, password: maria.password });
    try {
      const [rows] = await conn.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'hc\\_%'");
      expect(rows).toEqual([]);
    } finally {
      await conn.end();
    }
    expect(out).not.toContain(maria.password);
  });
});
