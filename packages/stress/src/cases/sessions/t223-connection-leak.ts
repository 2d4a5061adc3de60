import { defineStressCase } from '../../_internal/case-kit.js';
import { recordSessions } from './t221-writers-listeners.js';
import { caseSessions, errorLine, serverCodeOf, sleep, type CaseSession } from './_kit.js';

/** "Too many connections": PostgreSQL 53300; MySQL 1040, and 1203 for a user's own limit. */
const TOO_MANY = new Set(['53300', 'errno 1040', 'errno 1203']);

/**
 * T223: the seed's subscription leak, for sessions: open N, close half of them, and the server
 * must report exactly the other half as still there within the deadline (pg_stat_activity or
 * information_schema.PROCESSLIST, counted by the ids the server gave these sessions at login).
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
    const mysql = endpoint.dialect === 'mysql';
    const list = mysql ? 'information_schema.PROCESSLIST' : 'pg_stat_activity';
    const total = s.leakConnections;
    const closing = Math.floor(total / 2);
    const sessions = caseSessions(ctx);
    const monitor = await sessions.open();
    // Asked once before the load: a server that cannot list its sessions cannot be judged on them.
    const self = await sessions.count(monitor, [monitor.id]).catch((e: unknown) => {
      if (['42P01', '42703', '0A000', '42501', 'errno 1044', 'errno 1142', 'errno 1146', 'errno 1227'].includes(serverCodeOf(e) ?? '')) ctx.notApplicable(`the endpoint cannot list its sessions in ${list} (${errorLine(e)})`);
      throw e;
    });
    // Behind a pooler the id a session reads need not be the one the server lists: nothing to count by.
    if (self !== 1) ctx.notApplicable(`the endpoint lists ${self} sessions with the id ${monitor.id} its session reported for itself in ${list}: sessions cannot be counted by id`);

    const open: CaseSession[] = [];
    // One at a time: a refusal at N is then the endpoint's limit at N, not a burst of logins racing.
    for (let i = 0; i < total; i++) {
      try {
        open.push(await sessions.open());
      } catch (e) {
        // "Too many connections" is the endpoint's limit, not a leak: the check cannot run at this size.
        const code = serverCodeOf(e);
        if (code && TOO_MANY.has(code)) ctx.notApplicable(`the endpoint refused session ${i + 1} of ${total} with ${code} (too many connections): it has room for ${i} more sessions, the check needs ${total}; raise its connection limit or pass --leak-connections ${Math.max(2, i)}`);
        throw new Error(`opening session ${i + 1} of ${total} failed: ${errorLine(e)}`);
      }
    }
    const ids = open.map((c) => c.id);
    const countOurs = (): Promise<number> => sessions.count(monitor, ids);
    const opened = await countOurs();
    ctx.metric('opened', total);
    if (opened !== total) ctx.fail(`${total} sessions were opened and the server lists ${opened} of them in ${list}`);

    // Which half is closed is drawn from the case's seeded generator: not just the newest or oldest.
    const order = open.map((c, i) => [ctx.rng.next(), i, c] as const).sort((a, b) => a[0] - b[0]);
    const closed = order.slice(0, closing).map(([, , c]) => c);
    const kept = order.slice(closing).map(([, , c]) => c);
    const t0 = performance.now();
    await sessions.close(closed);
    const expected = total - closing;

    let seen = -1;
    let polls = 0;
    const deadline = t0 + s.leakDeadlineMs;
    for (;;) {
      seen = await countOurs();
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
