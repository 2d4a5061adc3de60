// Operation and session lifecycle: CancelOperation of a running statement, session configuration,
// CloseOperation / CloseSession.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineDbxCase, DRIVER_SPEC, query, show, type DbxCase } from '../_internal/case-kit.js';
import { within } from '../target.js';

// Long on any engine (a 5·10^10-row nested loop that yields a row now and then), so it is still
// running when the case cancels it; an endpoint that ignores the cancel never finishes it in time.
const LONG_QUERY = 'SELECT a.id FROM range(1000000) a CROSS JOIN range(50000) b WHERE (a.id + b.id) % 49999 = 0';

/** DB-013..015. */
export const operationCases: readonly DbxCase[] = [
  defineDbxCase({
    id: 'DB-013',
    title: 'CancelOperation of a running statement: the server reports CANCELED_STATE and the waiting fetch fails with the driver\'s CANCELED error',
    priority: 'p1',
    area: 'cancel',
    spec: DRIVER_SPEC,
    timeoutMs: 30_000,
    async run(ctx) {
      const T = ctx.target.driver.thrift.TCLIService_types;
      const op = await within(ctx.target.session.executeStatement(LONG_QUERY), ctx.remainingMs(), 'ExecuteStatement');
      const settled = op.fetchAll().then(
        (rows) => ({ rows, at: Date.now() }),
        (error: unknown) => ({ error: error as { errorCode?: string; message?: string; response?: { operationState?: number } }, at: Date.now() }),
      );
      // Cancel only what the server itself reports as running (or queued).
      let state: number | null | undefined;
      const until = Date.now() + 5_000;
      do {
        state = (await within(op.status(), ctx.remainingMs(), 'GetOperationStatus')).operationState;
        if (state !== T.TOperationState.RUNNING_STATE && state !== T.TOperationState.PENDING_STATE && state !== T.TOperationState.INITIALIZED_STATE) break;
        await sleep(200);
      } while (Date.now() < until);
      if (state !== T.TOperationState.RUNNING_STATE && state !== T.TOperationState.PENDING_STATE && state !== T.TOperationState.INITIALIZED_STATE) {
        ctx.fail(`the long query was not running when the case meant to cancel it: operationState ${T.TOperationState[state ?? -1] ?? show(state)}`);
      }
      const t0 = Date.now();
      const status = await within(op.cancel(), ctx.remainingMs(), 'CancelOperation');
      if (!status.isSuccess) ctx.fail('CancelOperation was not acknowledged with a success status');
      const outcome = await within(settled, Math.min(3_000, ctx.remainingMs()), 'the fetch waiting on the cancelled operation').catch(() => undefined);
      if (!outcome) return ctx.fail('3 s after CancelOperation the operation still ran: GetOperationStatus never answered CANCELED_STATE');
      ctx.metric('cancelledInMs', outcome.at - t0);
      if ('rows' in outcome) return ctx.fail(`the cancelled operation returned ${outcome.rows.length} rows`);
      const e = outcome.error;
      if (e.errorCode !== 'CANCELED') ctx.fail(`the waiting fetch failed with ${show(e.errorCode)}: ${e.message}, expected the driver's OperationStateError CANCELED`);
      // Without a server answer the driver still throws CANCELED (it remembers its own cancel()), but
      // only once the statement has finished: a CANCELED_STATE from GetOperationStatus is the proof.
      if (e.response?.operationState !== T.TOperationState.CANCELED_STATE) ctx.fail('the driver gave up on its own: the server never reported CANCELED_STATE for the cancelled operation');
      const rows = await query(ctx, 'SELECT 3 AS three');
      if (rows[0]?.three !== 3) ctx.fail(`after the cancel, SELECT 3 returned ${show(rows)}`);
    },
  }),
  defineDbxCase({
    id: 'DB-014',
    title: 'Session configuration sent with OpenSession is in force in that session (SET key shows it) and SET key = value changes it',
    priority: 'p2',
    area: 'session',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const conn = await ctx.target.connect({ configuration: { ansi_mode: 'true' }, timeoutMs: ctx.remainingMs() });
      ctx.defer(() => conn.close());
      const run = async (sql: string): Promise<Array<Record<string, unknown>>> => {
        const op = await within(conn.session.executeStatement(sql), ctx.remainingMs(), sql);
        try {
          return await within(op.fetchAll(), ctx.remainingMs(), sql);
        } finally {
          await within(op.close(), 3_000, 'CloseOperation').catch(() => undefined);
        }
      };
      const first = await run('SET ansi_mode');
      if (String(first[0]?.value).toLowerCase() !== 'true') ctx.fail(`OpenSession configuration ansi_mode=true: SET ansi_mode returned ${show(first)}`);
      await run('SET ansi_mode = false');
      const second = await run('SET ansi_mode');
      if (String(second[0]?.value).toLowerCase() !== 'false') ctx.fail(`after SET ansi_mode = false, SET ansi_mode returned ${show(second)}`);
    },
  }),
  defineDbxCase({
    id: 'DB-015',
    title: 'CloseOperation and CloseSession are acknowledged with a success status',
    priority: 'p2',
    area: 'session',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const conn = await ctx.target.connect({ timeoutMs: ctx.remainingMs() });
      ctx.defer(() => conn.close());
      const op = await within(conn.session.executeStatement('SELECT 1 AS one'), ctx.remainingMs(), 'ExecuteStatement');
      const rows = await within(op.fetchAll(), ctx.remainingMs(), 'fetchAll');
      if (rows[0]?.one !== 1) ctx.fail(`SELECT 1 returned ${show(rows)}`);
      const closedOp = await within(op.close(), ctx.remainingMs(), 'CloseOperation');
      if (!closedOp.isSuccess) ctx.fail('CloseOperation was not acknowledged with a success status');
      const closedSession = await within(conn.session.close(), ctx.remainingMs(), 'CloseSession');
      if (!closedSession.isSuccess) ctx.fail('CloseSession was not acknowledged with a success status');
    },
  }),
];
