// The generator against the real test server: it keeps its schedule and bounds, counts errors by
// SQLSTATE instead of timing them, and survives the endpoint dropping every connection.
import { describe, expect, it } from 'vitest';
import { startProxy, testServer } from '@helios-conformance/suite-kit';
import { decodeHistogram } from '../src/generator/histogram.js';
import { pgLoadDriver } from '../src/generator/pg-load.js';
import { runLoad } from '../src/generator/run.js';
import type { Workload } from '../src/generator/driver.js';

const constant = (sql: string): Workload => ({
  statements: [{ sql, params: ['int4'] }],
  next(random, params) {
    params[0] = 1 + Math.floor(random() * 1000);
    return 0;
  },
});

describe('runLoad on PostgreSQL 15', () => {
  it('open loop: sends what the schedule intends after the warm-up, every one answered, and the histograms hold exactly the successes', async () => {
    const driver = await pgLoadDriver(testServer('postgres').dsn);
    const t0 = performance.now();
    const r = await runLoad({ driver, workload: constant('SELECT $1::int + 1'), connections: 2, mode: 'open', ratePerSec: 500, durationMs: 2_000, warmupMs: 500, seed: 7 });
    const elapsed = performance.now() - t0;
    // 500/s over the 1.5 s after the warm-up (the schedule's ticks are exact, so ±1).
    expect(Math.abs(r.intended! - 750)).toBeLessThanOrEqual(1);
    expect(r.completed).toBe(r.intended);
    expect(r.succeeded).toBe(r.completed);
    expect(r.dropped + r.unfinished).toBe(0);
    expect(decodeHistogram(r.histograms.raw).totalCount).toBe(r.succeeded);
    expect(decodeHistogram(r.histograms.corrected!).totalCount).toBe(r.succeeded);
    // Measured from the intended start, an operation is never faster than from its send.
    expect(r.corrected!.p50!).toBeGreaterThanOrEqual(r.raw.p50!);
    expect(r.timeline.length).toBeGreaterThanOrEqual(1);
    expect(elapsed).toBeLessThan(2_000 + 2_000 + 1_000);
  });

  it('counts a statement the server refuses under its SQLSTATE, never as a latency or as goodput', async () => {
    const driver = await pgLoadDriver(testServer('postgres').dsn);
    const r = await runLoad({ driver, workload: constant('SELECT 1 / ($1 - $1)'), connections: 2, mode: 'closed', inFlightPerConnection: 4, durationMs: 800, seed: 1 });
    expect(r.completed).toBeGreaterThan(10);
    expect(r.succeeded).toBe(0);
    expect(r.errors).toEqual({ '22012': r.completed });
    expect(r.errorMessages['22012']).toMatch(/division by zero/);
    expect(r.goodput).toBe(0);
    expect(r.raw.count).toBe(0);
  });

  it('ends within its bounds when the endpoint resets every connection mid-run, reporting the losses', async () => {
    const server = testServer('postgres');
    const proxy = await startProxy({ family: 'postgres', upstream: server });
    try {
      const driver = await pgLoadDriver(proxy.dsnVia(server.dsn));
      const killer = setTimeout(() => proxy.kill(), 700);
      const t0 = performance.now();
      // 20 ms a statement: 3 connections serve 150/s of the 300/s offered, so every connection has
      // an operation in flight when the reset comes (and the backlog overflows before and after it).
      const r = await runLoad({ driver, workload: constant('SELECT pg_sleep(0.02), $1::int'), connections: 3, mode: 'open', ratePerSec: 300, durationMs: 1_500, seed: 3, drainMs: 500, maxBacklog: 50 });
      clearTimeout(killer);
      expect(performance.now() - t0).toBeLessThan(1_500 + 500 + 1_000);
      expect(r.succeeded).toBeGreaterThan(0);
      expect(r.errors['connection-lost']).toBe(3);
      // After the reset nothing can be sent: the schedule's operations are dropped and counted.
      expect(r.dropped).toBeGreaterThan(0);
      expect(r.corrected!.count).toBe(r.succeeded + r.dropped + r.unfinished);
    } finally {
      await proxy.stop();
    }
  });
});
