// The whole catalog against the protocol reference endpoint (an embedded PGlite underneath), then
// against its mutants: each breaks one thing, and the cases that judge that thing must fail. Every
// case appears in MUTANTS, so every case is shown able to fail. Runs are in-process (runSuite), the
// CLI child processes only where the CLI contract itself is checked.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type Report } from '@helios-conformance/core';
import { runCli } from '@helios-conformance/suite-kit';
import { generateTlsMaterial, startPglite, type Endpoint } from '@helios-conformance/testbed';
import { databricksCases, databricksSuite, parseDatabricksDsn, REFERENCE_LABEL, startReferenceEndpoint, type ReferenceEndpoint, type ReferenceMutant } from '../src/index.js';
import { connectDriver, loadDriver } from '../src/target.js';

const TOKEN = 'dapi-hc-Secret-Never-Shown-0123';
let pglite: Endpoint;
let dir: string;
let caFile: string;
let tls: { cert: string; key: string };
const started: ReferenceEndpoint[] = [];

async function endpoint(mutant?: ReferenceMutant): Promise<string> {
  const e = await startReferenceEndpoint({ backendDsn: pglite.dsn, token: TOKEN, tls, ...(mutant ? { mutant } : {}) });
  started.push(e);
  return `databricks://token:${TOKEN}@127.0.0.1:${e.port}${e.path}?ca=${encodeURIComponent(caFile)}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hc-databricks-'));
  const [pg, material] = await Promise.all([startPglite({ maxConnections: 8 }), generateTlsMaterial('ecdsa')]);
  pglite = pg;
  tls = { cert: material.serverCertPem, key: material.serverKeyPem };
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, material.caCertPem);
}, 60_000);

afterAll(async () => {
  for (const e of started) await e.stop();
  await pglite?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const statuses = (r: Report): Record<string, string> => Object.fromEntries(r.results.map((x) => [x.id, x.status]));

describe('the reference endpoint', () => {
  it('passes every case with column-based row sets and no direct results too', async () => {
    // …and without direct results: every statement is polled, every row fetched with FetchResults.
    const e = await startReferenceEndpoint({ backendDsn: pglite.dsn, token: TOKEN, tls, rowSets: 'column', directResultsWaitMs: 0 });
    started.push(e);
    const report = await runSuite(databricksSuite, { dsn: `databricks://token:${TOKEN}@127.0.0.1:${e.port}${e.path}?ca=${encodeURIComponent(caFile)}`, seed: 1 });
    await e.stop();
    expect(e.calls.directResults).toBeUndefined();
    expect(e.calls.FetchResults).toBeGreaterThan(10);
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id} ${r.status}: ${r.message}`)).toEqual([]);
    // DB-006 logs its rows: column-based row sets give DATE as a string, Arrow as a Date.
    expect(report.results.find((r) => r.id === 'DB-006')?.log?.join('\n')).toMatch(/"d":"2024-02-29"/);
  }, 120_000);

  it('passes every case with Arrow row sets and direct results, labelled as the protocol reference endpoint, and drops its schema', async () => {
    const dsn = await endpoint();
    const report = await runSuite(databricksSuite, { dsn, seed: 1 });
    const failed = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id} ${r.status}: ${r.message}`);
    expect(failed).toEqual([]);
    expect(report.results).toHaveLength(databricksCases.length);
    expect(report.target.server).toContain(REFERENCE_LABEL);
    expect((report.sections as any).endpoint).toMatchObject({ reference: true, label: REFERENCE_LABEL });
    expect(JSON.stringify(report)).not.toContain(TOKEN);
    // Statements that end quickly are answered with their results (direct results, as a warehouse
    // does); DB-009's 50,000 rows still needed FetchResults pages (a page holds at most 20,000 rows).
    expect(started.at(-1)?.calls.directResults).toBeGreaterThan(10);
    expect(started.at(-1)?.calls.FetchResults).toBeGreaterThanOrEqual(2);
    expect(report.results.find((r) => r.id === 'DB-006')?.log?.join('\n')).toMatch(/"d":"2024-02-29T00:00:00.000Z"/);
    // DB-016 passed because the closed session's handle was refused, and no statement ran on it.
    expect(report.results.find((r) => r.id === 'DB-016')?.metrics).toMatchObject({ answer: 'INVALID_HANDLE_STATUS' });
    expect(started.at(-1)?.calls.closedSessionServed).toBeUndefined();
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: pglite.dsn });
    await c.connect();
    const left = await c.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hc\\_%'");
    await c.end();
    expect(left.rows).toEqual([]);
    await started.at(-1)?.stop();
  }, 120_000);
});

describe('the reference endpoint with sessionIdleTimeoutMs', () => {
  it('keeps a session in use, ends one left idle: the driver is then answered INVALID_HANDLE_STATUS naming the session', async () => {
    const e = await startReferenceEndpoint({ backendDsn: pglite.dsn, token: TOKEN, tls, sessionIdleTimeoutMs: 1_000 });
    started.push(e);
    const conn = await connectDriver(loadDriver(), parseDatabricksDsn(`databricks://token:${TOKEN}@127.0.0.1:${e.port}${e.path}?ca=${encodeURIComponent(caFile)}`), { timeoutMs: 10_000 });
    try {
      const select = async (): Promise<unknown> => {
        const op = await conn.session.executeStatement('SELECT 1 AS one');
        try {
          return await op.fetchAll();
        } finally {
          await op.close().catch(() => undefined);
        }
      };
      // Requests 300 ms apart keep it open, well inside the 1 s idle limit …
      for (let i = 0; i < 3; i++) {
        expect(await select()).toEqual([{ one: 1 }]);
        await sleep(300);
      }
      expect(e.calls.sessionsExpired).toBeUndefined();
      // … 1.3 s without one end it.
      await sleep(1_300);
      await expect(select()).rejects.toMatchObject({ name: 'Status Error', message: expect.stringMatching(/^Invalid SessionHandle: [0-9a-f-]{36} is not an open session/) });
      expect(e.calls.sessionsExpired).toBe(1);
    } finally {
      await conn.close();
      await e.stop();
    }
  });
});

// Mutant → the cases it must make fail.
const MUTANTS: Array<[ReferenceMutant, string[]]> = [
  ['short-fetch', ['DB-003', 'DB-009']],
  ['ignore-binds', ['DB-002', 'DB-004', 'DB-005', 'DB-006']],
  ['types-as-strings', ['DB-001', 'DB-007', 'DB-008']],
  ['bare-errors', ['DB-010', 'DB-011']],
  ['any-token', ['DB-012']],
  ['drop-session-conf', ['DB-014']],
  ['close-fails', ['DB-015']],
  ['closed-session-served', ['DB-016']],
  // Last: the statement it lets run on holds PGlite's one backend until the late cancel applies.
  ['late-cancel', ['DB-013']],
];

// Mutants whose failures must also say what they broke, and the endpoint's count of what the mutant did.
const PROOF: Partial<Record<ReferenceMutant, { message: RegExp; counter: string }>> = {
  'closed-session-served': { message: /answered SUCCESS_STATUS \(operation FINISHED_STATE\) and the statement ran on a closed session: its marker row is in hc_\w+\.db016_closed_session/, counter: 'closedSessionServed' },
};

describe('mutant endpoints', () => {
  it('every case is judged by some mutant', () => {
    expect(MUTANTS.flatMap(([, ids]) => ids).sort()).toEqual(databricksCases.map((c) => c.id).sort());
  });

  it.each(MUTANTS)('%s makes %j fail', async (mutant, ids) => {
    const dsn = await endpoint(mutant);
    const report = await runSuite(databricksSuite, { dsn, only: ids, seed: 1 });
    const got = statuses(report);
    const e = started.at(-1);
    // PGlite serves a few sockets only: each endpoint's pool is ended before the next one starts.
    await e?.stop();
    expect(got, JSON.stringify(report.results.map((r) => [r.id, r.status, r.message]))).toEqual(Object.fromEntries(ids.map((id) => [id, 'fail'])));
    const proof = PROOF[mutant];
    if (proof) {
      for (const r of report.results) expect(r.message).toMatch(proof.message);
      expect(e?.calls[proof.counter]).toBeGreaterThan(0);
    }
  }, 60_000);
});

describe('helios-databricks exit 2 against a live endpoint', () => {
  it('a wrong token: one line, the token never shown', async () => {
    const dsn = (await endpoint()).replace(TOKEN, 'dapi-Wrong-Token-Never-Shown');
    const r = await runCli(['--dsn', dsn]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^helios-databricks: authentication failed: .* answered HTTP 401 to OpenSession; check the token/);
    expect(r.stdout + r.stderr).not.toMatch(/Never-Shown/);
    await started.at(-1)?.stop();
  });

  it('a certificate the driver cannot verify (no ?ca=): one line naming TLS', async () => {
    const dsn = (await endpoint()).replace(/\?ca=.*$/, '');
    const r = await runCli(['--dsn', dsn]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^helios-databricks: TLS verification of 127\.0\.0\.1:\d+ failed .*\?ca=FILE/);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    await started.at(-1)?.stop();
  });
});

describe('@helios-conformance/databricks/vitest', () => {
  // suite-kit's runVitest waits synchronously, which would stall this process's endpoint: spawn instead.
  it('registers one test per case, named by ID, with expectations applied', async () => {
    const dsn = await endpoint();
    const fixture = fileURLToPath(new URL('./fixtures/vitest-binding/', import.meta.url));
    const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
    const out = join(dir, 'binding.json');
    const child = spawn(process.execPath, [vitestBin, 'run', '--reporter=json', `--outputFile=${out}`], { cwd: fixture, env: { ...process.env, HC_BINDING_DSN: dsn }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    await started.at(-1)?.stop();
    expect(code, output).toBe(0);
    const json = readFileSync(out, 'utf8');
    const tests = (JSON.parse(json) as { testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }> }).testResults.flatMap((f) => f.assertionResults);
    expect(Object.fromEntries(tests.map((t) => [t.title.split(' ')[0], t.status]))).toEqual({ 'DB-001': 'passed', 'DB-004': 'passed', 'DB-012': 'skipped' });
    expect(output + json).not.toContain(TOKEN);
  }, 90_000);
});
