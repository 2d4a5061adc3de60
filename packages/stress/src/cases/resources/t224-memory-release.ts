import { defineStressCase, keyed, openLoop, requireTimeFor } from '../../_internal/case-kit.js';
import { median } from '../../monitor/server-monitor.js';
import { brief } from '../seed/t225-query-latency.js';
import { appendTable, insertSql, mb, memories, pause, requireProcessFigures, watchServer, within } from './kit.js';

/** T224: once the load stops and its sessions are gone, the server gives its memory back. */
export const memoryReleaseAfterStress = defineStressCase({
  id: 'T224',
  title: 'memory release after stress: after the writers stop and disconnect, the server\'s memory returns to within 15 % of its baseline',
  priority: 'p1',
  area: 'resources',
  since: '0.1.0',
  spec: 'kalamdb-testing-strategy.md T224 (final memory within 15 % of the baseline after the load stops and a wait for cleanup)',
  async run(ctx) {
    requireProcessFigures(ctx);
    const { load, resources: rs } = ctx.target;
    const baselineMs = Math.max(1_000, 4 * rs.sampleMs);
    requireTimeFor(ctx, 5_000 + baselineMs + rs.t224SettleMs);
    const table = await appendTable(ctx, 't224_writes');
    const { run, finish } = await watchServer(ctx);
    // Baseline: the server at rest, before the load's sessions exist.
    await pause(ctx, baselineMs);
    const loadFrom = run.now();
    run.mark('load');
    const w = await openLoop(ctx, {
      workload: keyed(insertSql(table), load.rows),
      connections: load.writers,
      ratePerSec: load.writeRate,
      seed: ctx.seed ^ 0x7224,
    });
    // openLoop has closed its connections: what the server holds from now on, it kept.
    const loadTo = run.now();
    run.mark('stopped');
    await pause(ctx, rs.t224SettleMs);
    const series = await run.stop();
    const base = median(memories(within(series, -1, loadFrom), rs.memory));
    const during = memories(within(series, loadFrom, loadTo), rs.memory);
    const settle = memories(within(series, loadTo, Infinity), rs.memory);
    const peak = during.length ? Math.max(...during) : null;
    // The lowest sample of the settle: memory that was given back is back at some point, and a
    // transient process starting meanwhile (an autovacuum worker) cannot hide that; a leak stays in every sample.
    const after = settle.length ? Math.min(...settle) : null;
    const abovePct = base && after !== null ? Math.round(((after - base) / base) * 1000) / 10 : null;
    const releasedPct = base !== null && peak !== null && after !== null && peak > base ? Math.round(((peak - after) / (peak - base)) * 1000) / 10 : null;
    const judged = { memory: rs.memory, baselineKb: base, peakKb: peak, afterKb: after, abovePct, releasedPct, limitPct: rs.t224ReleasePct, settleMs: rs.t224SettleMs };
    await finish(judged);
    ctx.metric('memory', judged);
    ctx.metric('writers', brief(w));
    ctx.log(`server ${rs.memory} memory: baseline ${mb(base)}, peak ${mb(peak)}, ${rs.t224SettleMs / 1000} s after the load ${mb(after)} (${abovePct ?? '-'} % above the baseline, limit ${rs.t224ReleasePct} %)`);

    const writeErrors = w.completed - w.succeeded;
    if (writeErrors > 0) ctx.fail(`${writeErrors} of ${w.completed} writes failed: ${JSON.stringify(w.errors)} (${Object.values(w.errorMessages)[0] ?? ''})`);
    if (base === null || after === null) throw new Error('too few memory samples before or after the load: pass a smaller --sample-ms or a longer --t224-settle');
    if (abovePct! > rs.t224ReleasePct) {
      ctx.fail(`${rs.t224SettleMs / 1000} s after the load stopped the server's ${rs.memory} memory is ${mb(after)}, ${abovePct} % above its baseline ${mb(base)} (peak ${mb(peak)}), the limit is ${rs.t224ReleasePct} %`);
    }
  },
});
