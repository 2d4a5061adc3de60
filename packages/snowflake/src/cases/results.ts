// Results beyond one response: a large result that the driver downloads as result chunks, a
// query submitted asynchronously and followed by its status, several statements in one request.
import assert from 'node:assert/strict';
import { bounded, codeOf, connect, defineSnowflakeCase, exec, rejectionOf, sleep, streamRows } from '../_internal/case-kit.js';
import type { SfConnection, SfError, SfStatement } from '../_internal/driver.js';
import type { Ctx } from '../_internal/case-kit.js';

const ROWS = 100_000;

export const sf009 = defineSnowflakeCase({
  id: 'SF-009',
  title: `a ${ROWS.toLocaleString('en')}-row result (several MB: inline rows plus result chunks the driver downloads) arrives complete and in order`,
  priority: 'p1',
  area: 'fetch',
  spec: 'https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-consume (streaming results; large results arrive in chunks)',
  timeoutMs: 60_000,
  async run(ctx) {
    const conn = await connect(ctx);
    // About 40 bytes a row: a result Snowflake does not return in one response. SEQ4() may leave
    // gaps; ROW_NUMBER() over it does not.
    const { stmt } = await exec(
      ctx,
      conn,
      `SELECT N, 'row-' || LPAD(TO_VARCHAR(N), 30, '0') AS LABEL FROM (SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) - 1 AS N FROM TABLE(GENERATOR(ROWCOUNT => ${ROWS}))) AS G ORDER BY N`,
      undefined,
      { streamResult: true },
    );
    assert.equal(stmt.getNumRows(), ROWS, `the result reports ${stmt.getNumRows()} rows`);
    const t0 = Date.now();
    const rows = await streamRows(ctx, stmt);
    ctx.metric('streamMs', Date.now() - t0);
    assert.equal(rows.length, ROWS, `streamRows() gave ${rows.length} rows`);
    const wrong = rows.findIndex((r, i) => r.N !== i || r.LABEL !== `row-${String(i).padStart(30, '0')}`);
    assert.equal(wrong, -1, `row ${wrong} is ${JSON.stringify(rows[wrong])} (rows out of order, lost or repeated between chunks)`);
  },
});

/** Polls `getQueryStatus` until the query is no longer running; returns every status seen. */
async function statusesUntilDone(ctx: Ctx, conn: SfConnection, queryId: string): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const status = await bounded(ctx, conn.getQueryStatus(queryId), 'getQueryStatus');
    if (seen.at(-1) !== status) seen.push(status);
    if (!conn.isStillRunning(status)) return seen;
    await sleep(200, ctx.signal);
  }
}

export const sf010 = defineSnowflakeCase({
  id: 'SF-010',
  title: 'asyncExec returns a query id before the query ends; getQueryStatus goes RUNNING → SUCCESS; getResultsFromQueryId returns its rows',
  priority: 'p1',
  area: 'async',
  spec: 'https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-execute#asynchronous-queries',
  timeoutMs: 30_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const t0 = Date.now();
    const submitted = await exec(ctx, conn, 'SELECT SYSTEM$WAIT(2) AS W', undefined, { asyncExec: true });
    const submitMs = Date.now() - t0;
    const queryId = submitted.stmt.getQueryId();
    assert.match(queryId ?? '', /^[\w-]{8,}$/, 'asyncExec gave no query id');
    ctx.metric('submitMs', submitMs);
    const seen = await statusesUntilDone(ctx, conn, queryId);
    ctx.log(`statuses: ${seen.join(' → ')}`);
    assert.ok(submitMs < 1_500, `the asynchronous submission took ${submitMs} ms: it waited for the 2 s query`);
    assert.ok(conn.isStillRunning(seen[0] as string), `the first status after submission was ${seen[0]}, not a running one (the submission waited for the query)`);
    assert.equal(seen.at(-1), 'SUCCESS', `the query ended ${seen.at(-1)}`);
    const stmt: SfStatement = await bounded(ctx, conn.getResultsFromQueryId({ queryId, streamResult: true }), 'getResultsFromQueryId');
    const rows = await streamRows(ctx, stmt);
    assert.deepEqual(rows, [{ W: 'waited 2 seconds' }], `getResultsFromQueryId gave ${JSON.stringify(rows)}`);
  },
});

/** Every result of a multi-statement request, following the driver's hasNext()/NextResult(). */
function allResults(ctx: Ctx, conn: SfConnection, sqlText: string, count: number): Promise<Array<Array<Record<string, unknown>>>> {
  return bounded(
    ctx,
    new Promise((resolve, reject) => {
      const results: Array<Array<Record<string, unknown>>> = [];
      conn.execute({
        sqlText,
        parameters: { MULTI_STATEMENT_COUNT: count },
        complete: (err: SfError | undefined, stmt: SfStatement, rows?: Array<Record<string, unknown>>) => {
          if (err) return reject(err);
          results.push(rows ?? []);
          if (stmt.hasNext?.()) stmt.NextResult?.();
          else resolve(results);
        },
      });
    }),
    'multi-statement request',
  );
}

export const sf011 = defineSnowflakeCase({
  id: 'SF-011',
  title: 'MULTI_STATEMENT_COUNT: three statements in one request give three results in order; the default count refuses them with 000008',
  priority: 'p2',
  area: 'multi-statement',
  spec: 'https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-execute#executing-a-batch-of-sql-statements-multi-statement-support',
  async run(ctx) {
    const conn = await connect(ctx);
    const results = await allResults(ctx, conn, 'SELECT 1 AS A; SELECT 2 AS B; SELECT 3 AS C', 3);
    assert.deepEqual(results, [[{ A: 1 }], [{ B: 2 }], [{ C: 3 }]], `the three results were ${JSON.stringify(results)}`);
    const refused = await rejectionOf(exec(ctx, conn, 'SELECT 1 AS A; SELECT 2 AS B'));
    assert.ok(refused, 'two statements without MULTI_STATEMENT_COUNT were accepted (the default count is 1)');
    assert.equal(codeOf(refused), '000008', `two statements with the default count were refused with ${codeOf(refused)} (${refused?.message}), not 000008`);
  },
});
