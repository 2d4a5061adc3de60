// The CLI contract: a default run labelled as the reference endpoint everywhere it shows (first
// line, JSON, HTML, summary), exit 1 on a broken endpoint, exit 2 with one clear line within
// 10 s when it cannot run, and the password never in any output or report.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, testServer, type CliRun } from '@helios-conformance/suite-kit';
import { findFreePort, generateTlsMaterial } from '@helios-conformance/testbed';
import { REFERENCE_LABEL, startReferenceEndpoint, type ReferenceEndpoint, type ReferenceTls } from '../src/index.js';

const SECRET = 'Cli-S3cret-Never-Shown';
let dir: string;
let mutant: ReferenceEndpoint;
let wrongHost: ReferenceEndpoint;

/** A throwaway CA (written to a file for ca=) and a server certificate for `names`. */
async function tlsFiles(name: string, names: string[]): Promise<ReferenceTls> {
  const m = await generateTlsMaterial('ecdsa', `hc snowflake cli ${name}`, names);
  const caFile = path.join(dir, `${name}-ca.pem`);
  writeFileSync(caFile, m.caCertPem);
  return { cert: m.serverCertPem, key: m.serverKeyPem, caFile };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hc-snowflake-cli-'));
  // Over HTTPS, the CA given by ca=FILE in the DSN: the CLI's driver trusts it through the DSN alone.
  mutant = await startReferenceEndpoint({ backendDsn: testServer('pglite').dsn, user: 'helios', password: SECRET, mutant: 'fetch-short', tls: await tlsFiles('mutant', ['IP:127.0.0.1']) });
  wrongHost = await startReferenceEndpoint({ backendDsn: testServer('pglite').dsn, user: 'helios', password: SECRET, tls: await tlsFiles('wrong-host', ['DNS:not-this-host.invalid']) });
});
afterAll(async () => {
  await mutant?.stop();
  await wrongHost?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectOneLine(r: CliRun, pattern: RegExp): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(2);
  expect(r.ms).toBeLessThan(10_000);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^helios-snowflake: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stdout + r.stderr).not.toContain(SECRET);
}

describe('helios-snowflake', () => {
  // Every case against the reference endpoint is reference.test.ts (in process); here the CLI's own
  // embedded default (its PGlite child, its endpoint) with a few cases: the chunked result, TLS, and
  // the renewal of its short-lived session tokens.
  it('without --dsn runs against the reference endpoint over HTTPS, labelled in the console, JSON and HTML', async () => {
    const json = path.join(dir, 'default.json');
    const html = path.join(dir, 'default.html');
    const r = await runCli(['--only', 'SF-002,SF-009,SF-013,SF-015', '--json', json, '--html', html], { timeoutMs: 150_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const first = r.stdout.split('\n')[0] as string;
    expect(first).toContain(REFERENCE_LABEL);
    expect(r.stdout).toMatch(new RegExp(`NOTE: ${REFERENCE_LABEL}`));
    expect(r.stdout).toMatch(/^server: Snowflake protocol .*not verified against Snowflake/m);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.summary.pass).toBe(4);
    expect(report.results.map((x: { id: string }) => x.id)).toEqual(['SF-002', 'SF-009', 'SF-013', 'SF-015']);
    // The embedded endpoint's session tokens are short-lived: SF-015 waited one out and saw it renewed.
    expect(report.results[3].metrics).toMatchObject({ validityS: 8, renewed: true });
    expect(report.sections.endpoint).toMatchObject({ reference: true, label: REFERENCE_LABEL });
    expect(readFileSync(html, 'utf8')).toContain(REFERENCE_LABEL);
  });

  it('exits 1 on a mutant endpoint, and the password reaches no output or report', async () => {
    const json = path.join(dir, 'mutant.json');
    const html = path.join(dir, 'mutant.html');
    const r = await runCli(['--dsn', mutant.dsn(), '--only', 'SF-003,SF-001', '--json', json, '--html', html]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*SF-003/);
    expect(r.stdout).toMatch(/PASS .*SF-001/);
    const files = readFileSync(json, 'utf8') + readFileSync(html, 'utf8');
    expect(files).toContain(REFERENCE_LABEL);
    expect(r.stdout + r.stderr + files).not.toContain(SECRET);
  });

  it('exit 2 with one line: wrong password, certificate for another host, nothing listening, not a Snowflake endpoint, bad DSN, typo in a flag, bad --max-token-wait-s', async () => {
    const wrong = mutant.dsn().replace(encodeURIComponent(SECRET), `${SECRET}x`);
    expectOneLine(await runCli(['--dsn', wrong]), /login refused for user "helios" \(390100/);
    expectOneLine(await runCli(['--dsn', wrongHost.dsn()]), /^helios-snowflake: TLS: the certificate of 127\.0\.0\.1:\d+ does not name host "127\.0\.0\.1" \(it names DNS:not-this-host\.invalid\)/);
    const port = await findFreePort();
    expectOneLine(await runCli(['--dsn', `snowflake://u:${SECRET}@127.0.0.1:${port}/DB/PUBLIC?account=a&protocol=http`]), /nothing is listening at 127\.0\.0\.1:\d+/);
    expectOneLine(await runCli(['--dsn', `snowflake://u:${SECRET}@127.0.0.1:${port}/DB?account=a&protocl=http`]), /parameter "protocl" is not known/);
    // Something answers HTTP on the port, but not Snowflake's login.
    const other = createServer((_req, res) => res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html>not here</html>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port: otherPort } = other.address() as AddressInfo;
      expectOneLine(await runCli(['--dsn', `snowflake://u:${SECRET}@127.0.0.1:${otherPort}/DB?account=a&protocol=http`]), /HTTP 404 from the login URL/);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
    expectOneLine(await runCli(['--dns', mutant.dsn()]), /did you mean --dsn/);
    expectOneLine(await runCli(['--dsn', mutant.dsn(), '--max-token-wait-s', 'soon']), /--max-token-wait-s must be a number of seconds \(0 or more\), got "soon"/);
  });
});
