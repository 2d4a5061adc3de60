// Errors in the shape the driver surfaces them: a failed statement (an error class and SQLSTATE) and
// a refused token.
import { defineDbxCase, DRIVER_SPEC, query, show, tableName, type DbxCase, type DbxContext } from '../_internal/case-kit.js';

interface StatementError {
  /** `OperationStateError` (GetOperationStatus said ERROR_STATE) or `StatusError` (the call's TStatus was an error). */
  kind: string;
  message: string;
  sqlState?: string;
}

/** Runs a statement that must fail and returns the error as the driver raised it. */
async function failure(ctx: DbxContext, sql: string): Promise<StatementError> {
  try {
    const rows = await query(ctx, sql);
    return ctx.fail(`${sql} succeeded (${show(rows.slice(0, 3))}), expected an error`);
  } catch (e) {
    const err = e as { name?: string; constructor?: { name?: string }; message?: string; errorCode?: string; response?: { sqlState?: string | null; operationState?: number } };
    if (err.name === 'CaseFailure') throw e;
    const kind = err.constructor?.name === 'OperationStateError' || err.errorCode !== undefined ? 'OperationStateError' : err.name === 'Status Error' ? 'StatusError' : (err.constructor?.name ?? err.name ?? 'unknown');
    ctx.log(`${sql} → ${kind}: ${err.message}${err.response?.sqlState ? ` (sqlState ${err.response.sqlState})` : ''}`);
    if (kind === 'OperationStateError' && err.errorCode !== 'ERROR') ctx.fail(`${sql} ended with OperationStateError ${err.errorCode}, expected ERROR (the statement failed)`);
    if (kind !== 'OperationStateError' && kind !== 'StatusError') ctx.fail(`${sql} raised ${kind}: ${err.message} — not the driver's OperationStateError or StatusError (is the endpoint answering Thrift errors?)`);
    return { kind, message: String(err.message ?? ''), ...(err.response?.sqlState ? { sqlState: err.response.sqlState } : {}) };
  }
}

function expectClass(ctx: DbxContext, e: StatementError, cls: string, sqlState: string, mention?: string): void {
  if (!e.message.includes(`[${cls}]`)) ctx.fail(`the error message "${e.message}" does not name the error class [${cls}]`);
  if (e.kind === 'OperationStateError' && e.sqlState !== sqlState) ctx.fail(`GetOperationStatus reported sqlState ${show(e.sqlState)}, expected ${sqlState}`);
  if (!e.message.includes(sqlState)) ctx.fail(`the error message "${e.message}" does not carry SQLSTATE ${sqlState}`);
  if (mention && !e.message.toLowerCase().includes(mention.toLowerCase())) ctx.fail(`the error message "${e.message}" does not name ${mention}`);
}

/** The session must still work after a failed statement. */
async function stillUsable(ctx: DbxContext): Promise<void> {
  const rows = await query(ctx, 'SELECT 2 AS two');
  if (rows[0]?.two !== 2) ctx.fail(`after the error, SELECT 2 returned ${show(rows)}`);
}

/** DB-010..012. */
export const errorCases: readonly DbxCase[] = [
  defineDbxCase({
    id: 'DB-010',
    title: 'A syntax error fails the statement with [PARSE_SYNTAX_ERROR] and SQLSTATE 42601; the session stays usable',
    priority: 'p1',
    area: 'errors',
    spec: 'https://docs.databricks.com/en/error-messages/index.html',
    async run(ctx) {
      expectClass(ctx, await failure(ctx, 'SELEC 1'), 'PARSE_SYNTAX_ERROR', '42601');
      await stillUsable(ctx);
    },
  }),
  defineDbxCase({
    id: 'DB-011',
    title: 'An unknown table fails the statement with [TABLE_OR_VIEW_NOT_FOUND] and SQLSTATE 42P01, naming the table',
    priority: 'p1',
    area: 'errors',
    spec: 'https://docs.databricks.com/en/error-messages/index.html',
    async run(ctx) {
      const t = tableName(ctx, 'db011_no_such_table');
      expectClass(ctx, await failure(ctx, `SELECT * FROM ${t}`), 'TABLE_OR_VIEW_NOT_FOUND', '42P01', 'db011_no_such_table');
      await stillUsable(ctx);
    },
  }),
  defineDbxCase({
    id: 'DB-012',
    title: 'A wrong access token is refused at OpenSession with HTTP 401/403, promptly (no retries), without echoing the token',
    priority: 'p1',
    area: 'auth',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const wrong = `${ctx.target.dsn.token.slice(0, 4)}-hc-wrong-${ctx.rng.next().toString(36).slice(2, 10)}`;
      const t0 = Date.now();
      let conn: Awaited<ReturnType<typeof ctx.target.connect>>;
      try {
        conn = await ctx.target.connect({ token: wrong, timeoutMs: Math.min(ctx.remainingMs(), 10_000) });
      } catch (e) {
        const err = e as { statusCode?: number; message?: string; name?: string };
        const ms = Date.now() - t0;
        ctx.metric('refusedInMs', ms);
        ctx.log(`refused in ${ms} ms: ${err.name}: ${err.message}`);
        if (err.statusCode !== 401 && err.statusCode !== 403) ctx.fail(`a wrong token was refused with ${err.name}: ${err.message}, not with HTTP 401/403 (THTTPException.statusCode ${show(err.statusCode)})`);
        if (ms > 5_000) ctx.fail(`the refusal took ${ms} ms (over 5 s): the endpoint's answer must be final, not retried`);
        if (String(err.message).includes(wrong)) ctx.fail('the error message echoes the token');
        return;
      }
      await conn.close();
      ctx.fail('a session was opened with a wrong access token');
    },
  }),
];
