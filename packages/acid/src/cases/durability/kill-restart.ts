import assert from 'node:assert/strict';
import type { IsolationLevel, SqlEndpoint, SqlSession } from '@helios-conformance/sql';
import { defineAcidCase, dropTables, messageOf, pause, SIZES, someLevel, statement, tableSuffix, type AcidContext } from '../../_internal/case-kit.js';

/** What the report's `sections.durability` holds. */
export interface DurabilityObservation {
  /** Commits the server acknowledged before it was killed. */
  acknowledged: number;
  /** Commits in flight when it was killed (outcome unknown; either way is allowed). */
  inFlight: number;
  /** In-flight commits whose row was there after the restart. */
  inFlightPresent: number;
  /** Acknowledged rows missing after the restart (must be empty). */
  missing: number[];
  /** Milliseconds the crash (SIGKILL until gone) and the restart (until logins work) took. */
  crashMs: number;
  restartMs: number;
}

/** AC-130: the seed's `test_durability`. */
export const durabilityAfterKill = defineAcidCase({
  id: 'AC-130',
  title: 'durability: every commit acknowledged before kill -9 of the server is there after the restart',
  priority: 'p0',
  area: 'durability',
  spec: 'https://en.wikipedia.org/wiki/Durability_(database_systems)',
  since: '0.1.0',
  timeoutMs: 180_000,
  destructive: true,
  /**
   * Clients commit rows, one transaction each; once `rows` commits were acknowledged the server
   * is killed with SIGKILL while more are in flight, restarted on the same data directory, and
   * every acknowledged row must be there.
   */
  async run(ctx) {
    const server = ctx.target.server ?? ctx.notApplicable('needs a testbed-managed endpoint: run with --testbed postgres|mariadb');
    const ep = ctx.target.endpoint;
    const level = someLevel(ctx);
    const { clients, rows } = SIZES[ctx.target.size].durability;
    const table = `dur_${tableSuffix(ctx.rng)}`;
    const q = ep.qualify(table);
    ctx.defer(() => dropTables(ep, [table]));

    const setup = await ep.open(statement(ctx));
    try {
      await setup.query(`CREATE TABLE ${q} (id int PRIMARY KEY, client int NOT NULL)`, [], statement(ctx));
    } finally {
      await setup.close();
    }

    const writers = commitRows(ctx, q, level, clients, rows);
    await writers.enough;

    const t0 = performance.now();
    await server.crash();
    const crashMs = Math.round(performance.now() - t0);
    // Whatever was acknowledged up to the kill is what must survive.
    const ackedAtCrash = [...writers.acked];
    const inFlightAtCrash = [...writers.inFlight];
    await writers.stop();

    const t1 = performance.now();
    await server.restart();
    const restartMs = Math.round(performance.now() - t1);

    const present = await idsAfterRestart(ctx, ep, q);
    const missing = ackedAtCrash.filter((id) => !present.has(id)).sort((a, b) => a - b);
    const obs: DurabilityObservation = {
      acknowledged: ackedAtCrash.length,
      inFlight: inFlightAtCrash.length,
      inFlightPresent: inFlightAtCrash.filter((id) => present.has(id)).length,
      missing: missing.slice(0, 50),
      crashMs,
      restartMs,
    };
    ctx.target.sections.durability = obs;
    ctx.metric('acknowledged', obs.acknowledged);
    ctx.metric('inFlight', obs.inFlight);
    ctx.metric('missing', missing.length);
    ctx.log(`killed after ${obs.acknowledged} acknowledged commits (${obs.inFlight} in flight, ${obs.inFlightPresent} of them present after restart); restart took ${restartMs} ms`);
    assert.ok(
      missing.length === 0,
      `${missing.length} of ${ackedAtCrash.length} commits acknowledged before kill -9 are missing after the restart (ids ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''})`,
    );
  },
});

/**
 * Starts `clients` writers that commit one row per transaction and keep going past `rows`, so
 * commits are in flight when the server dies. `enough` resolves once `rows` commits were
 * acknowledged (and rejects when a commit fails before that); `stop` waits for the writers to
 * notice the crash, then destroys their sessions.
 */
function commitRows(ctx: AcidContext, q: string, level: IsolationLevel, clients: number, rows: number) {
  const ep = ctx.target.endpoint;
  const acked = new Set<number>();
  const inFlight = new Set<number>();
  const sessions: SqlSession[] = [];
  let nextId = 1;
  let crashing = false;
  let reached!: () => void;
  const reachedRows = new Promise<void>((r) => (reached = r));

  const writer = async (c: number): Promise<void> => {
    const s = await ep.open(statement(ctx));
    sessions.push(s);
    while (!ctx.signal.aborted) {
      const id = nextId++;
      inFlight.add(id);
      try {
        await s.begin(level, statement(ctx));
        await s.query(`INSERT INTO ${q} (id, client) VALUES (?, ?)`, [id, c], statement(ctx));
        await s.commit(statement(ctx));
      } catch (e) {
        if (!crashing) throw new Error(`a commit failed before the crash: ${messageOf(e)}`, { cause: e });
        return;
      }
      inFlight.delete(id);
      acked.add(id);
      if (acked.size >= rows) reached();
    }
  };
  const allDone = Promise.allSettled(Array.from({ length: clients }, (_, i) => writer(i)));

  const enough = Promise.race([reachedRows.then(() => undefined), allDone]).then((early) => {
    if (early) {
      const bad = early.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      throw bad?.reason ?? new Error('writers stopped before the crash');
    }
    crashing = true;
  });
  const stop = async (): Promise<void> => {
    await Promise.race([allDone, pause(15_000, ctx.signal)]);
    for (const s of sessions) s.destroy();
  };
  return { acked, inFlight, enough, stop };
}

/** The ids in the table once the restarted server answers (it may still be finishing recovery for a moment). */
async function idsAfterRestart(ctx: AcidContext, ep: SqlEndpoint, q: string): Promise<Set<number>> {
  for (let attempt = 0; ; attempt++) {
    try {
      const s = await ep.open(statement(ctx, 10_000));
      try {
        const r = await s.query(`SELECT id FROM ${q}`, [], statement(ctx, 20_000));
        return new Set(r.rows.map((row) => Number(row.id)));
      } finally {
        await s.close();
      }
    } catch (e) {
      if (attempt >= 10 || ctx.signal.aborted) throw new Error(`could not read the table after the restart: ${messageOf(e)}`, { cause: e });
      await pause(500, ctx.signal);
    }
  }
}
