// Operation and session lifecycle: CancelOperation of a running statement, session configuration,
// CloseOperation / CloseSession, a session the server has ended.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineDbxCase, DRIVER_SPEC, query, queryOn, show, tableName, type DbxCase } from '../_internal/case-kit.js';
import { sessionHandleOf, within } from '../target.js';

/** TCLIService's IDL: the status codes (TStatusCode) and handles the endpoint answers with. */
const TCLI_SPEC = 'https://github.com/apache/hive/blob/master/service-rpc/if/TCLIService.thrift';

// Long on any engine (a 5·10^10-row nested loop that yields a row now and then), so it is still
// running when the case cancels it; an endpoint that ignores the cancel never finishes it in time.
const LONG_QUERY = 'SELECT a.id FROM range(1000000) a CROSS JOIN range(50000) b WHERE (a.id + b.id) % 49999 = 0';

/** DB-013..016. */
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
  defineDbxCase({
    id: 'DB-016',
    title: 'A statement sent on the handle of a closed session is refused with an error naming the session (ERROR_STATUS, INVALID_HANDLE_STATUS or HTTP) and does not run; a new session still works',
    priority: 'p1',
    area: 'session',
    spec: TCLI_SPEC,
    async run(ctx) {
      const T = ctx.target.driver.thrift.TCLIService_types;
      const t = tableName(ctx, 'db016_closed_session');
      await query(ctx, `CREATE TABLE ${t} (id INT, note STRING)`);
      ctx.defer(() => query(ctx, `DROP TABLE IF EXISTS ${t}`));
      const conn = await ctx.target.connect({ timeoutMs: ctx.remainingMs() });
      ctx.defer(() => conn.close());
      // Row 1, written while the session is open: a new session must see it, so that not seeing the
      // marker row (2) later means the statement did not run, not that the table cannot be read.
      await queryOn(ctx, conn.session, `INSERT INTO ${t} VALUES (1, 'before the close')`);
      const handle = sessionHandleOf(conn.session);
      const closed = await within(conn.session.close(), ctx.remainingMs(), 'CloseSession');
      if (!closed.isSuccess) ctx.fail('CloseSession was not acknowledged with a success status: there is no closed session to judge');
      // The driver refuses a closed session itself (DBSQLSession keeps an isOpen flag), so the
      // statement goes one level down, through the driver's own Thrift client, as the driver sends it.
      const thrift = await conn.client.getDriver();
      const statement = `INSERT INTO ${t} VALUES (2, 'sent on the closed session')`;
      const t0 = Date.now();
      let answer: string;
      let said: string;
      let text: string;
      let refused: boolean;
      let operationHandle: unknown;
      try {
        const resp = await within(thrift.executeStatement({ sessionHandle: handle, statement, runAsync: true }), ctx.remainingMs(), 'ExecuteStatement on the closed session');
        const code = resp.status?.statusCode;
        const name = (T.TStatusCode[code ?? -1] as string | undefined) ?? `statusCode ${show(code)}`;
        text = [resp.status?.errorMessage, resp.status?.displayMessage].filter((m, i, all) => m && all.indexOf(m) === i).join(' / ');
        answer = name;
        said = `${name}${text ? ` "${text}"` : ''}`;
        // What the driver itself treats as an error (its Status.isError); SUCCESS_WITH_INFO and
        // STILL_EXECUTING are not refusals.
        refused = code === T.TStatusCode.ERROR_STATUS || code === T.TStatusCode.INVALID_HANDLE_STATUS;
        operationHandle = resp.operationHandle ?? undefined;
      } catch (e) {
        // An HTTP error status is the other refusal the driver knows (its THTTPException).
        const err = e as { statusCode?: unknown; response?: { statusText?: string; text?(): Promise<string> } };
        if (typeof err.statusCode !== 'number') throw e;
        const body = await within(err.response?.text?.() ?? Promise.resolve(''), 3_000, 'the HTTP error body').catch(() => '');
        text = `${err.response?.statusText ?? ''} ${body}`.trim().slice(0, 300);
        answer = `HTTP ${err.statusCode}`;
        said = `${answer}${text ? ` "${text}"` : ''}`;
        refused = err.statusCode >= 400;
      }
      ctx.metric('answeredInMs', Date.now() - t0);
      ctx.metric('answer', answer);
      ctx.log(`ExecuteStatement on the closed session answered ${said}`);
      // Served anyway: let the statement end (bounded) before looking for its row, then close it.
      let opState = '';
      if (operationHandle) {
        const active = [T.TOperationState.INITIALIZED_STATE, T.TOperationState.PENDING_STATE, T.TOperationState.RUNNING_STATE];
        const until = Date.now() + Math.min(5_000, ctx.remainingMs());
        for (;;) {
          const st = await within(thrift.getOperationStatus({ operationHandle }), ctx.remainingMs(), 'GetOperationStatus').catch(() => undefined);
          const state = st?.operationState;
          opState = (T.TOperationState[state ?? -1] as string | undefined) ?? `operationState ${show(state)}`;
          if (!active.includes(state) || Date.now() > until) break;
          await sleep(100);
        }
        await within(thrift.closeOperation({ operationHandle }), 3_000, 'CloseOperation').catch(() => undefined);
      }
      const fresh = await ctx.target.connect({ timeoutMs: ctx.remainingMs() });
      ctx.defer(() => fresh.close());
      const rows = await queryOn(ctx, fresh.session, `SELECT id FROM ${t} ORDER BY id`);
      const ids = rows.map((r) => Number(r.id));
      ctx.log(`a new session reads ids ${show(ids)} from ${t}`);
      const answered = `ExecuteStatement on the handle of a session whose CloseSession was acknowledged answered ${said}${opState ? ` (operation ${opState})` : ''}`;
      if (ids.includes(2)) ctx.fail(`${answered} and the statement ran on a closed session: its marker row is in ${t}`);
      if (ids.length !== 1 || ids[0] !== 1) ctx.fail(`a new session read ids ${show(ids)} from ${t}, expected [1] (the row written before the close)`);
      if (!refused) ctx.fail(`${answered}: not ERROR_STATUS, INVALID_HANDLE_STATUS or an HTTP error, so the closed session was served (the statement did not leave its row)`);
      if (!/session|handle/i.test(text)) ctx.fail(`${answered}: an error that does not name the session or its handle`);
    },
  }),
];
