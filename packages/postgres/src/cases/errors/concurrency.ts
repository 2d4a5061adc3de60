import assert from 'node:assert/strict';
import { checkSqlError } from '@helios-conformance/sql/postgres';
import { answered, definePgCase, firstOf, interleave, openSession, secondSession, settle } from '../../_internal/case-kit.js';

/** How long the second session may take to answer while the first holds a transaction open. */
const SECOND_SESSION_MS = 4_000;
/** How long a deadlock may take to be detected (deadlock_timeout is 1 s by default). */
const DETECT_MS = 12_000;

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
    await a.query(`CREATE TABLE ${ctx.target.qualify('pg074_acct')} (id int PRIMARY KEY, balance int NOT NULL)`);
    await a.query(`INSERT INTO ${ctx.target.qualify('pg074_acct')} VALUES (1, 100)`);

    // Both transactions read the balance: 100.
    await a.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
    await a.query(`SELECT balance FROM ${ctx.target.qualify('pg074_acct')} WHERE id = 1`);
    await secondSession(ctx, b.query('BEGIN ISOLATION LEVEL SERIALIZABLE'), a, b, SECOND_SESSION_MS, "the second session's BEGIN");
    const seen = await secondSession(ctx, b.query<{ balance: number }>(`SELECT balance FROM ${ctx.target.qualify('pg074_acct')} WHERE id = 1`), a, b, SECOND_SESSION_MS, "the second session's SELECT");
    assert.equal(seen.rows[0]?.balance, 100, 'the second transaction must see the committed balance 100');

    // A adds 10 and commits.
    await a.query(`UPDATE ${ctx.target.qualify('pg074_acct')} SET balance = balance + 10 WHERE id = 1`);
    await a.query('COMMIT');

    // B adds 20 to the balance it read: refused with 40001, at its UPDATE or at its COMMIT.
    let refusedAt: 'UPDATE' | 'COMMIT' | undefined;
    const update = await answered(ctx, settle(b.query(`UPDATE ${ctx.target.qualify('pg074_acct')} SET balance = balance + 20 WHERE id = 1`)), 5_000, "the second transaction's UPDATE after the first committed");
    if (!update.ok) {
      checkSqlError(update.error, '40001', 'UPDATE of a row changed by a transaction committed after our snapshot');
      refusedAt = 'UPDATE';
      await b.query('ROLLBACK');
    } else {
      const commit = await settle(b.query('COMMIT'));
      if (!commit.ok) {
        checkSqlError(commit.error, '40001', 'COMMIT of a transaction that updated a row changed after its snapshot');
        refusedAt = 'COMMIT';
      }
    }

    const balance = (await a.query<{ balance: number }>(`SELECT balance FROM ${ctx.target.qualify('pg074_acct')} WHERE id = 1`)).rows[0]?.balance;
    if (refusedAt === undefined) {
      ctx.fail(`expected SQLSTATE 40001 for the second transaction, but its UPDATE and COMMIT succeeded (final balance ${balance}; 100 + 10 + 20 computed from a stale snapshot is a lost update)`);
    }
    ctx.log(`the second transaction failed with 40001 at ${refusedAt}`);
    assert.equal(balance, 110, `only the first transaction's +10 may persist: expected balance 110, got ${balance}`);
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
    await a.query(`CREATE TABLE ${ctx.target.qualify('pg075_oncall')} (doctor text PRIMARY KEY, on_call boolean NOT NULL)`);
    await a.query(`INSERT INTO ${ctx.target.qualify('pg075_oncall')} VALUES ('alice', true), ('bob', true)`);

    // Each transaction sees two doctors on call and takes one off: alice (A), bob (B). Any
    // statement may fail with 40001; the rest of that transaction is then not run.
    const tx = interleave(ctx, { A: a, B: b }, { waitMs: SECOND_SESSION_MS, abortCode: '40001' });
    const countSql = `SELECT count(*) FROM ${ctx.target.qualify('pg075_oncall')} WHERE on_call`;
    await tx.step('A', 'BEGIN ISOLATION LEVEL SERIALIZABLE');
    await tx.step('A', countSql);
    await tx.step('B', 'BEGIN ISOLATION LEVEL SERIALIZABLE');
    await tx.step('B', countSql);
    await tx.step('A', `UPDATE ${ctx.target.qualify('pg075_oncall')} SET on_call = false WHERE doctor = 'alice'`);
    await tx.step('B', `UPDATE ${ctx.target.qualify('pg075_oncall')} SET on_call = false WHERE doctor = 'bob'`);
    await tx.step('A', 'COMMIT');
    await tx.step('B', 'COMMIT');

    const onCall = (await a.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg075_oncall')} WHERE on_call`)).rows[0]?.n;
    if (tx.aborted.size === 0) {
      ctx.fail(`expected SQLSTATE 40001 for one of the two transactions, but both committed (write skew: ${onCall} doctors left on call, no serial order gives 0)`);
    }
    ctx.log(`40001 observed: ${[...tx.aborted].map(([who, sql]) => `transaction ${who} at "${sql}"`).join('; ')}`);
    const expected = tx.aborted.size === 2 ? 2 : 1;
    assert.equal(onCall, expected, `after ${tx.aborted.size} transaction(s) failed, ${expected} doctor(s) must remain on call, found ${onCall}`);
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
    const sessions = { A: await openSession(ctx, 'hc-pg-076-a'), B: await openSession(ctx, 'hc-pg-076-b') };
    const { A: a, B: b } = sessions;
    await a.query(`CREATE TABLE ${ctx.target.qualify('pg076_t')} (id int PRIMARY KEY, owner text)`);
    await a.query(`INSERT INTO ${ctx.target.qualify('pg076_t')} VALUES (1, 'none'), (2, 'none')`);
    // deadlock_timeout (1 s by default) is how long a waiter sleeps before checking for a deadlock.
    const dt = await a.query<{ deadlock_timeout: string }>('SHOW deadlock_timeout');
    ctx.log(`deadlock_timeout = ${dt.rows[0]?.deadlock_timeout}`);

    // A locks row 1, B locks row 2.
    await a.query('BEGIN');
    await a.query(`UPDATE ${ctx.target.qualify('pg076_t')} SET owner = 'A' WHERE id = 1`);
    await secondSession(ctx, b.query('BEGIN'), a, b, SECOND_SESSION_MS, "the second session's BEGIN");
    await secondSession(ctx, b.query(`UPDATE ${ctx.target.qualify('pg076_t')} SET owner = 'B' WHERE id = 2`), a, b, SECOND_SESSION_MS, "the second session's UPDATE of the other row");

    // Each now wants the other's row. The verdict is the set of outcomes once both UPDATEs have
    // answered, never the order the answers arrived in: a hop between us and the server (a proxy, a
    // pooler) may deliver the survivor's success before the victim's 40P01 although the server
    // aborted the victim first. One 40P01 and one success, or two 40P01s, pass; two successes fail.
    const updates = {
      A: settle(a.query(`UPDATE ${ctx.target.qualify('pg076_t')} SET owner = 'A' WHERE id = 2`)),
      B: settle(b.query(`UPDATE ${ctx.target.qualify('pg076_t')} SET owner = 'B' WHERE id = 1`)),
    };
    const first = await firstOf(updates, DETECT_MS);
    if (!first) return ctx.fail(`no deadlock was detected within ${DETECT_MS} ms: both sessions still wait for each other's row lock (expected one to fail with 40P01)`);
    const other = first.who === 'A' ? 'B' : 'A';
    // A failed session is rolled back before waiting for the other: a server may hold a victim's
    // locks until its ROLLBACK, and the other UPDATE cannot finish before that.
    if (!first.outcome.ok) await sessions[first.who].query('ROLLBACK');
    const second = await answered(ctx, updates[other], 5_000, `after session ${first.who}'s UPDATE ${first.outcome.ok ? 'succeeded' : 'failed'}, session ${other}'s UPDATE`);
    const outcome = first.who === 'A' ? { A: first.outcome, B: second } : { A: second, B: first.outcome };
    const failed = (['A', 'B'] as const).filter((w) => !outcome[w].ok);
    if (!failed.length) return ctx.fail('both conflicting UPDATEs succeeded: each session changed a row the other held locked (expected one of them to fail with 40P01)');
    for (const w of failed) {
      const o = outcome[w];
      if (!o.ok) checkSqlError(o.error, '40P01', `session ${w}'s UPDATE of the row the other session held`);
    }
    if (!second.ok) await sessions[other].query('ROLLBACK');
    if (failed.length === 2) {
      ctx.log('both sessions were aborted with 40P01');
      return;
    }
    const victim = failed[0]!;
    const survivor = victim === 'A' ? 'B' : 'A';
    if (first.outcome.ok) await sessions[victim].query('ROLLBACK');
    await sessions[survivor].query('COMMIT');
    ctx.log(`session ${victim} was the deadlock victim (40P01); session ${survivor} committed${first.who === survivor ? " (its answer arrived before the victim's)" : ''}`);

    const rows = await a.query<{ id: number; owner: string }>(`SELECT id, owner FROM ${ctx.target.qualify('pg076_t')} ORDER BY id`);
    assert.deepEqual(
      rows.rows.map((r) => r.owner),
      [survivor, survivor],
      `both rows must carry the survivor's (${survivor}) writes and none of the victim's, got ${JSON.stringify(rows.rows)}`,
    );
  },
});
