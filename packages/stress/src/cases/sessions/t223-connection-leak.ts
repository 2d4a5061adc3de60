import type { Client } from 'pg';
import { defineStressCase } from '../../_internal/case-kit.js';
import { recordSessions } from './t221-writers-listeners.js';
import { clientSet, countTagged, errorLine, sessionTag, sleep, sqlstateOf } from './_kit.js';

/**
 * T223: the seed's subscription leak, for sessions: open N, close half of them, and the server
 * must report exactly the other half as still there (pg_stat_activity, counted by this run's own
 * application_name) within the deadline.
 */
export const connectionLeak = defineStressCase({
  id: 'T223',
  title: 'connection leak: open 50 sessions, close 25, the server reports 25 of them left within the deadline',
  priority: 'p1',
  area: 'sessions',
  since: '0.1.0',
  spec: 'kalamdb-testing-strategy.md T223 (50 subscriptions, close 25, wait 30 s for cleanup, count == 25)',
  async run(ctx) {
    const { endpoint, sessions: s } = ctx.target;
    if (endpoint.dialect !== 'postgres') ctx.notApplicable('the stress cases speak PostgreSQL wire only so far (MySQL wire is planned)');
    const total = s.leakConnections;
    const closing = Math.floor(total / 2);
    const tag = sessionTag(ctx, 'leak');
    const clients = clientSet(ctx);
    const monitor = await clients.open(`${tag}_monitor`);
    const before = await countTagged(monitor, tag).catch((e: unknown) => {
      // Without pg_stat_activity (or its application_name) the server cannot say which sessions it holds.
      if (['42P01', '42703', '0A000'].includes(sqlstateOf(e) ?? '')) ctx.notApplicable(`the endpoint cannot count its sessions by application_name in pg_stat_activity (${errorLine(e)})`);
      throw e;
    });
    if (before !== 0) throw new Error(`${before} sessions already carry this run's tag ${tag}: the count would not be this run's own`);

    const open: Client[] = [];
    // One at a time: a refusal at N is then the endpoint's limit at N, not a burst of logins racing.
    for (let i = 0; i < total; i++) {
      try {
        open.push(await clients.open(tag));
      } catch (e) {
        // 53300 is the endpoint's max_connections, not a leak: the check cannot run at this size.
        if (sqlstateOf(e) === '53300') ctx.notApplicable(`the endpoint refused session ${i + 1} of ${total} with 53300 (too many connections): it has room for ${i} more sessions, the check needs ${total}; raise max_connections or pass --leak-connections ${Math.max(2, i)}`);
        throw new Error(`opening session ${i + 1} of ${total} failed: ${errorLine(e)}`);
      }
    }
    const opened = await countTagged(monitor, tag);
    ctx.metric('opened', total);
    if (opened !== total) ctx.fail(`${total} sessions were opened and the server reports ${opened} of them (pg_stat_activity, application_name ${tag})`);

    // Which half is closed is drawn from the case's seeded generator: not just the newest or oldest.
    const order = open.map((c, i) => [ctx.rng.next(), i, c] as const).sort((a, b) => a[0] - b[0]);
    const closed = order.slice(0, closing).map(([, , c]) => c);
    const kept = order.slice(closing).map(([, , c]) => c);
    const t0 = performance.now();
    await clients.close(closed);
    const expected = total - closing;

    let seen = -1;
    let polls = 0;
    const deadline = t0 + s.leakDeadlineMs;
    for (;;) {
      seen = await countTagged(monitor, tag);
      polls++;
      if (seen === expected || performance.now() >= deadline) break;
      await sleep(Math.min(100, Math.max(0, deadline - performance.now())), ctx.signal);
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
    }
    const afterMs = Math.round(performance.now() - t0);
    ctx.metric('closed', closing);
    ctx.metric('expected', expected);
    ctx.metric('reported', seen);
    ctx.metric('settledMs', seen === expected ? afterMs : null);
    recordSessions(ctx.target.sections, ctx.id, { leak: { opened: total, closed: closing, expected, reported: seen, settledMs: seen === expected ? afterMs : null, deadlineMs: s.leakDeadlineMs } });
    ctx.log(`opened ${total}, closed ${closing}: the server reports ${seen} after ${afterMs} ms (${polls} polls)`);
    if (seen > expected) ctx.fail(`after closing ${closing} of ${total} sessions the server still reports ${seen} of them, not ${expected}, after ${afterMs} ms (deadline ${s.leakDeadlineMs} ms): ${seen - expected} closed sessions leaked`);
    if (seen < expected) ctx.fail(`after closing ${closing} of ${total} sessions the server reports ${seen} of them, not ${expected}: ${expected - seen} sessions the client kept open are gone`);
    // The kept sessions must still be usable: a server that "cleaned up" by closing them would count right and be wrong.
    const lost: string[] = [];
    for (const c of kept) await c.query('SELECT 1').catch((e: unknown) => lost.push(errorLine(e)));
    if (lost.length) ctx.fail(`${lost.length} of the ${expected} sessions kept open no longer answer after the others were closed: ${lost[0]}`);
  },
});
