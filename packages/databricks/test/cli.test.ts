// The CLI contract: without --dsn a full run against the embedded reference endpoint, labelled on the
// first line and in every report; bad input and unreachable endpoints end with exit 2 and one line
// within 10 s, and a token never appears in any output.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '@helios-conformance/suite-kit';
import { findFreePort } from '@helios-conformance/testbed';

const SECRET = 'dapi-S3cret-Never-Shown';
const dir = mkdtempSync(join(tmpdir(), 'hc-databricks-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectOneLine(r: CliRun, pattern: RegExp): void {
  expect(r.code, `stderr: ${r.stderr}`).toBe(2);
  expect(r.ms).toBeLessThan(10_000);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^helios-databricks: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout + r.stderr).not.toContain(SECRET);
}

describe('helios-databricks without --dsn', () => {
  // The seed's cases only: the whole catalog runs against the same endpoint in reference.test.ts.
  it('runs against the reference endpoint, labelled everywhere, token never shown', async () => {
    const json = join(dir, 'r.json');
    const html = join(dir, 'r.html');
    const r = await runCli(['--only', 'DB-001,DB-002,DB-003', '--json', json, '--html', html]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const first = (r.stdout + r.stderr).split('\n').find((l) => l.trim()) ?? '';
    expect(first).toMatch(/target: protocol reference endpoint, not verified against Databricks/);
    expect(r.stdout).toMatch(/NOTE: protocol reference endpoint, not verified against Databricks/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.summary).toMatchObject({ pass: 3, fail: 0, error: 0 });
    expect(report.target.server).toMatch(/not verified against Databricks/);
    expect(report.sections.endpoint).toMatchObject({ reference: true, label: 'protocol reference endpoint, not verified against Databricks' });
    expect(readFileSync(html, 'utf8')).toMatch(/protocol reference endpoint, not verified against Databricks/);
    // The embedded endpoint's token is random (hc-<32 hex>): it must not reach any output.
    for (const text of [r.stdout, r.stderr, readFileSync(json, 'utf8'), readFileSync(html, 'utf8')]) expect(text).not.toMatch(/hc-[0-9a-f]{32}/);
  }, 120_000);
});

describe('helios-databricks exit 2', () => {
  // The DSN parser's other refusals are unit-tested (translate.unit.test.ts); one child run shows the path to exit 2.
  it('a malformed DSN, a typo in a flag', async () => {
    expectOneLine(await runCli(['--dsn', `databricks://token:${SECRET}@127.0.0.1:8443`]), /no HTTP path/);
    expectOneLine(await runCli(['--dns', `databricks://token:${SECRET}@127.0.0.1/x`]), /Unknown option '--dns'.*did you mean --dsn\?/);
  });

  it('nothing listening', async () => {
    const port = await findFreePort();
    expectOneLine(await runCli(['--dsn', `databricks://token:${SECRET}@127.0.0.1:${port}/sql/1.0/warehouses/x`]), /nothing is listening at 127\.0\.0\.1:\d+/);
  });

  it('a port that accepts and never answers (bounded by --open-timeout-ms)', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const { port } = silent.address() as { port: number };
    try {
      expectOneLine(await runCli(['--dsn', `databricks://token:${SECRET}@127.0.0.1:${port}/sql/1.0/warehouses/x`, '--open-timeout-ms', '3000']), /no answer|could not open the endpoint within/);
    } finally {
      silent.close();
    }
  });
});
