import { defineCase, type Case } from '@helios-conformance/core';
import type { IsolationLevel, SqlSession } from '../session/types.js';
import type { AcidTarget } from '../target.js';
import { dropTables, messageOf, pause, tableSuffix, within } from '../workload/_internal/util.js';
import { SIZES } from './_internal/sizes.js';

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

/**
 * The seed's `test_durability`: clients commit rows one transaction each; once `rows` commits
 * were acknowledged the server is killed with SIGKILL while more are in flight, restarted on the
 * same data directory, and every acknowledged row must be there.
 */
export const durabilityCases: readonly Case<AcidTarget>[] = [
  defineCase<AcidTarget>({
    id: 'AC-130',
    title: 'durability: every commit acknowledged before kill -9 of the server is there after the restart',
    priority: 'p0',
    area: 'durability',
    spec: 'https://en.wikipedia.org/wiki/Durability_(database_systems)',
    since: '0.1.0',
    timeoutMs: 180_000,
    destructive: true,
    async run(ctx) {
      const t = ctx.target;
      const server = t.server ?? ctx.notApplicable('needs a testbed-managed endpoint: run with --testbed postgres|mariadb');
      const ep = t.endpoint;
      const level: IsolationLevel = ep.levels.includes('read committed') ? 'read committed' : (ep.levels[0] ?? ctx.notApplicable('the endpoint accepts no isolation level'));
      const { clients, rows } = SIZES[t.size].durability;
      const table = `dur_${tableSuffix(ctx.rng)}`;
      const q = ep.qualify(table);
      ctx.defer(() => dropTables(ep, [table]));
      const stmt = (ms = 5_000): AbortSignal => within(ctx.signal, ms);

      const setup = await ep.open(stmt());
      try {
        await setup.query(`CREATE TABLE ${q} (id int PRIMARY KEY, client int NOT NULL)`, [], stmt());
      } finally {
        await setup.close();
      }

      const acked = new Set<number>();
      const inFlight = new Set<number>();
      let nextId = 1;
      let crashing = false;
      let reached!: () => void;
      const enough = new Promise<void>((r) => (reached = r));
      const sessions: SqlSession[] = [];
      const writer = async (c: number): Promise<void> => {
        const s = await ep.open(stmt());
        sessions.push(s);
        // Writers keep going past `rows` so that commits are in flight when the server dies.
        while (!ctx.signal.aborted) {
          const id = nextId++;
          inFlight.add(id);
          try {
            await s.begin(level, stmt());
            await s.query(`INSERT INTO ${q} (id, client) VALUES (?, ?)`, [id, c], stmt());
            await s.commit(stmt());
          } catch (e) {
            if (!crashing) throw new Error(`a commit failed before the crash: ${messageOf(e)}`, { cause: e });
            return;
          }
          inFlight.delete(id);
          acked.add(id);
          if (acked.size >= rows) reached();
        }
      };
      const writers = Array.from({ length: clients }, (_, i) => writer(i));
      const allDone = Promise.allSettled(writers);
      const early = await Promise.race([enough.then(() => undefined), allDone.then((r) => r)]);
      if (early) {
        const bad = early.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        throw bad?.reason ?? new Error('writers stopped before the crash');
      }
      crashing = true;
      const t0 = performance.now();
      await server.crash();
      const crashMs = Math.round(performance.now() - t0);
      // Freeze the sets: whatever was acknowledged up to the kill is what must survive.
      const ackedAtCrash = [...acked];
      const inFlightAtCrash = [...inFlight];
      await Promise.race([allDone, pause(15_000, ctx.signal)]);
      for (const s of sessions) s.destroy();
      const t1 = performance.now();
      await server.restart();
      const restartMs = Math.round(performance.now() - t1);

      let present = new Set<number>();
      for (let attempt = 0; ; attempt++) {
        try {
          const s = await ep.open(stmt(10_000));
          try {
            const r = await s.query(`SELECT id FROM ${q}`, [], stmt(20_000));
            present = new Set(r.rows.map((row) => Number(row.id)));
          } finally {
            await s.close();
          }
          break;
        } catch (e) {
          // Right after a restart a server may still be finishing recovery for a moment.
          if (attempt >= 10 || ctx.signal.aborted) throw new Error(`could not read the table after the restart: ${messageOf(e)}`, { cause: e });
          await pause(500, ctx.signal);
        }
      }
      const missing = ackedAtCrash.filter((id) => !present.has(id)).sort((a, b) => a - b);
      const obs: DurabilityObservation = {
        acknowledged: ackedAtCrash.length,
        inFlight: inFlightAtCrash.length,
        inFlightPresent: inFlightAtCrash.filter((id) => present.has(id)).length,
        missing: missing.slice(0, 50),
        crashMs,
        restartMs,
      };
      t.sections.durability = obs;
      ctx.metric('acknowledged', obs.acknowledged);
      ctx.metric('inFlight', obs.inFlight);
      ctx.metric('missing', missing.length);
      ctx.log(`killed after ${obs.acknowledged} acknowledged commits (${obs.inFlight} in flight, ${obs.inFlightPresent} of them present after restart); restart took ${restartMs} ms`);
      if (missing.length > 0) {
        ctx.fail(
          `${missing.length} of ${ackedAtCrash.length} commits acknowledged before kill -9 are missing after the restart (ids ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''})`,
        );
      }
    },
  }),
];
