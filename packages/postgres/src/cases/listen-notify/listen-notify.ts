import assert from 'node:assert/strict';
import type { Client, Notification } from 'pg';
import { definePgCase, openSession, sleep, type PgContext } from '../../_internal/case-kit.js';

const SPEC = 'https://www.postgresql.org/docs/current/sql-notify.html';
/** How long a committed notification may take to reach an idle listener. */
const DELIVERY_MS = 3_000;

/** Collects the notifications a session receives, and waits for one. */
class Inbox {
  readonly received: Notification[] = [];
  private waiters: Array<() => void> = [];
  constructor(client: Client) {
    client.on('notification', (n) => {
      this.received.push(n);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  /** The first notification matching `pred`, or undefined after `ms`. */
  async waitFor(ctx: PgContext, pred: (n: Notification) => boolean, ms: number): Promise<Notification | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0 || ctx.signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  on(channel: string): Notification[] {
    return this.received.filter((n) => n.channel === channel);
  }
}

/**
 * A channel name of this run: channels are global to the database, so two runs at once (two CI
 * jobs, or a run directly and one through a proxy) would otherwise hear each other's NOTIFYs.
 */
const channel = (ctx: PgContext, stem: string): string => `${stem}_${ctx.target.runId}`;

const show = (n: Notification | undefined): string =>
  n ? JSON.stringify({ channel: n.channel, payload: n.payload, processId: n.processId }) : 'nothing';

async function pidOf(c: Client): Promise<number> {
  const r = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return Number(r.rows[0]?.pid);
}

/** PG-084: a notification reaches a listening session with channel, payload and the notifier's PID. */
export const listenNotify = definePgCase({
  id: 'PG-084',
  title: "LISTEN/NOTIFY across two sessions: the listener receives the channel, the payload and the notifying session's backend PID",
  priority: 'p1',
  area: 'listen-notify',
  since: '0.1.0',
  spec: SPEC,
  async run(ctx) {
    const listener = await openSession(ctx, 'hc-pg-084-listener');
    const notifier = await openSession(ctx, 'hc-pg-084-notifier');
    const inbox = new Inbox(listener);
    const notifierInbox = new Inbox(notifier);
    const chan = channel(ctx, 'pg084_chan');
    await listener.query(`LISTEN ${chan}`);
    const pid = await pidOf(notifier);
    ctx.metric('notifierPid', pid);
    await notifier.query(`NOTIFY ${chan}, 'hello from pg084'`);
    const n = await inbox.waitFor(ctx, (x) => x.channel === chan, DELIVERY_MS);
    if (!n) {
      const misdelivered = notifierInbox.received.length ? ` (the notifying session, which does not listen, received ${notifierInbox.received.map((x) => show(x)).join(', ')})` : '';
      return ctx.fail(`the listening session received no notification on ${chan} within ${DELIVERY_MS} ms after the other session's NOTIFY committed${misdelivered}`);
    }
    assert.equal(n.payload, 'hello from pg084', `the notification must carry the payload "hello from pg084", got ${show(n)}`);
    assert.equal(n.processId, pid, `the notification must carry the notifier's backend PID ${pid} (pg_backend_pid()), got ${show(n)}`);
    // A second notification without payload arrives with an empty payload.
    await notifier.query(`NOTIFY ${chan}`);
    const empty = await inbox.waitFor(ctx, (x) => x.channel === chan && x !== n, DELIVERY_MS);
    if (!empty) return ctx.fail(`the second NOTIFY ${chan} (no payload) was not delivered within ${DELIVERY_MS} ms`);
    assert.equal(empty.payload, '', `NOTIFY without a payload must deliver an empty payload, got ${show(empty)}`);
    assert.equal(inbox.received.length, 2, `exactly 2 notifications were sent, received ${inbox.received.length}`);
    assert.equal(notifierInbox.received.length, 0, `the notifying session does not listen, yet received ${notifierInbox.received.map((x) => show(x)).join(', ')}`);
  },
});

/** PG-085: notifications are transactional. */
export const notifyTransactional = definePgCase({
  id: 'PG-085',
  title: 'NOTIFY is transactional: nothing is delivered before COMMIT, a rolled-back NOTIFY is never delivered',
  priority: 'p1',
  area: 'listen-notify',
  since: '0.1.0',
  spec: SPEC,
  async run(ctx) {
    const listener = await openSession(ctx, 'hc-pg-085-listener');
    const notifier = await openSession(ctx, 'hc-pg-085-notifier');
    const inbox = new Inbox(listener);
    const chan = channel(ctx, 'pg085_chan');
    await listener.query(`LISTEN ${chan}`);

    await notifier.query('BEGIN');
    await notifier.query(`NOTIFY ${chan}, 'rolled-back'`);
    await notifier.query('ROLLBACK');

    await notifier.query('BEGIN');
    await notifier.query(`NOTIFY ${chan}, 'first'`);
    await notifier.query('SELECT pg_notify($1, $2)', [chan, 'second']);
    await sleep(400, ctx.signal);
    const early = inbox.on(chan);
    assert.equal(early.length, 0, `no notification may be delivered before COMMIT, received ${early.map((x) => show(x)).join(', ')} while the transaction was open`);
    await notifier.query('COMMIT');

    const last = await inbox.waitFor(ctx, (x) => x.payload === 'second', DELIVERY_MS);
    if (!last) return ctx.fail(`after COMMIT the notification "second" was not delivered within ${DELIVERY_MS} ms (received: ${inbox.received.map((x) => show(x)).join(', ') || 'nothing'})`);
    // Notifications of one transaction arrive in the order they were sent, after any earlier ones;
    // so once "second" is here, the rolled-back one would have arrived already.
    assert.deepEqual(
      inbox.on(chan).map((x) => x.payload),
      ['first', 'second'],
      'the listener must receive exactly the two committed notifications, in order, and never the rolled-back one',
    );
  },
});

/** PG-086: pg_notify() with parameters, a case-sensitive channel and a UTF-8 payload. */
export const pgNotifyUnicode = definePgCase({
  id: 'PG-086',
  title: 'pg_notify($1, $2) with a mixed-case channel and a UTF-8 payload (accents, CJK, emoji, quotes, 7000 bytes) is delivered byte-exact',
  priority: 'p2',
  area: 'listen-notify',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-NOTIFY',
  async run(ctx) {
    const listener = await openSession(ctx, 'hc-pg-086-listener');
    const notifier = await openSession(ctx, 'hc-pg-086-notifier');
    const inbox = new Inbox(listener);
    const chan = channel(ctx, 'pg086_MixedCase');
    await listener.query(`LISTEN "${chan}"`);
    const payloads = [
      'héllo wörld — 🐘 日本語 \'single\' "double" \\ backslash',
      `${'ünïcødé 🐘 '.repeat(200)}end`,
      'x'.repeat(7000),
    ];
    for (const p of payloads) await notifier.query('SELECT pg_notify($1, $2)', [chan, p]);
    const last = await inbox.waitFor(ctx, (x) => x.payload === payloads[2], DELIVERY_MS);
    if (!last) return ctx.fail(`the 3 notifications on "${chan}" were not all delivered within ${DELIVERY_MS} ms (received ${inbox.received.length})`);
    const got = inbox.on(chan).map((x) => x.payload);
    assert.equal(got.length, 3, `expected 3 notifications on channel "${chan}" (case-sensitive), received ${got.length} (channels: ${inbox.received.map((x) => x.channel).join(', ')})`);
    for (const [i, p] of payloads.entries()) {
      const g = got[i] ?? '';
      let at = 0;
      while (at < p.length && p[at] === g[at]) at++;
      assert.ok(g === p, `payload ${i + 1} must arrive byte-exact: ${Buffer.byteLength(p)} bytes sent, ${Buffer.byteLength(g)} received, first difference at character ${at} (sent ${JSON.stringify(p.slice(at, at + 12))}, received ${JSON.stringify(g.slice(at, at + 12))})`);
    }
  },
});

/** PG-087: UNLISTEN stops delivery for that channel only; UNLISTEN * for all. */
export const unlisten = definePgCase({
  id: 'PG-087',
  title: 'UNLISTEN stops delivery on that channel only (pg_listening_channels() agrees); UNLISTEN * stops all',
  priority: 'p2',
  area: 'listen-notify',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-unlisten.html',
  async run(ctx) {
    const listener = await openSession(ctx, 'hc-pg-087-listener');
    const notifier = await openSession(ctx, 'hc-pg-087-notifier');
    const inbox = new Inbox(listener);
    const [ca, cb] = [channel(ctx, 'pg087_a'), channel(ctx, 'pg087_b')];
    await listener.query(`LISTEN ${ca}`);
    await listener.query(`LISTEN ${cb}`);
    await notifier.query(`NOTIFY ${ca}, 'a1'`);
    if (!(await inbox.waitFor(ctx, (x) => x.payload === 'a1', DELIVERY_MS))) return ctx.fail(`NOTIFY ${ca} was not delivered within ${DELIVERY_MS} ms while listening`);

    await listener.query(`UNLISTEN ${ca}`);
    const chans = await listener.query<{ c: string }>('SELECT c FROM pg_listening_channels() AS c ORDER BY c');
    assert.deepEqual(chans.rows.map((r) => r.c), [cb], `after UNLISTEN ${ca}, pg_listening_channels() must list only ${cb}, got ${JSON.stringify(chans.rows)}`);
    await notifier.query(`NOTIFY ${ca}, 'a2'`);
    await notifier.query(`NOTIFY ${cb}, 'b1'`);
    // b1 was committed after a2: once b1 is here, a2 would have arrived already.
    if (!(await inbox.waitFor(ctx, (x) => x.payload === 'b1', DELIVERY_MS))) return ctx.fail(`NOTIFY ${cb} (still listened) was not delivered within ${DELIVERY_MS} ms`);
    assert.deepEqual(inbox.on(ca).map((x) => x.payload), ['a1'], `after UNLISTEN ${ca} no notification on it may be delivered`);

    await listener.query('UNLISTEN *');
    await notifier.query(`NOTIFY ${cb}, 'b2'`);
    await sleep(500, ctx.signal);
    assert.deepEqual(inbox.on(cb).map((x) => x.payload), ['b1'], 'after UNLISTEN * no notification may be delivered');
    const none = await listener.query('SELECT * FROM pg_listening_channels()');
    assert.equal(none.rowCount, 0, `after UNLISTEN *, pg_listening_channels() must be empty, got ${none.rowCount} rows`);
  },
});
