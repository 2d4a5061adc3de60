// The built CLI (dist/cli.js): the catalog, bad options, the one whole-catalog run of this package's
// tests (on the embedded default, which the suite starts itself) and a server without pgvector.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHtml, runCli, SKIP_BROWSER, testServer } from '@helios-conformance/suite-kit';
import { vectorCases } from '../src/index.js';

describe('the CLI (dist/cli.js)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hc-vector-cli-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('--list prints the catalog in catalog order without touching a database', async () => {
    const r = await runCli(['--list']);
    expect(r.code).toBe(0);
    const ids = r.stdout.split('\n').map((l) => /^((?:VEC|PC)-\d{3})\s/.exec(l)?.[1]).filter((id): id is string => id !== undefined);
    expect(ids).toEqual(vectorCases.map((c) => c.id));
  });

  it('a bad --size is exit 2 with one line', async () => {
    const r = await runCli(['--size', 'huge']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--size must be ci or full/);
  });

  it('with no endpoint: a CI-size run on embedded PGlite + pgvector passes, and the JSON carries every section with its plans', async () => {
    const json = path.join(dir, 'embedded.json');
    const html = path.join(dir, 'embedded.html');
    // A generous open budget: PGlite starts slowly on a busy machine.
    const r = await runCli(['--json', json, '--html', html, '--open-timeout-ms', '60000'], { timeoutMs: 280_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.ms).toBeLessThan(180_000);
    expect(r.stdout).toMatch(/PGlite \+ pgvector [\d.]+, embedded/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.summary.fail).toBe(0);
    expect(report.summary.error).toBe(0);
    expect(report.results.map((x: any) => x.id)).toEqual(vectorCases.map((c) => c.id));
    const s = report.sections;
    for (const k of ['recall', 'filtered', 'sweep', 'latency', 'build', 'endpoint']) expect(s[k], k).toBeDefined();
    expect(s.endpoint.simulated).toBe(false);
    expect(Object.keys(s.recall)).toEqual(expect.arrayContaining(['cosine@1', 'cosine@10', 'cosine@100', 'l2@10', 'ip@100', 'ivfflat:l2@10']));
    for (const row of Object.values<any>(s.recall)) expect(row.plan.path).toBe('index');
    // The 1 % filters run as exact scans on PGlite; the report says so and still measures the index path.
    expect(s.filtered['1%:category'].note).toMatch(/exact scan/);
    expect(s.filtered['1%:category'].paths.map((p: any) => p.path)).toEqual(['planner', 'planner+iterative', 'forced-index', 'iterative-scan']);
    expect(s.filtered.seed.judgedPath).toBe('iterative-scan');
    expect(s.sweep['l2@10'].points).toHaveLength(6);
    expect(s.latency.c1.p99).toBeGreaterThan(0);
    expect(report.results.find((x: any) => x.id === 'VEC-041').status).toBe('n/a');
    for (const id of ['PC-001', 'PC-002', 'PC-003', 'PC-004']) expect(report.results.find((x: any) => x.id === id).status, id).toBe('n/a');
    expect(r.stdout).toMatch(/recall\s+by-id\s+tie-safe/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('Filtered recall@10 per selectivity');
    expect(s.sweep['l2@10'].points[0].p95).toBeGreaterThan(0);
    if (SKIP_BROWSER) return;
    // In a real browser at 700 px: three charts drawn, no label outside its chart, no sideways scroll.
    const check = await checkHtml(html, { width: 700, screenshot: path.join(dir, 'embedded.png') });
    expect(check.problems).toEqual([]);
    expect(check.svgs.map((x) => x.label)).toEqual(['recall versus QPS (l2@10)', 'latency percentiles', 'build time']);
  });

  it('PostgreSQL 15 without pgvector: exit 2 with one line saying the extension is missing', async () => {
    const pg15 = testServer('postgres');
    const r = await runCli(['--dsn', pg15.dsn]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^helios-vector: .*has no usable pgvector extension/);
    expect(r.stdout + r.stderr).not.toContain(pg15.password);
  });
});
