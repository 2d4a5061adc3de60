import { defineStressCase, requireTimeFor } from '../../_internal/case-kit.js';
import { newHistogram, summarize, type LatencySummary } from '../../generator/histogram.js';
import { caseSessions, errorLine, serverCodeOf, sleep, type CaseSession } from './_kit.js';
import { recordSessions } from './t221-writers-listeners.js';

/**
 * Refusals that are the endpoint saying "I am full". PostgreSQL: class 53 (insufficient resources:
 * 53300 too many connections, 53200 out of memory …) and 57P03 (cannot connect now). MySQL: 1040
 * too many connections, 1203 the user's own limit, 1135 no thread for it, 1041/1037/1038 out of memory.
 */
const CLEAN_REFUSAL = /^(53...|57P03|errno (1040|1203|1135|1041|1037|1038))$/;
const CLEAN_WORDS = 'SQLSTATE class 53 or 57P03; MySQL errno 1040, 1203, 1135, 1041, 1037 or 1038';

/** Each established session inserts once per this many ms during a step: the rate grows with the sessions. */
const THINK_MS = 100;

interface Step {
  connections: number;
  opened: number;
  refused: Record<string, number>;
  inserts: number;
  latency: LatencySummary;
}

/**
 * T228: ramp sessions (and with them the insert rate) step by step until the endpoint refuses or
 * slows down to extreme latency, bounded by --ramp-max-connections. It must degrade cleanly: a
 * refusal is the server saying it is full (SQLSTATE 53300, MySQL errno 1040), never a reset or a hang; the
 * sessions it already accepted keep working; and it serves a new session once the load is gone.
 */
export const gracefulDegradation = defineStressCase({
  id: 'T228',
  title: 'graceful degradation: ramp sessions and inserts until refusal (SQLSTATE 53300 / errno 1040) or extreme latency; established sessions keep working, no crash',
  priority: 'p1',
  area: 'sessions',
  since: '0.1.0',
  spec: 'kalamdb-testing-strategy.md T228 (ramp the load until the first errors or extreme latency; clean overload errors, no crashes or connection drops)',
  async run(ctx) {
    const { endpoint, load, sessions: s } = ctx.target;
    // The seed steps every 30 s over its 5 minutes: a tenth of --duration per step.
    const stepMs = Math.max(200, Math.round(load.durationMs / 10));
    const maxSteps = Math.ceil(s.rampMaxConnections / s.rampStep);
    // Ten steps of a tenth of --duration each, plus logins and the checks after: like a load of --duration.
    requireTimeFor(ctx, 15_000);
    const budget = ctx.remainingMs() - 15_000;
    const sessions = caseSessions(ctx);
    const table = endpoint.qualify('t228_ramp');
    const setup = await endpoint.open(ctx.signal);
    ctx.defer(async () => {
      try {
        await setup.query(`DROP TABLE IF EXISTS ${table}`);
      } finally {
        await setup.close();
      }
    });
    await setup.query(`CREATE TABLE ${table} (id ${endpoint.dialect === 'mysql' ? 'bigint AUTO_INCREMENT' : 'bigserial'} PRIMARY KEY, v int NOT NULL)`, [], ctx.signal);

    const established: CaseSession[] = [];
    // A session that went away on its own (its driver saw the error or the goodbye) or failed a statement without a server code.
    const dropped = new Map<CaseSession, string>();
    const noteDrops = (): void => {
      for (const c of established) if (c.dropped !== undefined && !dropped.has(c)) dropped.set(c, c.dropped);
    };
    const insert = (c: CaseSession, v: number): Promise<unknown> => c.query(`INSERT INTO ${table} (v) VALUES (?)`, [v]);
    const steps: Step[] = [];
    const unclean: string[] = [];
    const queryErrors: Record<string, number> = {};
    let firstQueryError: string | null = null;
    let stoppedBy: 'refusal' | 'extreme latency' | 'dropped sessions' | 'limit' | 'time' = 'limit';
    const t0 = performance.now();

    for (let step = 0; step < maxSteps; step++) {
      if (performance.now() - t0 + stepMs > budget) {
        stoppedBy = 'time';
        break;
      }
      const want = Math.min(s.rampStep, s.rampMaxConnections - established.length);
      const opens = await Promise.allSettled(Array.from({ length: want }, () => sessions.open()));
      const refused: Record<string, number> = {};
      for (const o of opens) {
        if (o.status === 'fulfilled') {
          established.push(o.value);
        } else {
          const code = serverCodeOf(o.reason) ?? 'no server code';
          refused[code] = (refused[code] ?? 0) + 1;
          if (!CLEAN_REFUSAL.test(code)) unclean.push(errorLine(o.reason) || 'refused without a reason');
        }
      }
      // Every established session inserts every THINK_MS for the step: sessions × 10 inserts/s.
      const hist = newHistogram();
      let inserts = 0;
      const until = performance.now() + stepMs;
      await Promise.all(
        established.map(async (c, i) => {
          await sleep((i * THINK_MS) / Math.max(1, established.length), ctx.signal);
          while (performance.now() < until && !ctx.signal.aborted && !dropped.has(c) && c.dropped === undefined) {
            const a = performance.now();
            try {
              await insert(c, i);
              hist.recordValue(Math.max(1, Math.round((performance.now() - a) * 1000)));
              inserts++;
            } catch (e) {
              const code = serverCodeOf(e) ?? 'no server code';
              queryErrors[code] = (queryErrors[code] ?? 0) + 1;
              firstQueryError ??= errorLine(e);
              if (!serverCodeOf(e) && !dropped.has(c)) dropped.set(c, c.dropped ?? errorLine(e));
            }
            await sleep(Math.max(0, THINK_MS - (performance.now() - a)), ctx.signal);
          }
        }),
      );
      noteDrops();
      const latency = summarize(hist);
      steps.push({ connections: established.length, opened: opens.length - Object.values(refused).reduce((a, b) => a + b, 0), refused, inserts, latency });
      ctx.log(`step ${step + 1}: ${established.length} sessions, ${inserts} inserts, p99 ${latency.p99 ?? '-'} ms, refused ${JSON.stringify(refused)}`);
      if (Object.keys(refused).length > 0) {
        stoppedBy = 'refusal';
        break;
      }
      if ((latency.p99 ?? 0) > s.rampExtremeMs) {
        stoppedBy = 'extreme latency';
        break;
      }
      if (dropped.size > 0) {
        stoppedBy = 'dropped sessions';
        break;
      }
    }

    // The sessions the endpoint accepted must all still work after the ramp.
    noteDrops();
    const after = await Promise.all(
      established.map(async (c) => {
        if (dropped.has(c)) return false;
        const t = AbortSignal.timeout(5_000);
        try {
          await Promise.race([c.query('SELECT 1'), new Promise((_, reject) => t.addEventListener('abort', () => reject(new Error('no answer within 5 s')), { once: true }))]);
          return true;
        } catch (e) {
          dropped.set(c, errorLine(e));
          return false;
        }
      }),
    );
    const alive = after.filter(Boolean).length;
    noteDrops();
    await sessions.close(established);

    // Once the ramp's sessions are gone, a new session must be served (backends may take a moment to exit).
    let fresh: string | null = null;
    const freshUntil = performance.now() + 10_000;
    for (;;) {
      try {
        const c = await sessions.open();
        await c.query('SELECT 1');
        await sessions.close([c]);
        fresh = null;
        break;
      } catch (e) {
        fresh = errorLine(e);
        if (performance.now() > freshUntil || ctx.signal.aborted) break;
        await sleep(200, ctx.signal);
      }
    }

    const figures = { stepMs, stoppedBy, peakConnections: established.length, alive, dropped: dropped.size, firstDrop: [...dropped.values()][0] ?? null, queryErrors, firstQueryError, unclean, servedAfter: fresh === null, steps };
    recordSessions(ctx.target.sections, ctx.id, { ramp: figures, thresholds: { extremeMs: s.rampExtremeMs, maxConnections: s.rampMaxConnections } });
    ctx.metric('ramp', { ...figures, steps: steps.length });

    if (dropped.size > 0) ctx.fail(`${dropped.size} of ${established.length} established sessions were dropped during or after the ramp (first: ${figures.firstDrop}); stopped by ${stoppedBy} at ${established.length} sessions`);
    if (unclean.length > 0) ctx.fail(`${unclean.length} sessions were refused without a clean overload error (${CLEAN_WORDS}): ${unclean[0]}`);
    const failedInserts = Object.entries(queryErrors).filter(([code]) => !CLEAN_REFUSAL.test(code));
    if (failedInserts.length > 0) ctx.fail(`inserts on established sessions failed under the ramp with ${JSON.stringify(Object.fromEntries(failedInserts))}: ${firstQueryError}`);
    if (fresh !== null) ctx.fail(`after the ramp the endpoint no longer serves a new session within 10 s: ${fresh}`);
    if (stoppedBy === 'limit' || stoppedBy === 'time') {
      ctx.notApplicable(`the ramp reached ${established.length} sessions (${steps.length} steps of ${stepMs} ms) without a refusal or a step p99 over ${s.rampExtremeMs} ms: degradation was not observed; raise --ramp-max-connections`);
    }
  },
});
