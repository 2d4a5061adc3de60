import { describe, expect, it } from 'vitest';
import { CannotRunError, createRng } from '@helios-conformance/core';
import { formatSecond, progressPrinter, type SecondStats } from '../src/generator/run.js';
import { pointSelect } from '../src/generator/workloads.js';
import { DEFAULT_THRESHOLDS, stressSettings } from '../src/suite.js';
import { resourceSettings } from '../src/cases/resources/settings.js';
import { cpuOver } from '../src/cases/resources/kit.js';
import type { ServerSample, ServerSeries } from '../src/monitor/server-monitor.js';

describe('stress settings', () => {
  it('defaults to the seeds\' thresholds and the ci load; --size full is the seeds\' 5 minutes on 1M rows', () => {
    const ci = stressSettings({});
    expect(ci.thresholds).toEqual(DEFAULT_THRESHOLDS);
    expect(ci.load.durationMs).toBe(5_000);
    const full = stressSettings({ size: 'full' });
    expect(full.load.durationMs).toBe(300_000);
    expect(full.load.rows).toBe(1_000_000);
  });

  it('takes thresholds and durations as options and refuses nonsense with a one-line CannotRunError', () => {
    const s = stressSettings({ duration: '2.5', 't225-p95-ms': '250', 'point-p99-ms': '20' });
    expect(s.load.durationMs).toBe(2_500);
    expect(s.thresholds.t225P95Ms).toBe(250);
    expect(s.thresholds.pointP99Ms).toBe(20);
    expect(() => stressSettings({ duration: 'soon' })).toThrow(CannotRunError);
    expect(() => stressSettings({ size: 'huge' })).toThrow(/--size must be ci or full/);
    expect(() => stressSettings({ 'read-rate': '0' })).toThrow(/--read-rate must be a number from 1/);
  });
});

describe('resource settings', () => {
  it('default to the seed: 10 % growth, 1,000 inserts/s at < 60 % / < 80 % of the machine, 15 % release; the settle and checkpoints scale with --duration', () => {
    const ci = resourceSettings({}, 5_000);
    expect(ci).toMatchObject({ memory: 'anon', t220GrowthPct: 10, t222Rate: 1_000, t222AvgCpuPct: 60, t222PeakCpuPct: 80, t222CpuOf: 'machine', t224ReleasePct: 15, t224SettleMs: 2_500, t226Checkpoints: 1 });
    const full = resourceSettings({}, 300_000);
    expect(full.t224SettleMs).toBe(60_000);
    expect(full.t226Checkpoints).toBe(10);
    expect(() => resourceSettings({ memory: 'vsz' }, 5_000)).toThrow(/--memory must be anon or pss or rss/);
    expect(() => resourceSettings({ 't222-cpu-of': 'socket' }, 5_000)).toThrow(CannotRunError);
  });

  it('CPU: the time-weighted average, and the peak as the highest average over a second, not one short interval', () => {
    const sample = (tMs: number, cpuCorePct: number | null): ServerSample => ({ tMs, cpuCorePct, cpuMachinePct: null, processes: 1, rssKb: 1, pssKb: 1, anonKb: 1, shmemKb: 0, connections: null, active: null });
    // 250 ms intervals: one spike of 200 % among 20 %s; a 1-second window holds it with three 20 % intervals.
    const samples = [sample(0, null), ...[20, 20, 20, 200, 20, 20, 20, 20].map((v, i) => sample((i + 1) * 250, v))];
    const series = { samples } as unknown as ServerSeries;
    const c = cpuOver(series, 0, 2_000);
    expect(c.avgCorePct).toBe(42.5);
    expect(c.peakCorePct).toBe(65);
    expect(cpuOver(series, 5_000, 6_000).avgCorePct).toBeNull();
  });
});

describe('seeded workloads', () => {
  it('the same seed draws the same keys; another seed others', () => {
    const w = pointSelect({ table: 't', key: 'id', column: 'v', rows: 1_000_000 });
    const keys = (seed: number): number[] => {
      const r = createRng(seed).next;
      const p: Array<number | string> = [];
      return Array.from({ length: 50 }, () => (w.next(r, p), p[0] as number));
    };
    expect(keys(42)).toEqual(keys(42));
    expect(keys(42)).not.toEqual(keys(43));
    expect(Math.min(...keys(1))).toBeGreaterThanOrEqual(1);
  });
});

describe('progress display', () => {
  const s: SecondStats = { second: 3, warmup: false, completed: 200, errors: 0, backlog: 4, raw: { p50: 0.4, p99: 2.1 }, corrected: { p50: 0.5, p99: 650 }, histograms: { raw: '', corrected: null } };
  const sink = (isTTY: boolean) => {
    let out = '';
    return { isTTY, columns: 200, write: (b: string) => ((out += b), true), get out() { return out; } };
  };

  it('rewrites one line in place on a TTY and ends it with a newline', () => {
    const tty = sink(true);
    const p = progressPrinter(tty as unknown as NodeJS.WritableStream);
    p.onSecond(s);
    p.onSecond({ ...s, second: 4 });
    p.done();
    expect(tty.out.startsWith('\r\x1b[2K')).toBe(true);
    expect(tty.out.split('\n').length).toBe(2);
    expect(tty.out).toContain(formatSecond({ ...s, second: 4 }));
  });

  it('writes plain lines when not a TTY', () => {
    const pipe = sink(false);
    const p = progressPrinter(pipe as unknown as NodeJS.WritableStream);
    p.onSecond(s);
    p.onSecond({ ...s, second: 4 });
    p.done();
    expect(pipe.out).not.toContain('\r');
    expect(pipe.out).toBe(`${formatSecond(s)}\n${formatSecond({ ...s, second: 4 })}\n`);
    expect(formatSecond(s)).toMatch(/200 ops\/s, p50\/p99 corrected 0\.50\/650 ms, raw 0\.40\/2\.10 ms/);
  });
});
