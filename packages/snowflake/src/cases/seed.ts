// The seed's Snowflake cases (heliosdb-protocol-compatibility-suite, tests/protocol/test_snowflake.py):
// SF-001 connect, SF-002 query with binds, SF-003 batch fetch over 500 rows, SF-004 cancel.
import assert from 'node:assert/strict';
import { bounded, codeOf, connect, defineSnowflakeCase, exec, rejectionOf, sleep, streamRows } from '../_internal/case-kit.js';

const SEED = 'heliosdb-protocol-compatibility-suite: tests/protocol/test_snowflake.py';

export const sf001 = defineSnowflakeCase({
  id: 'SF-001',
  title: 'snowflake-sdk logs in and SELECT 1 returns the number 1',
  priority: 'p1',
  area: 'connection',
  spec: `${SEED} (test_snowflake_connect)`,
  async run(ctx) {
    const conn = await connect(ctx);
    assert.equal(conn.isUp(), true, 'the driver does not consider the connection up after login');
    const { stmt, rows } = await exec(ctx, conn, 'SELECT 1 AS VALUE');
    assert.equal(rows.length, 1, `SELECT 1 returned ${rows.length} rows`);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['VALUE'], 'the column of SELECT 1 AS VALUE is not named VALUE (an unquoted alias is upper case)');
    assert.strictEqual(rows[0]?.VALUE, 1, `SELECT 1 returned ${JSON.stringify(rows[0]?.VALUE)}, not the number 1`);
    assert.match(stmt.getQueryId() ?? '', /^[\w-]{8,}$/, 'the statement has no query id');
  },
});

export const sf002 = defineSnowflakeCase({
  id: 'SF-002',
  title: 'INSERT with ? binds, then SELECT … WHERE ID = ? returns the inserted row',
  priority: 'p1',
  area: 'queries',
  spec: `${SEED} (test_snowflake_query_submit)`,
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(ctx, conn, 'CREATE TABLE SF002_TEST_DATA (ID INTEGER, NAME VARCHAR, VALUE INTEGER)');
    const ins = await exec(ctx, conn, 'INSERT INTO SF002_TEST_DATA (ID, NAME, VALUE) VALUES (?, ?, ?)', [1, 'Snowflake', 500]);
    assert.equal(ins.stmt.getNumUpdatedRows(), 1, `the INSERT reports ${ins.stmt.getNumUpdatedRows()} rows inserted`);
    await exec(ctx, conn, 'INSERT INTO SF002_TEST_DATA (ID, NAME, VALUE) VALUES (?, ?, ?)', [2, 'Other', 7]);
    const { rows } = await exec(ctx, conn, 'SELECT NAME, VALUE FROM SF002_TEST_DATA WHERE ID = ?', [1]);
    assert.deepEqual(rows, [{ NAME: 'Snowflake', VALUE: 500 }], `SELECT … WHERE ID = ? with 1 returned ${JSON.stringify(rows)}`);
  },
});

export const sf003 = defineSnowflakeCase({
  id: 'SF-003',
  title: '500 rows inserted with an array bind; streamRows fetches rows 0-99, then 100-499, in order',
  priority: 'p1',
  area: 'fetch',
  spec: `${SEED} (test_snowflake_fetchmany); snowflake-sdk streamRows({ start, end })`,
  async run(ctx) {
    const conn = await connect(ctx);
    await exec(ctx, conn, 'CREATE TABLE SF003_TEST_DATA (ID INTEGER, VALUE INTEGER)');
    // The driver's bulk path: one request whose binds are arrays, one row each.
    const binds = Array.from({ length: 500 }, (_v, i) => [i, i * 3]);
    const ins = await exec(ctx, conn, 'INSERT INTO SF003_TEST_DATA (ID, VALUE) VALUES (?, ?)', binds);
    assert.equal(ins.stmt.getNumUpdatedRows(), 500, `the array-bound INSERT reports ${ins.stmt.getNumUpdatedRows()} rows inserted`);
    const { stmt } = await exec(ctx, conn, 'SELECT ID, VALUE FROM SF003_TEST_DATA ORDER BY ID', undefined, { streamResult: true });
    assert.equal(stmt.getNumRows(), 500, `the result reports ${stmt.getNumRows()} rows`);
    const first = await streamRows(ctx, stmt, 0, 99);
    assert.equal(first.length, 100, `streamRows({ start: 0, end: 99 }) gave ${first.length} rows`);
    assert.deepEqual(first[0], { ID: 0, VALUE: 0 }, `the first row is ${JSON.stringify(first[0])}`);
    assert.deepEqual(first[99], { ID: 99, VALUE: 297 }, `row 99 is ${JSON.stringify(first[99])}`);
    const rest = await streamRows(ctx, stmt, 100, 499);
    assert.equal(rest.length, 400, `streamRows({ start: 100, end: 499 }) gave ${rest.length} rows`);
    const wrong = rest.findIndex((r, i) => r.ID !== i + 100 || r.VALUE !== (i + 100) * 3);
    assert.equal(wrong, -1, `row ${wrong + 100} is ${JSON.stringify(rest[wrong])}`);
  },
});

export const sf004 = defineSnowflakeCase({
  id: 'SF-004',
  title: 'a running query (SYSTEM$WAIT) is cancelled by statement.cancel(): it ends at once with 000604, the session still works',
  priority: 'p1',
  area: 'cancel',
  spec: `${SEED} (test_snowflake_cancel_query); Snowflake error 000604 "SQL execution canceled"`,
  timeoutMs: 30_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const running = exec(ctx, conn, 'SELECT SYSTEM$WAIT(20) AS W');
    const outcome = rejectionOf(running);
    // The seed cancels after one second: the query is running by then.
    await sleep(1_000, ctx.signal);
    const t0 = Date.now();
    await bounded(
      ctx,
      new Promise<void>((resolve, reject) => running.stmt.cancel((err) => (err ? reject(err) : resolve()))),
      'cancel',
    );
    const ended = await Promise.race([outcome.then((e) => ({ e })), sleep(5_000, ctx.signal).then(() => null)]);
    assert.ok(ended, 'the query still ran 5 s after cancel() was acknowledged (SYSTEM$WAIT(20) would end after 20 s)');
    const err = ended.e;
    assert.ok(err, 'the cancelled query completed successfully');
    ctx.metric('cancelledAfterMs', Date.now() - t0);
    assert.equal(codeOf(err), '000604', `the cancelled query ended with ${codeOf(err)} (${err.message}), not 000604`);
    const { rows } = await exec(ctx, conn, 'SELECT 2 AS AFTER_CANCEL');
    assert.deepEqual(rows, [{ AFTER_CANCEL: 2 }], 'the session does not answer after the cancel');
  },
});
