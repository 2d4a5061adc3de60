// The built CLI against the test server: a short run's exit code, its report (both percentiles,
// the HDR histograms decodable and consistent with the counts), no password anywhere; and the
// one-line refusals (exit 2).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHtml, runCli, SKIP_BROWSER, testServer } from '@helios-conformance/suite-kit';
import { decodeHistogram } from '../src/generator/histogram.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-stress-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ST-001's limits are loosened (the CI machine is loaded and shared): this file checks the CLI and
// is the control of test/mutants.test.ts (the same limits), not the machine's speed.
describe('helios-stress CLI', () => {
  const html = path.join(dir, 'r.html');
  it('runs T220 (--server-pid), T225 and ST-001 against a DSN: exit 0, corrected and raw figures with their histograms, the server series, no password', async () => {
    const server = testServer('postgres');
    const json = path.join(dir, 'r.json');
    // T220 with --server-pid: the option end to end, and the server's series in both reports.
    const run = await runCli(['--dsn', server.dsn, '--only', 'T220,T225,ST-001', '--server-pid', String(server.pid), '--duration', '2', '--warmup', '0.5', '--rows', '10000', '--point-p95-ms', '100', '--point-p99-ms', '250', '--json', json, '--html', html], { timeoutMs: 60_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.results.map((r: { id: string; status: string }) => `${r.id}:${r.status}`)).toEqual(['T220:pass', 'T225:pass', 'ST-001:pass']);
    expect(report.sections.server.T220.series.pid).toBe(server.pid);
    expect(report.sections.server.T220.series.samples.length).toBeGreaterThan(5);
    expect(run.stdout).toMatch(new RegExp(`T220 server \\(pid ${server.pid} from --server-pid, /proc\\): \\d+ samples every \\d+ ms; anon [\\d.]+ → [\\d.]+ MB`));
    expect(readFileSync(html, 'utf8')).toMatch(/<svg[^>]*server memory over time[\s\S]*<svg[^>]*server CPU over time/);
    const readers = report.sections.latency.T225.readers;
    // The control for test/mutants.test.ts: on the same server without the stalling proxy every
    // read the schedule intended (200/s for 2 s) was sent and answered.
    expect(readers.intended).toBeGreaterThan(350);
    expect(readers.completed).toBe(readers.intended);
    expect(readers.dropped + readers.unfinished).toBe(0);
    expect(readers.corrected.p95).toBeGreaterThan(0);
    expect(readers.raw.p95).toBeGreaterThan(0);
    expect(decodeHistogram(readers.histograms.corrected).totalCount).toBe(readers.succeeded);
    expect(report.sections.latency.T225.writers.succeeded).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/T225 latency \(ms\):[\s\S]*corrected\s+p50/);
    expect(readFileSync(html, 'utf8')).toMatch(/<svg[^>]*latency percentile spectrum/);
    for (const text of [run.stdout, run.stderr, readFileSync(json, 'utf8'), readFileSync(html, 'utf8')]) expect(text).not.toContain(server.password);
  });

  it.skipIf(SKIP_BROWSER)('its HTML report with the server charts reads on a 700 px screen (chromium): no clipped label, no sideways scroll', async () => {
    const check = await checkHtml(html, { width: 700 });
    expect(check.problems).toEqual([]);
    expect(check.svgs.map((s) => s.label)).toEqual(expect.arrayContaining(['server memory over time', 'server CPU over time', 'client connections over time']));
  });

  it('without --dsn watches the throwaway server it started: T220 from /proc of the testbed postmaster, which is gone after the run', async () => {
    const json = path.join(dir, 'own.json');
    const run = await runCli(['--only', 'T220', '--duration', '1', '--warmup', '0.2', '--json', json], { timeoutMs: 60_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const series = JSON.parse(readFileSync(json, 'utf8')).sections.server.T220.series;
    expect(series.pidFrom).toBe('testbed');
    expect(series.samples.filter((s: { anonKb: number | null }) => s.anonKb !== null).length).toBeGreaterThan(5);
    // The PID was the server's: the run stopped that server, so no such process is left.
    expect(existsSync(`/proc/${series.pid}`)).toBe(false);
  });

  it('runs T220 (--server-pid: mariadbd), T225, T226 (FLUSH TABLES) and ST-001 over MySQL wire (MariaDB): every scheduled operation answered, a full table, no password', async () => {
    const server = testServer('mariadb');
    const json = path.join(dir, 'my.json');
    const run = await runCli(['--dsn', server.dsn, '--only', 'T220,T225,T226,ST-001', '--server-pid', String(server.pid), '--t224-settle', '1', '--duration', '2', '--warmup', '0.5', '--rows', '12345', '--point-p95-ms', '100', '--point-p99-ms', '250', '--json', json], { timeoutMs: 60_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.results.map((r: { id: string; status: string }) => `${r.id}:${r.status}`)).toEqual(['T220:pass', 'T225:pass', 'T226:pass', 'ST-001:pass']);
    expect(report.sections.server.T220.series.samples.filter((x: { anonKb: number | null }) => x.anonKb !== null).length).toBeGreaterThan(5);
    expect(report.results.find((r: { id: string }) => r.id === 'T226').log.join('\n')).toMatch(/1 FLUSH TABLES: /);
    for (const id of ['T225', 'ST-001']) {
      const readers = report.sections.latency[id].readers;
      expect(readers.family).toBe('mysql');
      expect(readers.intended).toBeGreaterThan(350);
      expect(readers.completed).toBe(readers.intended);
      expect(decodeHistogram(readers.histograms.corrected).totalCount).toBe(readers.succeeded);
    }
    expect(report.sections.latency.T225.writers.succeeded).toBeGreaterThan(0);
    for (const text of [run.stdout, run.stderr, readFileSync(json, 'utf8')]) expect(text).not.toContain(server.password);
  });

  it('refuses an unreachable DSN and a bad option with one line and exit 2', async () => {
    const my = await runCli(['--dsn', 'mysql://u:secretpw@127.0.0.1:1/x'], { timeoutMs: 30_000 });
    expect(my.code).toBe(2);
    expect(my.stderr.trim().split('\n')).toHaveLength(1);
    expect(my.stderr + my.stdout).toMatch(/nothing is listening/);
    expect(my.stderr + my.stdout).not.toContain('secretpw');
    const bad = await runCli(['--dsn', testServer('postgres').dsn, '--duration', 'soon'], { timeoutMs: 30_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr + bad.stdout).toMatch(/--duration must be a number/);
  });

  it('a load longer than the case deadline is an error that names the --timeout-ms it needs, before any load runs', async () => {
    const json = path.join(dir, 'long.json');
    // T223 is left out: it opens and closes sessions, it runs no load of --duration.
    const run = await runCli(['--dsn', testServer('postgres').dsn, '--only', 'T225,T226,ST-001,T221,T227,T228', '--duration', '300', '--timeout-ms', '20000', '--json', json], { timeoutMs: 60_000 });
    expect(run.code).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    for (const r of report.results) {
      expect(r.status).toBe('error');
      expect(r.message).toMatch(/needs about 3\d\d s and its deadline leaves (19|20) s: pass --timeout-ms \d+/);
      expect(r.durationMs).toBeLessThan(5_000);
    }
  });
});
