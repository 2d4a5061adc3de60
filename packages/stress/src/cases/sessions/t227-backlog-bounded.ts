import type { Client } from 'pg';
import { DRAIN_MS, defineStressCase, keyed, keyedTable, openLoop, requireTimeFor } from '../../_internal/case-kit.js';
import { clientSet, errorLine, sessionTag, sleep } from './_kit.js';
import { runNotifyLoad } from './notify-load.js';
import { briefNotify, recordSessions } from './t221-writers-listeners.js';

/**
 * PostgreSQL frees its notification queue a few pages at a time (8 kB pages, 4 per step in
 * PostgreSQL 15): a drained queue can read a few pages above its baseline until the next
 * notification. 1e-5 of the queue is about ten pages of PostgreSQL's 8 GB queue.
 */
export const QUEUE_SLACK = 1e-5;

interface Sample {
  atMs: number;
  queueUsage: number;
  waiting: number;
}

async function sample(monitor: Client, t0: number): Promise<Sample> {
  const r = await monitor.query<{ q: number; waiting: string }>(
    "SELECT pg_notification_queue_usage() AS q, (SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()) AS waiting",
  );
  return { atMs: Math.round(performance.now() - t0), queueUsage: Number(r.rows[0]!.q), waiting: Number(r.rows[0]!.waiting) };
}

/**
 * T227: the seed's actor mailboxes are the endpoint's own queues here: the notification queue
 * (pg_notification_queue_usage()) and the sessions waiting on a lock. Under a notifying insert load
 * and writers contending for a few hot rows, both must stay under their bounds, return to their
 * baseline after the load, and no notification may be lost.
 */
export const backlogBounded = defineStressCase({
  id: 'T227',
  title: 'backlog bounded: the notification queue and the sessions waiting on locks stay bounded under stress and return to baseline; no notification lost',
  priority: 'p1',
  area: 'sessions',
  since: '0.1.0',
  spec: 'kalamdb-testing-strategy.md T227 (mailbox sizes < 1000, no dropped messages)',
  async run(ctx) {
    const { endpoint, load, sessions: s } = ctx.target;
    if (endpoint.dialect !== 'postgres') ctx.notApplicable('the backlog judged here is the LISTEN/NOTIFY queue under a notifying load (lock waits beside it): MySQL wire has no notifications');
    requireTimeFor(ctx, 5_000 + s.backlogSettleMs);
    const clients = clientSet(ctx);
    const tag = sessionTag(ctx, 'backlog');
    const monitor = await clients.open(`${tag}_monitor`);
    // Four hot rows for all writers: their updates queue behind each other's row locks.
    const hot = await keyedTable(ctx, 't227_hot', 4);
    const t0 = performance.now();
    const baseline = await sample(monitor, t0).catch((e: unknown) => ctx.notApplicable(`the endpoint cannot show its backlog (pg_notification_queue_usage(), pg_stat_activity): ${errorLine(e)}`));

    const samples: Sample[] = [];
    let sampling = true;
    let sampler: Promise<void> = Promise.resolve();
    const contention = openLoop(ctx, { workload: keyed(`UPDATE ${hot} SET v = v + 1 WHERE id = $1`, 4), connections: load.writers, ratePerSec: load.writeRate, seed: ctx.seed ^ 0x7227 });
    const notify = runNotifyLoad(ctx, {
      clients,
      tag,
      writers: Math.max(1, Math.min(load.writers, 4)),
      listeners: 2,
      ratePerSec: s.notifyRate,
      warmupMs: load.warmupMs,
      durationMs: load.durationMs,
      drainMs: DRAIN_MS,
      // Big enough rows that a queue nobody drains grows by pages, not bytes.
      padBytes: 1_000,
      onStart: () => {
        sampler = (async () => {
          while (sampling && !ctx.signal.aborted) {
            samples.push(await sample(monitor, t0));
            await sleep(100, ctx.signal);
          }
        })();
      },
    });
    const [cs, ns] = await Promise.allSettled([contention, notify]);
    sampling = false;
    await sampler;
    if (cs.status === 'rejected') throw cs.reason;
    if (ns.status === 'rejected') throw ns.reason;
    const [c, n] = [cs.value, ns.value];

    // After the load: both backlogs must come back to where they were before it.
    const settleFrom = performance.now();
    let last = await sample(monitor, t0);
    const settled = (x: Sample): boolean => x.queueUsage <= baseline.queueUsage + QUEUE_SLACK && x.waiting <= baseline.waiting;
    while (!settled(last) && performance.now() - settleFrom < s.backlogSettleMs && !ctx.signal.aborted) {
      await sleep(100, ctx.signal);
      last = await sample(monitor, t0);
    }
    const settleMs = Math.round(performance.now() - settleFrom);
    const peakQueue = Math.max(baseline.queueUsage, ...samples.map((x) => x.queueUsage));
    const peakWaiting = Math.max(baseline.waiting, ...samples.map((x) => x.waiting));
    const figures = { baseline, peak: { queueUsage: peakQueue, waiting: peakWaiting }, after: last, settleMs: settled(last) ? settleMs : null, samples, notify: briefNotify(n), contention: { completed: c.completed, succeeded: c.succeeded, errors: c.errors } };
    recordSessions(ctx.target.sections, ctx.id, { backlog: figures, thresholds: { maxWaiting: s.backlogMaxWaiting, maxQueueUsage: s.backlogMaxQueueUsage, settleMs: s.backlogSettleMs } });
    ctx.metric('backlog', { baseline, peak: figures.peak, after: last, settleMs: figures.settleMs, samples: samples.length });
    ctx.metric('notify', { inserted: n.inserted, missing: n.missing, disconnects: n.disconnects });
    ctx.log(`${samples.length} samples: queue usage peak ${peakQueue} (baseline ${baseline.queueUsage}, after ${last.queueUsage}); waiting on locks peak ${peakWaiting} (baseline ${baseline.waiting}, after ${last.waiting}); ${c.succeeded} contended updates, ${n.inserted} notifying inserts`);

    if (samples.length < 3) throw new Error(`only ${samples.length} backlog samples during the load: the monitor could not keep up`);
    if (peakWaiting >= s.backlogMaxWaiting && s.backlogMaxWaiting > 0) ctx.fail(`${peakWaiting} sessions waited on locks at once, the bound is ${s.backlogMaxWaiting}`);
    if (peakQueue > s.backlogMaxQueueUsage) ctx.fail(`the notification queue reached ${peakQueue} of its size, the bound is ${s.backlogMaxQueueUsage}`);
    if (!settled(last)) {
      const what = [
        last.queueUsage > baseline.queueUsage + QUEUE_SLACK ? `the notification queue is at ${last.queueUsage} of its size (baseline ${baseline.queueUsage}, peak ${peakQueue})` : '',
        last.waiting > baseline.waiting ? `${last.waiting} sessions still wait on locks (baseline ${baseline.waiting})` : '',
      ].filter(Boolean);
      ctx.fail(`${s.backlogSettleMs} ms after the load the backlog has not returned to its baseline: ${what.join('; ')}`);
    }
    const lostNotes = n.missing + n.duplicatesOrReordered;
    if (n.disconnects.listeners + n.disconnects.writers > 0) ctx.fail(`sessions were dropped during the load: ${n.firstDisconnect}`);
    if (lostNotes > 0) ctx.fail(`${n.missing} notifications lost and ${n.duplicatesOrReordered} doubled or reordered of ${n.inserted * n.listeners}`);
    const errors = c.completed - c.succeeded;
    if (errors > 0) ctx.fail(`${errors} of ${c.completed} contended updates failed: ${JSON.stringify(c.errors)}`);
  },
});
