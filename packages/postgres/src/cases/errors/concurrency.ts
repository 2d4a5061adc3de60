import assert from 'node:assert/strict';
import type { Client } from 'pg';
import { checkSqlError } from '@helios-conformance/sql/postgres';
import { definePgCase, openSession, secondSession, settle, sqlstate, within } from '../../_internal/case-kit.js';

/** How long the second session may take to answer while the first holds a transaction open. */
const SECOND_SESSION_MS = 4_000;

/** PG-074: SERIALIZABLE refuses an update based on a snapshot another transaction has since changed. */
export const serializationFailureUpdate = definePgCase({
  id: 'PG-074',
  title: 'SERIALIZABLE: updating a row another transaction changed and committed after our snapshot fails with 40001 (no lost update)',
  priority: 'p1',
  area: 'errors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/transaction-iso.html#XACT-SERIALIZABLE',
  timeoutMs: 20_000,
  async run(ctx) {
    const a = await openSession(ctx, 'hc-pg-074-a');
    const b = await openSession(ctx, 'hc-pg-074-b');
    await a.query('CREATE TABLE pg074_acct (id int PRIMARY KEY, balance int NOT NULL)');
    await a.query('INSERT INTO pg074_acct VALUES (1, 100)');

    await a.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
    await a.query('SELECT balance FROM pg074_acct WHERE id = 1');
    await secondSession(ctx, b.query('BEGIN ISOLATION LEVEL SERIALIZABLE'), a, b, SECOND_SESSION_MS, "the second session's BEGIN");
    const seen = await secondSession(ctx, b.query<{ balance: number }>('SELECT balance FROM pg074_acct WHERE id = 1'), a, b, SECOND_SESSION_MS, "the second session's SELECT");
    assert.equal(seen.rows[0]?.balance, 100, 'the second transaction must see the committed balance 100');

    await a.query('UPDATE pg074_acct SET balance = balance + 10 WHERE id = 1');
    await a.query('COMMIT');

    let code: string | undefined;
    let where = '';
    const upd = await within(settle(b.query('UPDATE pg074_acct SET balance = balance + 20 WHERE id = 1')), 5_000);
    if (upd.timedOut) return ctx.fail('the second transaction\'s UPDATE got no answer within 5000 ms after the first committed');
    if (!upd.value.ok) {
      checkSqlError(upd.value.error, '40001', 'UPDATE of a row changed by a transaction committed after our snapshot');
      code = '40001';
      where = 'UPDATE';
      await b.query('ROLLBACK');
    } else {
      try {
        await b.query('COMMIT');
      } catch (e) {
        checkSqlError(e, '40001', 'COMMIT of a transaction that updated a row changed after its snapshot');
        code = '40001';
        where = 'COMMIT';
      }
    }
    const bal = await a.query<{ balance: number }>('SELECT balance FROM pg074_acct WHERE id = 1');
    if (code === undefined) {
      ctx.fail(`expected SQLSTATE 40001 for the second transaction, but its UPDATE and COMMIT succeeded (final balance ${bal.rows[0]?.balance}; 100 + 10 + 20 computed from a stale snapshot is a lost update)`);
    }
    ctx.log(`the second transaction failed with 40001 at ${where}`);
    assert.equal(bal.rows[0]?.balance, 110, `only the first transaction's +10 may persist: expected balance 110, got ${bal.rows[0]?.balance}`);
  },
});

/** PG-075: SERIALIZABLE detects write skew (two transactions each reading what the other writes). */
export const serializationFailureWriteSkew = definePgCase({
  id: 'PG-075',
  title: 'SERIALIZABLE: write skew between two transactions (each reads what the other writes) makes one of them fail with 40001',
  priority: 'p1',
  area: 'errors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/transaction-iso.html#XACT-SERIALIZABLE',
  timeoutMs: 20_000,
  async run(ctx) {
    const a = await openSession(ctx, 'hc-pg-075-a');
    const b = await openSession(ctx, 'hc-pg-075-b');
    await a.query('CREATE TABLE pg075_oncall (doctor text PRIMARY KEY, on_call boolean NOT NULL)');
    await a.query("INSERT INTO pg075_oncall VALUES ('alice', true), ('bob', true)");

    const failed = new Map<string, string>();
    const step = async (who: 'A' | 'B', c: Client, sql: string): Promise<void> => {
      if (failed.has(who)) return;
      const other = who === 'A' ? b : a;
      const r = await within(settle(c.query(sql)), SECOND_SESSION_MS);
      if (r.timedOut) {
        await within(other.query('ROLLBACK').catch(() => undefined), 3_000);
        await within(c.query('ROLLBACK').catch(() => undefined), 3_000);
        return ctx.fail(`transaction ${who}'s "${sql}" got no answer within ${SECOND_SESSION_MS} ms while the other transaction was open (the endpoint does not run sessions concurrently)`);
      }
      if (r.value.ok) return;
      checkSqlError(r.value.error, '40001', `transaction ${who}'s "${sql}"`);
      failed.set(who, sql);
      await c.query('ROLLBACK');
    };
    const countSql = 'SELECT count(*) FROM pg075_oncall WHERE on_call';
    await step('A', a, 'BEGIN ISOLATION LEVEL SERIALIZABLE');
    await step('A', a, countSql);
    await step('B', b, 'BEGIN ISOLATION LEVEL SERIALIZABLE');
    await step('B', b, countSql);
    await step('A', a, "UPDATE pg075_oncall SET on_call = false WHERE doctor = 'alice'");
    await step('B', b, "UPDATE pg075_oncall SET on_call = false WHERE doctor = 'bob'");
    await step('A', a, 'COMMIT');
    await step('B', b, 'COMMIT');

    const n = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM pg075_oncall WHERE on_call');
    if (failed.size === 0) {
      ctx.fail(`expected SQLSTATE 40001 for one of the two transactions, but both committed (write skew: ${n.rows[0]?.n} doctors left on call, no serial order gives 0)`);
    }
    ctx.log(`40001 observed: ${[...failed].map(([who, sql]) => `transaction ${who} at "${sql}"`).join('; ')}`);
    const expected = failed.size === 2 ? 2 : 1;
    assert.equal(n.rows[0]?.n, expected, `after ${failed.size} transaction(s) failed, ${expected} doctor(s) must remain on call, found ${n.rows[0]?.n}`);
  },
});

/** PG-076: two sessions locking two rows in opposite order: one is chosen as the deadlock victim. */
export const deadlockDetected = definePgCase({
  id: 'PG-076',
  title: 'deadlock: two sessions locking two rows in opposite order; one fails with 40P01, the other proceeds and commits',
  priority: 'p1',
  area: 'errors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-DEADLOCKS',
  timeoutMs: 30_000,
  async run(ctx) {
    const a = await openSession(ctx, 'hc-pg-076-a');
    const b = await openSession(ctx, 'hc-pg-076-b');
    await a.query('CREATE TABLE pg076_t (id int PRIMARY KEY, owner text)');
    await a.query("INSERT INTO pg076_t VALUES (1, 'none'), (2, 'none')");
    // deadlock_timeout (1 s by default) is how long a waiter sleeps before checking for a deadlock.
    const dt = await a.query<{ deadlock_timeout: string }>('SHOW deadlock_timeout');
    ctx.log(`deadlock_timeout = ${dt.rows[0]?.deadlock_timeout}`);

    await a.query('BEGIN');
    await a.query("UPDATE pg076_t SET owner = 'A' WHERE id = 1");
    await secondSession(ctx, b.query('BEGIN'), a, b, SECOND_SESSION_MS, "the second session's BEGIN");
    await secondSession(ctx, b.query("UPDATE pg076_t SET owner = 'B' WHERE id = 2"), a, b, SECOND_SESSION_MS, "the second session's UPDATE of the other row");

    type Who = 'A' | 'B';
    const pa = settle(a.query("UPDATE pg076_t SET owner = 'A' WHERE id = 2")).then((r) => ({ who: 'A' as Who, r }));
    const pb = settle(b.query("UPDATE pg076_t SET owner = 'B' WHERE id = 1")).then((r) => ({ who: 'B' as Who, r }));
    const DETECT_MS = 12_000;
    const first = await within(Promise.race([pa, pb]), DETECT_MS);
    if (first.timedOut) return ctx.fail(`no deadlock was detected within ${DETECT_MS} ms: both sessions still wait for each other's row lock (expected one to fail with 40P01)`);
    const victim = first.value;
    if (victim.r.ok) return ctx.fail(`session ${victim.who}'s conflicting UPDATE succeeded while the other session still held the row lock (expected one of them to fail with 40P01)`);
    checkSqlError(victim.r.error, '40P01', `session ${victim.who}, the first of the two deadlocked UPDATEs to finish`);
    const survivorWho = victim.who === 'A' ? 'B' : 'A';
    const [victimClient, survivorClient] = victim.who === 'A' ? [a, b] : [b, a];
    await victimClient.query('ROLLBACK');
    const second = await within(victim.who === 'A' ? pb : pa, 5_000);
    if (second.timedOut) return ctx.fail(`after session ${victim.who} was aborted with 40P01, session ${survivorWho}'s UPDATE still got no answer within 5000 ms`);
    if (!second.value.r.ok) {
      const code = sqlstate(second.value.r.error);
      if (code !== '40P01') checkSqlError(second.value.r.error, '40P01', `session ${survivorWho}`);
      ctx.log('both sessions were aborted with 40P01');
      await survivorClient.query('ROLLBACK');
      return;
    }
    await survivorClient.query('COMMIT');
    ctx.log(`session ${victim.who} was the deadlock victim (40P01); session ${survivorWho} committed`);
    const rows = await a.query<{ id: number; owner: string }>('SELECT id, owner FROM pg076_t ORDER BY id');
    assert.deepEqual(
      rows.rows.map((r) => r.owner),
      [survivorWho, survivorWho],
      `both rows must carry the survivor's (${survivorWho}) writes and none of the victim's, got ${JSON.stringify(rows.rows)}`,
    );
  },
});
