// The second way to run the suite: registered in someone else's vitest run (against the
// reference endpoint's fetch-short mutant, with an expectations file that names SF-003's failure).
// The endpoint runs in this process, so the nested vitest is spawned asynchronously (the kit's
// runVitest waits synchronously and would stall the endpoint it talks to).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer, type VitestTest } from '@helios-conformance/suite-kit';
import { startReferenceEndpoint, type ReferenceEndpoint } from '../src/index.js';

const fixture = fileURLToPath(new URL('./fixtures/vitest-binding/', import.meta.url));
const vitestBin = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const SECRET = 'Binding-S3cret-Never-Shown';
let endpoint: ReferenceEndpoint;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hc-snowflake-binding-'));
  endpoint = await startReferenceEndpoint({ backendDsn: testServer('pglite').dsn, user: 'helios', password: SECRET, mutant: 'fetch-short' });
});
afterAll(async () => {
  await endpoint?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `vitest run` in the fixture with the JSON reporter; killed after 90 s. */
function nestedVitest(env: Record<string, string>): Promise<{ code: number | null; output: string; json: string; tests: VitestTest[] }> {
  const out = path.join(dir, 'report.json');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestBin, 'run', '--reporter=json', `--outputFile=${out}`], { cwd: fixture, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json = '';
      try {
        json = readFileSync(out, 'utf8');
      } catch {
        // no report: the run failed before writing one (its output says why)
      }
      const tests = json ? (JSON.parse(json) as { testResults: Array<{ assertionResults: VitestTest[] }> }).testResults.flatMap((f) => f.assertionResults) : [];
      resolve({ code, output, json, tests });
    });
  });
}

describe('@helios-conformance/snowflake/vitest', () => {
  it('registers one test per case, named by ID, with expectations applied', async () => {
    const r = await nestedVitest({ HC_BINDING_DSN: endpoint.dsn() });
    expect(r.code, r.output).toBe(0);
    const byId = Object.fromEntries(r.tests.map((t) => [t.title.split(' ')[0], `${t.status}/${t.meta?.conformance}`]));
    expect(byId).toEqual({ 'SF-001': 'passed/pass', 'SF-003': 'passed/xfail' });
    expect(endpoint.mutations(), 'the mutant never acted').toBeGreaterThan(0);
    expect(r.output + r.json).not.toContain(SECRET);
  });
});
