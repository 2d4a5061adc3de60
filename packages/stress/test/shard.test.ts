// Beyond one machine: two shards of one load run as separate processes (as a CI matrix or an
// Indexed Job would run them) against the test server, then `merge`. Each shard offers half the
// rate on its share of the connections; the merge adds the shards' histograms (every latency
// counted once, percentiles read from the sum, never averaged), sums counts and rates, and judges
// T225 and ST-001 again on the merged figures. Shards of different loads are refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, testServer, type CliRun } from '@helios-conformance/suite-kit';
import { decodeHistogram, newHistogram } from '../src/generator/histogram.js';
import { judgePointQuery } from '../src/cases/latency/point-query.js';
import type { LoadResult } from '../src/generator/run.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-stress-shard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Loosened limits: this file checks the merge, not the machine's speed (see cli.test.ts).
const ARGS = ['--seed', '11', '--only', 'T225,ST-001', '--duration', '2', '--warmup', '0.5', '--rows', '5000', '--read-rate', '200', '--connections', '3', '--point-p95-ms', '100', '--point-p99-ms', '250'];
type Report = { results: Array<{ id: string; status: string; message: string | null }>; shard: unknown; sections: { load: Record<string, unknown>; latency: Record<string, { readers: LoadResult; writers?: LoadResult }> } };
const read = (f: string): Report => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Report;

describe('--shard i/n and merge', () => {
  let runs: CliRun[];
  beforeAll(async () => {
    const dsn = testServer('postgres').dsn;
    runs = await Promise.all([1, 2].map((i) => runCli(['--dsn', dsn, ...ARGS, '--shard', `${i}/2`, '--json', path.join(dir, `shard-${i}.json`)], { timeoutMs: 60_000 })));
  }, 90_000);

  it('each shard runs every case with half the rate and its share of the connections', () => {
    for (const [i, run] of runs.entries()) {
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(`shard ${i + 1}/2: every selected case with this shard's part of the load`);
      const r = read(`shard-${i + 1}.json`);
      expect(r.results.map((x) => x.id)).toEqual(['T225', 'ST-001']);
      expect(r.shard).toEqual({ index: i + 1, count: 2 });
      expect(r.sections.load.readRate).toBe(100);
      expect(r.sections.latency['ST-001']!.readers.ratePerSec).toBe(100);
    }
    // 3 connections: 2 + 1; 10 writers: 5 + 5.
    expect([1, 2].map((i) => read(`shard-${i}.json`).sections.latency['ST-001']!.readers.connections)).toEqual([2, 1]);
    expect([1, 2].map((i) => read(`shard-${i}.json`).sections.load.writers)).toEqual([5, 5]);
  });

  it('merge adds the histograms exactly and judges the merged figures', async () => {
    const run = await runCli(['merge', path.join(dir, 'shard-2.json'), path.join(dir, 'shard-1.json'), '--json', path.join(dir, 'merged.json'), '--html', path.join(dir, 'merged.html')], { timeoutMs: 30_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ST-001 latency \(ms\):[\s\S]*200 ops\/s offered, 3 connections/);
    const m = read('merged.json');
    const parts = [read('shard-1.json'), read('shard-2.json')];
    expect(m.shard).toBeNull();
    expect(m.sections.load).toMatchObject({ readRate: 200, readConnections: 3, writers: 10, shards: 2 });
    for (const id of ['T225', 'ST-001']) {
      const merged = m.sections.latency[id]!.readers;
      const each = parts.map((p) => p.sections.latency[id]!.readers);
      for (const k of ['intended', 'sent', 'completed', 'succeeded', 'late', 'dropped'] as const) expect(merged[k], `${id} ${k}`).toBe((each[0]![k] ?? 0) + (each[1]![k] ?? 0));
      // The merged histogram is the sum of the shards' (decoded independently here), and its percentiles are the report's.
      for (const side of ['raw', 'corrected'] as const) {
        const sum = newHistogram();
        for (const e of each) sum.add(decodeHistogram(e.histograms[side]!));
        const got = decodeHistogram(merged.histograms[side]!);
        expect(got.totalCount).toBe(sum.totalCount);
        for (const p of [50, 95, 99]) expect(got.getValueAtPercentile(p), `${id} ${side} p${p}`).toBe(sum.getValueAtPercentile(p));
        expect(merged[side]!.p95).toBe(Math.round(sum.getValueAtPercentile(95)) / 1000);
      }
      // Per second too: each merged second holds both shards' operations of that second.
      const seconds = Math.min(...each.map((e) => e.timeline.length));
      for (let s = 0; s < seconds; s++) expect(merged.timeline[s]!.completed).toBe(each[0]!.timeline[s]!.completed + each[1]!.timeline[s]!.completed);
    }
    const st = m.sections.latency['ST-001']!.readers;
    expect(m.results.find((r) => r.id === 'ST-001')?.status).toBe(judgePointQuery(st, 5000, { t225P50Ms: 100, t225P95Ms: 500, pointP95Ms: 100, pointP99Ms: 250 }) ? 'fail' : 'pass');
  });

  it('judges the merged percentiles, not the shards’ verdicts: the same shards fail together where the limit sits below the merged p95', async () => {
    // The shards ran with a p95 limit of 100 ms. Re-recorded with a limit just under the merged p95
    // (the thresholds travel in each shard's report), the merge must fail ST-001 and name the figure.
    const merged = read('merged.json').sections.latency['ST-001']!.readers;
    const limit = merged.corrected!.p95! - 0.001;
    for (const i of [1, 2]) {
      const r = read(`shard-${i}.json`);
      (r.sections.load.thresholds as Record<string, number>).pointP95Ms = limit;
      writeFileSync(path.join(dir, `tight-${i}.json`), JSON.stringify(r));
    }
    const run = await runCli(['merge', path.join(dir, 'tight-1.json'), path.join(dir, 'tight-2.json'), '--json', path.join(dir, 'tight.json')], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    const st = read('tight.json').results.find((r) => r.id === 'ST-001')!;
    expect(st.status).toBe('fail');
    expect(st.message).toContain(`p95 corrected for coordinated omission is ${merged.corrected!.p95} ms, the limit is ${limit} ms`);
  });

  it('refuses shards of different loads, one line, exit 2', async () => {
    const r = read('shard-2.json');
    r.sections.load.durationMs = 9_000;
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify(r));
    const run = await runCli(['merge', path.join(dir, 'shard-1.json'), path.join(dir, 'other.json')], { timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/the shards ran with different durationMs/);
  });
});
