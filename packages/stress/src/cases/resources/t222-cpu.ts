import { defineStressCase, keyed, openLoop, requireTimeFor } from '../../_internal/case-kit.js';
import { brief } from '../seed/t225-query-latency.js';
import { appendTable, cpuOver, insertSql, requireProcessFigures, watchServer } from './kit.js';

/** T222: the server's CPU at 1,000 inserts per second. */
export const cpuUnderInsertLoad = defineStressCase({
  id: 'T222',
  title: 'CPU under load: at 1,000 inserts/s the server\'s CPU averages below 60 % and peaks below 80 %',
  priority: 'p1',
  area: 'resources',
  since: '0.1.0',
  spec: 'kalamdb-testing-strategy.md T222 (1,000 inserts/s; CPU sampled every second: average < 60 %, peak < 80 %)',
  async run(ctx) {
    requireProcessFigures(ctx);
    const { load, resources: rs } = ctx.target;
    requireTimeFor(ctx, 5_000);
    const table = await appendTable(ctx, 't222_writes');
    const { run, finish } = await watchServer(ctx);
    let clock = 0;
    const w = await openLoop(ctx, {
      workload: keyed(insertSql(table), load.rows),
      connections: load.writers,
      ratePerSec: rs.t222Rate,
      seed: ctx.seed ^ 0x7222,
      onClockStart: () => {
        clock = run.now();
        run.mark('load');
      },
    });
    const series = await run.stop();
    const from = clock + load.warmupMs;
    const cpu = cpuOver(series, from, from + load.durationMs);
    // The seed's percentages are the server's share; of the whole machine unless --t222-cpu-of core.
    const of = rs.t222CpuOf === 'machine' ? series.cores : 1;
    const r1 = (v: number | null): number | null => (v === null ? null : Math.round((v / of) * 10) / 10);
    const avg = r1(cpu.avgCorePct);
    const peak = r1(cpu.peakCorePct);
    const judged = { of: rs.t222CpuOf, cores: series.cores, avgPct: avg, peakPct: peak, avgCorePct: cpu.avgCorePct, peakCorePct: cpu.peakCorePct, limits: { avgPct: rs.t222AvgCpuPct, peakPct: rs.t222PeakCpuPct }, rate: rs.t222Rate, achieved: w.throughput };
    await finish(judged);
    ctx.metric('cpu', judged);
    ctx.metric('writers', brief(w));
    const unit = rs.t222CpuOf === 'machine' ? `% of the machine (${series.cores} cores)` : '% of one core';
    ctx.log(`server CPU at ${rs.t222Rate} inserts/s offered (${w.throughput}/s done): average ${avg ?? '-'} ${unit}, peak ${peak ?? '-'} (one core: ${cpu.avgCorePct ?? '-'} % / ${cpu.peakCorePct ?? '-'} %)`);

    if (avg === null || peak === null) throw new Error('no CPU sample inside the measured window: pass a longer --duration or a smaller --sample-ms');
    const writeErrors = w.completed - w.succeeded;
    if (writeErrors > 0) ctx.fail(`${writeErrors} of ${w.completed} inserts failed: ${JSON.stringify(w.errors)} (${Object.values(w.errorMessages)[0] ?? ''})`);
    if (avg >= rs.t222AvgCpuPct) ctx.fail(`the server's CPU averaged ${avg} ${unit} at ${rs.t222Rate} inserts/s, the limit is ${rs.t222AvgCpuPct} % (peak ${peak} %)`);
    if (peak >= rs.t222PeakCpuPct) ctx.fail(`the server's CPU peaked at ${peak} ${unit} (highest 1-second average) at ${rs.t222Rate} inserts/s, the limit is ${rs.t222PeakCpuPct} % (average ${avg} %)`);
    // Low CPU at a rate the endpoint did not reach says nothing about that rate.
    if (w.throughput < 0.9 * rs.t222Rate) ctx.fail(`the endpoint did not sustain ${rs.t222Rate} inserts/s (${w.throughput}/s done, ${w.dropped} dropped, ${w.late} late): its CPU at that rate was not measured`);
  },
});
