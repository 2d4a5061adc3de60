import type { SqlSession } from '@helios-conformance/sql';
import { defineStressCase, keyed, openLoop, requireTimeFor } from '../../_internal/case-kit.js';
import { memoryOf } from '../../monitor/server-monitor.js';
import { brief } from '../seed/t225-query-latency.js';
import { appendTable, insertSql, mb, watchServer } from './kit.js';

interface Checkpoint {
  /** ms since the load's clock started. */
  startMs: number;
  ms: number | null;
  outcome: 'done' | 'error' | 'timeout';
  code?: string;
  message?: string;
  /** The server's memory (the judged basis) right after it, where the process figures exist. */
  memoryAfterKb?: number | null;
}

/** T226: CHECKPOINT issued while writers keep a constant write rate. */
export const flushDuringStress = defineStressCase({
  id: 'T226',
  title: 'flush during stress: CHECKPOINT issued while 10 writers keep a constant write rate finishes without error, and no write fails',
  priority: 'p1',
  area: 'resources',
  since: '0.1.0',
  spec: 'kalamdb-testing-strategy.md T226 (periodic flushes under 10 writers: no flush failure; PostgreSQL\'s flush of dirty buffers is CHECKPOINT)',
  async run(ctx) {
    const { load, resources: rs, endpoint } = ctx.target;
    requireTimeFor(ctx, 5_000);
    const table = await appendTable(ctx, 't226_writes');
    const ck: SqlSession = await endpoint.open(ctx.signal);
    ctx.defer(() => ck.close());
    const { run, finish } = await watchServer(ctx);
    const checkpoints: Checkpoint[] = [];
    let clock = 0;
    let chain: Promise<void> = Promise.resolve();
    const timers: NodeJS.Timeout[] = [];
    ctx.defer(() => timers.forEach(clearTimeout));
    // The seed's flush: CHECKPOINT on PostgreSQL (dirty buffers to disk), FLUSH TABLES on MySQL.
    const flushSql = endpoint.dialect === 'mysql' ? 'FLUSH TABLES' : 'CHECKPOINT';
    const codeWord = endpoint.dialect === 'mysql' ? 'error' : 'SQLSTATE';
    const checkpoint = async (): Promise<void> => {
      const t = run.now();
      run.mark('CHECKPOINT');
      const c: Checkpoint = { startMs: t - clock, ms: null, outcome: 'done' };
      checkpoints.push(c);
      const limit = AbortSignal.timeout(rs.t226CheckpointTimeoutMs);
      try {
        await ck.query(flushSql, [], AbortSignal.any([ctx.signal, limit]));
        c.ms = run.now() - t;
      } catch (e) {
        c.ms = run.now() - t;
        if (limit.aborted) c.outcome = 'timeout';
        else {
          const k = endpoint.classify(e);
          Object.assign(c, { outcome: 'error', code: k.code, message: k.message });
        }
      }
      run.mark(`CHECKPOINT ${c.outcome}`);
      if (ctx.target.monitor.unavailable === null) c.memoryAfterKb = memoryOf(await run.sampleNow(), rs.memory);
    };
    const w = await openLoop(ctx, {
      workload: keyed(insertSql(table), load.rows),
      connections: load.writers,
      ratePerSec: load.writeRate,
      seed: ctx.seed ^ 0x7226,
      onClockStart: () => {
        clock = run.now();
        run.mark('load');
        // Spread over the measured window: the k-th of n at (k + ½) / n of it. One at a time:
        // a checkpoint still running when the next is due delays the next.
        for (let k = 0; k < rs.t226Checkpoints; k++) {
          const at = load.warmupMs + (load.durationMs * (k + 0.5)) / rs.t226Checkpoints;
          timers.push(setTimeout(() => void (chain = chain.then(checkpoint)), at));
        }
      },
    });
    timers.forEach(clearTimeout);
    // A checkpoint still running after the load is awaited (bounded by its own timeout).
    await chain;
    await run.stop();

    // Latency of the writes before, during and after the checkpoints: the worst per-second p99
    // (corrected for coordinated omission) of the measured seconds in each phase.
    const spans = checkpoints.map((c) => [c.startMs, c.startMs + (c.ms ?? 0)] as const);
    const phase = { before: [] as number[], during: [] as number[], after: [] as number[] };
    for (const s of w.timeline) {
      if (s.warmup || s.corrected?.p99 === null || s.corrected?.p99 === undefined) continue;
      const [a, b] = [(s.second - 1) * 1000, s.second * 1000];
      if (spans.some(([x, y]) => a < y && x < b)) phase.during.push(s.corrected.p99);
      else if (spans.length && b <= spans[0]![0]) phase.before.push(s.corrected.p99);
      else phase.after.push(s.corrected.p99);
    }
    const worst = (v: number[]): number | null => (v.length ? Math.max(...v) : null);
    const latency = { worstP99Ms: { before: worst(phase.before), during: worst(phase.during), after: worst(phase.after) }, overall: w.corrected };
    const judged = { checkpoints, latency, timeoutMs: rs.t226CheckpointTimeoutMs };
    await finish(judged);
    ctx.metric('checkpoints', checkpoints);
    ctx.metric('latency', latency.worstP99Ms);
    ctx.metric('writers', brief(w));
    const list = checkpoints.map((c) => `${c.outcome} in ${c.ms ?? '-'} ms at ${(c.startMs / 1000).toFixed(1)} s${c.memoryAfterKb !== undefined ? `, memory after ${mb(c.memoryAfterKb)}` : ''}`).join('; ');
    ctx.log(`${checkpoints.length} ${flushSql}: ${list}; write p99 (corrected, worst second) before ${latency.worstP99Ms.before ?? '-'} ms, during ${latency.worstP99Ms.during ?? '-'} ms, after ${latency.worstP99Ms.after ?? '-'} ms`);

    const writeErrors = w.completed - w.succeeded;
    if (writeErrors > 0) ctx.fail(`${writeErrors} of ${w.completed} writes failed during the checkpoints: ${JSON.stringify(w.errors)} (${Object.values(w.errorMessages)[0] ?? ''})`);
    if (checkpoints.length < rs.t226Checkpoints) ctx.fail(`${rs.t226Checkpoints - checkpoints.length} of ${rs.t226Checkpoints} checkpoints were never issued: the load ended before they were due`);
    const late = checkpoints.find((c) => c.outcome === 'timeout');
    if (late) ctx.fail(`${flushSql} issued under load did not finish within ${rs.t226CheckpointTimeoutMs} ms`);
    // 42501 (PostgreSQL), 1227 (MySQL: the RELOAD privilege is missing).
    const denied = checkpoints.find((c) => c.outcome === 'error' && (c.code === '42501' || c.code === '1227'));
    // A role without the privilege says nothing about the endpoint's flushes: not applicable, not a failure.
    if (denied) ctx.notApplicable(`this role may not run ${flushSql} (${codeWord} ${denied.code}: ${denied.message}): connect as a role with pg_checkpoint (PostgreSQL 15+), the RELOAD privilege (MySQL) or a superuser to judge flushes under load`);
    const failed = checkpoints.find((c) => c.outcome === 'error');
    if (failed) ctx.fail(`${flushSql} issued under load failed: ${codeWord} ${failed.code ?? '-'}: ${failed.message}`);
  },
});
