import assert from 'node:assert/strict';
import type { SqlSession } from '@helios-conformance/sql';
import { defineAcidCase, dropTables, messageOf, sectionOf, someLevel, statement, tableSuffix, type AcidContext } from '../../_internal/case-kit.js';

/** How the writer of an atomicity case is made to vanish before COMMIT. */
export type Vanish = 'kill' | 'disconnect';

/** What the report's `sections.atomicity[how]` holds. */
export interface AtomicityObservation {
  /** How the writer vanished: its backend killed by the server, or its socket destroyed by the client. */
  how: Vanish;
  /** What COMMIT on the vanished session did (kill only): "rejected: …" or "succeeded". */
  commit: string;
  /** Milliseconds until a probe could write the same primary key (the server had ended the writer's transaction). */
  releasedAfterMs: number;
  /** Rows of the writer found afterwards, per table (must all be 0). */
  survivors: { users: number; orders: number };
}

/** How long the probe may wait for the vanished writer's row lock. */
const PROBE_MS = 10_000;

/**
 * The seed's `test_atomicity_distributed`: a transaction inserts a user and two orders, its
 * session vanishes before COMMIT, and none of its writes may remain. A fresh session then
 * inserts the same user key: that blocks while the vanished transaction still holds its row
 * lock, fails with a duplicate key if the write survived, and succeeds once it was rolled back.
 */
async function writerVanishes(ctx: AcidContext, how: Vanish): Promise<void> {
  const ep = ctx.target.endpoint;
  const level = someLevel(ctx);
  const suffix = tableSuffix(ctx.rng);
  const [users, orders] = [`users_${suffix}`, `orders_${suffix}`];
  const [qu, qo] = [ep.qualify(users), ep.qualify(orders)];
  ctx.defer(() => dropTables(ep, [users, orders]));

  const setup = await ep.open(statement(ctx));
  try {
    await setup.query(`CREATE TABLE ${qu} (id int PRIMARY KEY, name varchar(40) NOT NULL)`, [], statement(ctx));
    await setup.query(`CREATE TABLE ${qo} (id int PRIMARY KEY, user_id int NOT NULL, amount int NOT NULL)`, [], statement(ctx));
  } finally {
    await setup.close();
  }

  // The writer: three inserts, then its session vanishes before COMMIT.
  const userId = ctx.rng.int(1, 1_000_000);
  const writer = await ep.open(statement(ctx));
  let commit = 'not tried';
  try {
    await writer.begin(level, statement(ctx));
    await writer.query(`INSERT INTO ${qu} (id, name) VALUES (?, ?)`, [userId, 'atomicity'], statement(ctx));
    await writer.query(`INSERT INTO ${qo} (id, user_id, amount) VALUES (?, ?, ?)`, [1, userId, 100], statement(ctx));
    await writer.query(`INSERT INTO ${qo} (id, user_id, amount) VALUES (?, ?, ?)`, [2, userId, 250], statement(ctx));
    if (how === 'kill') {
      await ep.killSession(writer.backendId, statement(ctx, 10_000));
      try {
        await writer.commit(statement(ctx));
        commit = 'succeeded';
      } catch (e) {
        commit = `rejected: ${ep.classify(e).kind}`;
      }
      // A COMMIT that succeeds on a killed session means the kill never happened: the case has
      // not exercised what it is about, which is the harness's (or adapter's) problem, not a verdict.
      if (commit === 'succeeded') throw new Error(`killSession(${writer.backendId}) did not end the session: COMMIT afterwards succeeded`);
    } else {
      writer.destroy();
    }
  } finally {
    writer.destroy();
  }

  // The probe: the same user key, written as soon as the server has ended the writer's transaction.
  const t0 = performance.now();
  const probe = await ep.open(statement(ctx));
  let releasedAfterMs = -1;
  let survivors = { users: 0, orders: 0 };
  try {
    try {
      await probe.begin(level, statement(ctx));
      await probe.query(`INSERT INTO ${qu} (id, name) VALUES (?, ?)`, [userId, 'probe'], statement(ctx, PROBE_MS));
      releasedAfterMs = Math.round(performance.now() - t0);
    } catch (e) {
      const c = ep.classify(e);
      assert.ok(
        c.kind !== 'connection-lost' || ctx.signal.aborted,
        `${PROBE_MS} ms after the writer ${how === 'kill' ? 'was killed' : 'disconnected'}, a new session still could not write its key: the server kept the vanished transaction open (${c.message})`,
      );
      // A duplicate key: the row is there; the counts below say so in plain words.
      releasedAfterMs = Math.round(performance.now() - t0);
      ctx.log(`probe insert: ${c.kind} ${c.code ?? ''} ${c.message}`);
    }
    await probe.rollback(statement(ctx));
    survivors = await countRows(ctx, probe, qu, qo, userId);
  } finally {
    await probe.close();
  }

  sectionOf<AtomicityObservation>(ctx, 'atomicity')[how] = { how, commit, releasedAfterMs, survivors };
  ctx.metric('releasedAfterMs', releasedAfterMs);
  ctx.metric('survivors', survivors);
  assert.ok(
    survivors.users === 0 && survivors.orders === 0,
    `the transaction's session ${how === 'kill' ? 'was killed' : 'disconnected'} before COMMIT, yet ${survivors.users} of its 1 users row(s) and ${survivors.orders} of its 2 orders row(s) remain: it was not atomic`,
  );
}

async function countRows(ctx: AcidContext, s: SqlSession, qu: string, qo: string, userId: number): Promise<{ users: number; orders: number }> {
  try {
    const u = await s.query(`SELECT count(*) AS n FROM ${qu} WHERE id = ?`, [userId], statement(ctx));
    const o = await s.query(`SELECT count(*) AS n FROM ${qo} WHERE user_id = ?`, [userId], statement(ctx));
    return { users: Number(u.rows[0]?.n ?? 0), orders: Number(o.rows[0]?.n ?? 0) };
  } catch (e) {
    throw new Error(`could not count the writer's rows: ${messageOf(e)}`, { cause: e });
  }
}

/** AC-120: the writer's backend is killed by the server. */
export const atomicityKilled = defineAcidCase({
  id: 'AC-120',
  title: 'atomicity: a multi-statement transaction whose session is killed before COMMIT leaves none of its writes',
  priority: 'p0',
  area: 'atomicity',
  spec: 'https://en.wikipedia.org/wiki/Atomicity_(database_systems)',
  since: '0.1.0',
  timeoutMs: 60_000,
  run: (ctx) => writerVanishes(ctx, 'kill'),
});

/** AC-121: the writer's client drops its socket. */
export const atomicityDisconnected = defineAcidCase({
  id: 'AC-121',
  title: 'atomicity: a transaction whose client socket is destroyed before COMMIT leaves none of its writes',
  priority: 'p0',
  area: 'atomicity',
  spec: 'https://en.wikipedia.org/wiki/Atomicity_(database_systems)',
  since: '0.1.0',
  timeoutMs: 60_000,
  run: (ctx) => writerVanishes(ctx, 'disconnect'),
});
