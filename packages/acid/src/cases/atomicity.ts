import { defineCase, type Case, type CaseContext } from '@helios-conformance/core';
import type { IsolationLevel, SqlSession } from '../session/types.js';
import type { AcidTarget } from '../target.js';
import { dropTables, messageOf, tableSuffix, within } from '../workload/_internal/util.js';

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

const PROBE_MS = 10_000;

function levelFor(ctx: CaseContext<AcidTarget>): IsolationLevel {
  const levels = ctx.target.endpoint.levels;
  if (levels.includes('read committed')) return 'read committed';
  const first = levels[0];
  if (!first) ctx.notApplicable('the endpoint accepts no isolation level in BEGIN');
  return first;
}

/**
 * The seed's `test_atomicity_distributed`: a transaction inserts a user and two orders, its
 * session vanishes before COMMIT, and none of its writes may remain. A fresh session then
 * inserts the same user key: that blocks while the vanished transaction still holds its row
 * lock, fails with a duplicate key if the write survived, and succeeds once it was rolled back.
 */
async function runCase(ctx: CaseContext<AcidTarget>, how: Vanish): Promise<void> {
  const ep = ctx.target.endpoint;
  const level = levelFor(ctx);
  const suffix = tableSuffix(ctx.rng);
  const users = `users_${suffix}`;
  const orders = `orders_${suffix}`;
  const qu = ep.qualify(users);
  const qo = ep.qualify(orders);
  const stmt = (ms = 5_000): AbortSignal => within(ctx.signal, ms);
  ctx.defer(() => dropTables(ep, [users, orders]));

  const setup = await ep.open(stmt());
  try {
    await setup.query(`CREATE TABLE ${qu} (id int PRIMARY KEY, name varchar(40) NOT NULL)`, [], stmt());
    await setup.query(`CREATE TABLE ${qo} (id int PRIMARY KEY, user_id int NOT NULL, amount int NOT NULL)`, [], stmt());
  } finally {
    await setup.close();
  }

  const userId = ctx.rng.int(1, 1_000_000);
  const writer = await ep.open(stmt());
  let commit = 'not tried';
  try {
    await writer.begin(level, stmt());
    await writer.query(`INSERT INTO ${qu} (id, name) VALUES (?, ?)`, [userId, 'atomicity'], stmt());
    await writer.query(`INSERT INTO ${qo} (id, user_id, amount) VALUES (?, ?, ?)`, [1, userId, 100], stmt());
    await writer.query(`INSERT INTO ${qo} (id, user_id, amount) VALUES (?, ?, ?)`, [2, userId, 250], stmt());
    if (how === 'kill') {
      await ep.killSession(writer.backendId, stmt(10_000));
      try {
        await writer.commit(stmt());
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

  const t0 = performance.now();
  const probe = await ep.open(stmt());
  let releasedAfterMs = -1;
  let survivors = { users: 0, orders: 0 };
  try {
    try {
      await probe.begin(level, stmt());
      await probe.query(`INSERT INTO ${qu} (id, name) VALUES (?, ?)`, [userId, 'probe'], within(ctx.signal, PROBE_MS));
      releasedAfterMs = Math.round(performance.now() - t0);
    } catch (e) {
      const c = ep.classify(e);
      if (c.kind === 'connection-lost' && !ctx.signal.aborted) {
        ctx.fail(`${PROBE_MS} ms after the writer ${how === 'kill' ? 'was killed' : 'disconnected'}, a new session still could not write its key: the server kept the vanished transaction open (${c.message})`);
      }
      // A duplicate key: the row is there; the counts below say so in plain words.
      releasedAfterMs = Math.round(performance.now() - t0);
      ctx.log(`probe insert: ${c.kind} ${c.code ?? ''} ${c.message}`);
    }
    await probe.rollback(stmt());
    survivors = await countRows(probe, qu, qo, userId, stmt);
  } finally {
    await probe.close();
  }
  const obs: AtomicityObservation = { how, commit, releasedAfterMs, survivors };
  const section = (ctx.target.sections.atomicity ??= {}) as Record<string, AtomicityObservation>;
  section[how] = obs;
  ctx.metric('releasedAfterMs', releasedAfterMs);
  ctx.metric('survivors', survivors);
  if (survivors.users > 0 || survivors.orders > 0) {
    ctx.fail(
      `the transaction's session ${how === 'kill' ? 'was killed' : 'disconnected'} before COMMIT, yet ${survivors.users} of its 1 users row(s) and ${survivors.orders} of its 2 orders row(s) remain: it was not atomic`,
    );
  }
}

async function countRows(s: SqlSession, qu: string, qo: string, userId: number, stmt: () => AbortSignal): Promise<{ users: number; orders: number }> {
  try {
    const u = await s.query(`SELECT count(*) AS n FROM ${qu} WHERE id = ?`, [userId], stmt());
    const o = await s.query(`SELECT count(*) AS n FROM ${qo} WHERE user_id = ?`, [userId], stmt());
    return { users: Number(u.rows[0]?.n ?? 0), orders: Number(o.rows[0]?.n ?? 0) };
  } catch (e) {
    throw new Error(`could not count the writer's rows: ${messageOf(e)}`, { cause: e });
  }
}

/** The atomicity cases: a transaction whose session vanishes before COMMIT leaves nothing behind. */
export const atomicityCases: readonly Case<AcidTarget>[] = [
  defineCase<AcidTarget>({
    id: 'AC-120',
    title: 'atomicity: a multi-statement transaction whose session is killed before COMMIT leaves none of its writes',
    priority: 'p0',
    area: 'atomicity',
    spec: 'https://en.wikipedia.org/wiki/Atomicity_(database_systems)',
    since: '0.1.0',
    timeoutMs: 60_000,
    run: (ctx) => runCase(ctx, 'kill'),
  }),
  defineCase<AcidTarget>({
    id: 'AC-121',
    title: 'atomicity: a transaction whose client socket is destroyed before COMMIT leaves none of its writes',
    priority: 'p0',
    area: 'atomicity',
    spec: 'https://en.wikipedia.org/wiki/Atomicity_(database_systems)',
    since: '0.1.0',
    timeoutMs: 60_000,
    run: (ctx) => runCase(ctx, 'disconnect'),
  }),
];
