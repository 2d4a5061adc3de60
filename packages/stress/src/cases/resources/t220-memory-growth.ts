import { defineStressCase, keyed, openLoop, requireTimeFor } from '../../_internal/case-kit.js';
import { median } from '../../monitor/server-monitor.js';
import { brief } from '../seed/t225-query-latency.js';
import { appendTable, insertSql, mb, memories, requireProcessFigures, watchServer, within } from './kit.js';

/** T220: the server's memory stays flat while writers keep a constant write rate. */
export const memoryUnderWriteLoad = defineStressCase({
  id: 'T220',
  title: 'memory stability under write load: the server\'s memory grows less than 10 % while 10 writers keep a constant write rate',
  priority: 'p1',
  area: 'resources',
  since: '0.1.0',
  spec: 'kalamdb-testing-strategy.md T220 (memory growth < 10 % over 5 minutes of constant writes from 10 writers)',
  async run(ctx) {
    requireProcessFigures(ctx);
    const { load, resources: rs } = ctx.target;
    requireTimeFor(ctx, 5_000);
    const table = await appendTable(ctx, 't220_writes');
    // At least about five samples in each third of the measured window, however short --duration is.
    const { run, finish } = await watchServer(ctx, { maxIntervalMs: Math.max(50, load.durationMs / 15) });
    let clock = 0;
    const w = await openLoop(ctx, {
      workload: keyed(insertSql(table), load.rows),
      connections: load.writers,
      ratePerSec: load.writeRate,
      seed: ctx.seed ^ 0x7220,
      onClockStart: () => {
        clock = run.now();
        run.mark('load');
      },
    });
    // Growth is judged inside the measured window only (the warm-up has filled the caches every
    // session builds once): the median sample of its first third against that of its last third,
    // so one transient process (an autovacuum worker) moves neither.
    const from = clock + load.warmupMs;
    const third = load.durationMs / 3;
    const series = await run.stop();
    const earlySamples = memories(within(series, from, from + third), rs.memory);
    const lateSamples = memories(within(series, from + 2 * third, from + load.durationMs), rs.memory);
    const early = median(earlySamples);
    const late = median(lateSamples);
    const growthPct = early && late !== null ? Math.round(((late - early) / early) * 1000) / 10 : null;
    const judged = { memory: rs.memory, earlyKb: early, lateKb: late, growthPct, limitPct: rs.t220GrowthPct, earlySamples: earlySamples.length, lateSamples: lateSamples.length, windowsMs: [[from, from + third], [from + 2 * third, from + load.durationMs]].map((w) => w.map(Math.round)) };
    await finish(judged);
    ctx.metric('memory', judged);
    ctx.metric('writers', brief(w));
    ctx.log(`server ${rs.memory} memory: early ${mb(early)}, late ${mb(late)}, growth ${growthPct ?? '-'} % (limit ${rs.t220GrowthPct} %); writers ${w.throughput}/s of ${load.writeRate}/s offered`);

    const writeErrors = w.completed - w.succeeded;
    if (writeErrors > 0) ctx.fail(`${writeErrors} of ${w.completed} writes failed: ${JSON.stringify(w.errors)} (${Object.values(w.errorMessages)[0] ?? ''})`);
    if (early === null || late === null || earlySamples.length < 2 || lateSamples.length < 2) {
      throw new Error(`too few memory samples to compare (${earlySamples.length} early, ${lateSamples.length} late): pass a longer --duration or a smaller --sample-ms`);
    }
    if (growthPct! >= rs.t220GrowthPct) {
      ctx.fail(`the server's ${rs.memory} memory grew ${growthPct} % under a constant write rate (${mb(early)} early in the load, ${mb(late)} late), the limit is ${rs.t220GrowthPct} %`);
    }
  },
});
