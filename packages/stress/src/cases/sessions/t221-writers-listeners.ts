import { DRAIN_MS, defineStressCase, msText, requireTimeFor } from '../../_internal/case-kit.js';
import { clientSet, sessionTag } from './_kit.js';
import { runNotifyLoad, type NotifyLoadResult } from './notify-load.js';

/**
 * T221: the seed's live queries are PostgreSQL's LISTEN/NOTIFY here: writers insert at a constant
 * rate into a table whose trigger notifies every row, and 20 sessions listen. No session may be
 * dropped, every listener must get every row, and the send → receive latency is judged against
 * the seed's 10 ms.
 */
export const writersAndListeners = defineStressCase({
  id: 'T221',
  title: 'writers and 20 listeners (LISTEN/NOTIFY): no unexpected disconnects, every notification delivered, p99 latency < 10 ms',
  priority: 'p1',
  area: 'sessions',
  since: '0.1.0',
  spec: 'kalamdb-testing-strategy.md T221 (10 writers, 20 live-query subscriptions, zero disconnections; notification delays > 10 ms fail)',
  async run(ctx) {
    const { endpoint, load, sessions: s } = ctx.target;
    if (endpoint.dialect !== 'postgres') ctx.notApplicable('live notifications here are LISTEN/NOTIFY, which MySQL wire does not have');
    requireTimeFor(ctx, 5_000);
    const r = await runNotifyLoad(ctx, {
      clients: clientSet(ctx),
      tag: sessionTag(ctx, 'live'),
      writers: load.writers,
      listeners: s.listeners,
      ratePerSec: s.notifyRate,
      warmupMs: load.warmupMs,
      durationMs: load.durationMs,
      drainMs: DRAIN_MS,
    });
    recordSessions(ctx.target.sections, ctx.id, { notify: r, thresholds: { p99Ms: s.notifyP99Ms } });
    ctx.metric('notify', briefNotify(r));
    ctx.log(`${r.inserted} rows inserted by ${r.writers} writers, ${r.listeners} listeners: latency p50 ${msText(r.latency.p50)} p99 ${msText(r.latency.p99)} max ${msText(r.latency.max)}; missing ${r.missing}, disconnects ${JSON.stringify(r.disconnects)}; the kit's event loop late by p99 ${msText(r.kitLoopDelay.p99)}, max ${msText(r.kitLoopDelay.max)}`);

    // Every broken promise is named, not only the first: a dropped listener also misses rows, and late ones are late too.
    const problems: string[] = [];
    const d = r.disconnects.listeners + r.disconnects.writers;
    if (d > 0) problems.push(`${d} unexpected disconnects (${r.disconnects.listeners} listeners, ${r.disconnects.writers} writers); first: ${r.firstDisconnect}`);
    if (r.inserted === 0) problems.push(`no insert succeeded (errors ${JSON.stringify(r.writeErrors)}: ${r.firstWriteError})`);
    const failedWrites = Object.values(r.writeErrors).reduce((a, b) => a + b, 0);
    if (failedWrites > 0) problems.push(`${failedWrites} of ${r.intended} inserts failed: ${JSON.stringify(r.writeErrors)} (${r.firstWriteError})`);
    if (r.missing > 0) problems.push(`${r.missing} of ${r.inserted * r.listeners} notifications never arrived (${r.inserted} rows × ${r.listeners} listeners; received per listener: ${r.received.join(', ')})`);
    if (r.duplicatesOrReordered > 0) problems.push(`${r.duplicatesOrReordered} notifications arrived twice or out of their writer's commit order`);
    if ((r.latency.p99 ?? Infinity) >= s.notifyP99Ms) problems.push(`notification latency p99 is ${msText(r.latency.p99)} (send → receive, ${r.latency.count} after the warm-up), the limit is ${s.notifyP99Ms} ms (p50 ${msText(r.latency.p50)}, max ${msText(r.latency.max)}; the kit's own event loop ran late by p99 ${msText(r.kitLoopDelay.p99)} meanwhile)`);
    if (problems.length > 0) ctx.fail(problems.join('; '));
  },
});

/** The figures a case result carries as metrics (the report section has the histogram). */
export function briefNotify(r: NotifyLoadResult): Record<string, unknown> {
  const { histogram: _h, ...rest } = r;
  return rest;
}

/** The `sessions` report section: each session case's figures, keyed by case ID. */
export function recordSessions(sections: Record<string, unknown>, id: string, figures: Record<string, unknown>): void {
  const section = (sections.sessions ??= {}) as Record<string, unknown>;
  section[id] = figures;
}
