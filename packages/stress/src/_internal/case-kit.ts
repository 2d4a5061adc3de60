// What the stress cases share: the case constructor, a keyed table filled in one statement, the
// load runs with the target's settings, and the report section they record into.
import { defineCase, type Case, type CaseContext, type CaseDefinition } from '@helios-conformance/core';
import type { LoadResult, LoadOptions } from '../generator/run.js';
import { runLoad } from '../generator/run.js';
import type { Workload } from '../generator/driver.js';
import type { StressTarget } from '../target.js';

/** A stress case: core's `defineCase` bound to the stress target. */
export function defineStressCase(def: CaseDefinition<StressTarget>): Case<StressTarget> {
  return defineCase<StressTarget>(def);
}

/** The context a stress case receives. */
export type StressContext = CaseContext<StressTarget>;

/**
 * Throws (the case ends as `error`) when the case deadline cannot hold the configured load
 * (warm-up, measured window, drain and `setupMs`): a load cut off by the deadline would be judged
 * on part of its window. Says which --timeout-ms would do.
 */
export function requireTimeFor(ctx: StressContext, setupMs: number): void {
  const { load } = ctx.target;
  const needed = load.warmupMs + load.durationMs + DRAIN_MS + setupMs;
  if (ctx.remainingMs() < needed) {
    throw new Error(`this case's load needs about ${Math.ceil(needed / 1000)} s and its deadline leaves ${Math.floor(ctx.remainingMs() / 1000)} s: pass --timeout-ms ${Math.ceil((needed * 1.2) / 1000) * 1000} or a shorter --duration`);
  }
}

/** How long a load run waits for answers still in flight after its schedule. */
export const DRAIN_MS = 2_000;

/**
 * Creates `name` in the run's namespace as (id int primary key, v int, pad text) with ids 1..rows,
 * dropped after the case. Returns the qualified name.
 */
export async function keyedTable(ctx: StressContext, name: string, rows: number): Promise<string> {
  const { endpoint } = ctx.target;
  const table = endpoint.qualify(name);
  const s = await endpoint.open(ctx.signal);
  ctx.defer(() => s.close());
  ctx.defer(async () => {
    const d = await endpoint.open();
    try {
      await d.query(`DROP TABLE IF EXISTS ${table}`);
    } finally {
      await d.close();
    }
  });
  const n = Math.floor(rows);
  if (endpoint.dialect === 'mysql') {
    await s.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int NOT NULL, pad varchar(100) NOT NULL) ENGINE=InnoDB`, [], ctx.signal);
    // No generate_series (and MySQL's recursive CTEs stop at 1000 rows by default): digits cross-joined.
    const digits = '(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
    const places = Math.max(1, Math.ceil(Math.log10(n + 1)));
    const from = Array.from({ length: places }, (_, i) => `${digits} p${i}`).join(' CROSS JOIN ');
    const id = Array.from({ length: places }, (_, i) => `p${i}.d * ${10 ** i}`).join(' + ');
    await s.query(`INSERT INTO ${table} (id, v, pad) SELECT ${id} + 1, 0, REPEAT('x', 80) FROM ${from} WHERE ${id} < ${n}`, [], ctx.signal);
    await s.query(`ANALYZE TABLE ${table}`, [], ctx.signal);
  } else {
    await s.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int NOT NULL, pad text NOT NULL)`, [], ctx.signal);
    await s.query(`INSERT INTO ${table} SELECT g, 0, repeat('x', 80) FROM generate_series(1, ${n}) g`, [], ctx.signal);
    await s.query(`ANALYZE ${table}`, [], ctx.signal);
  }
  // A short table would turn point queries into misses that look fast.
  const { rows: counted } = await s.query(`SELECT count(*) AS n FROM ${table}`, [], ctx.signal);
  const got = Number((counted[0] as { n: unknown } | undefined)?.n);
  if (got !== n) throw new Error(`${table} holds ${got} rows after the fill, not ${n}`);
  return table;
}

/** Statements on `table` keyed by a uniformly random id in 1..rows (`$1`). */
export function keyed(sql: string, rows: number): Workload {
  return {
    statements: [{ sql, params: ['int4'] }],
    next(random, params) {
      params[0] = 1 + Math.floor(random() * rows);
      return 0;
    },
  };
}

/** An open-loop run with the target's driver, bounded by the case deadline as well as by its duration. */
export function openLoop(ctx: StressContext, o: Pick<LoadOptions, 'workload' | 'connections' | 'ratePerSec' | 'seed'> & Partial<LoadOptions>): Promise<LoadResult> {
  const { load } = ctx.target;
  return runLoad({
    driver: ctx.target.driver,
    mode: 'open',
    durationMs: load.warmupMs + load.durationMs,
    warmupMs: load.warmupMs,
    drainMs: DRAIN_MS,
    signal: ctx.signal,
    ...o,
    // Shards of one run share --seed: each draws its own keys.
    seed: ctx.target.shard ? (o.seed + ctx.target.shard.index * 0x9e3779b1) >>> 0 : o.seed,
  });
}

/** The `latency` report section: each case's load results, keyed by case ID. */
export function recordLatency(ctx: StressContext, figures: Record<string, unknown>): void {
  const section = (ctx.target.sections.latency ??= {}) as Record<string, unknown>;
  section[ctx.id] = figures;
}

/** `12.3 ms`, or `-` when nothing was measured. */
export function msText(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : `${v} ms`;
}
