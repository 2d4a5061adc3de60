import assert from 'node:assert/strict';
import { commandTag, describeMessages, errorFields, firstError, textRow, typeString, type WireMessage } from '@helios-conformance/sql/pg-wire';
import { definePgCase, openWire } from '../../_internal/case-kit.js';

const SPEC_SIMPLE = 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY';
const SPEC_MULTI = 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT';

/** Messages that may appear anywhere (notices, parameter changes) are left out of sequence checks. */
const core = (msgs: readonly WireMessage[]): WireMessage[] => msgs.filter((m) => m.type !== 'N' && m.type !== 'S' && m.type !== 'A');
const tags = (msgs: readonly WireMessage[]): string[] => msgs.filter((m) => m.type === 'C').map((m) => commandTag(m.body));

/** PG-023: a multi-statement simple query returns one result per statement, in order. */
export const multiStatementResults = definePgCase({
  id: 'PG-023',
  title: 'a multi-statement simple query returns one result per statement, in order, then one ReadyForQuery',
  priority: 'p0',
  area: 'simple-query',
  since: '0.1.0',
  spec: SPEC_MULTI,
  async run(ctx) {
    const { conn } = await openWire(ctx);
    const msgs = core(
      await conn.simple(`SELECT 1 AS a; SELECT 'x' AS b, 2 AS c; CREATE TABLE ${ctx.target.qualify('pg023_t')} (id int); INSERT INTO ${ctx.target.qualify('pg023_t')} VALUES (1), (2); SELECT count(*) AS n FROM ${ctx.target.qualify('pg023_t')}`),
    );
    const err = firstError(msgs);
    if (err) return ctx.fail(`the query failed: ${err.C} ${err.M}`);
    assert.equal(typeString(msgs), 'TDCTDCCCTDCZ', `expected RowDescription/DataRow/CommandComplete per SELECT and CommandComplete per other statement, in order; got ${describeMessages(msgs)}`);
    assert.deepEqual(tags(msgs), ['SELECT 1', 'SELECT 1', 'CREATE TABLE', 'INSERT 0 2', 'SELECT 1'], 'command tags out of order or wrong');
    const rows = msgs.filter((m) => m.type === 'D').map((m) => textRow(m.body));
    assert.deepEqual(rows, [['1'], ['x', '2'], ['2']], 'each SELECT must return its own row; the last one must see the rows inserted by the statement before it');
  },
});

/** PG-024: an empty query string gets EmptyQueryResponse, not an error. */
export const emptyQuery = definePgCase({
  id: 'PG-024',
  title: 'an empty query string is answered with EmptyQueryResponse and ReadyForQuery, without an error',
  priority: 'p1',
  area: 'simple-query',
  since: '0.1.0',
  spec: SPEC_SIMPLE,
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    const msgs = core(await conn.simple(''));
    assert.equal(typeString(msgs), 'IZ', `expected EmptyQueryResponse then ReadyForQuery, got ${describeMessages(msgs)}`);
    const rows = await conn.queryRows('SELECT 1');
    assert.deepEqual(rows, [['1']], 'the session must answer after an empty query');
  },
});

/** PG-025: RAISE NOTICE arrives as a NoticeResponse; the statement still succeeds. */
export const raiseNotice = definePgCase({
  id: 'PG-025',
  title: 'RAISE NOTICE in a DO block arrives as a NoticeResponse (severity NOTICE, SQLSTATE 00000, the message) and the DO completes',
  priority: 'p1',
  area: 'simple-query',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-ASYNC',
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    await conn.queryRows('SET client_min_messages TO notice');
    const token = ctx.rng.int(0, 1e9);
    const msgs = await conn.simple(`DO $$BEGIN RAISE NOTICE 'hc pg025 % done', ${token}; END$$`);
    const err = firstError(msgs);
    if (err) return ctx.fail(`the DO block failed: ${err.C} ${err.M}`);
    const notices = msgs.filter((m) => m.type === 'N').map((m) => errorFields(m.body));
    if (notices.length !== 1) return ctx.fail(`expected exactly one NoticeResponse, got ${notices.length} (${describeMessages(msgs)})`);
    const n = notices[0] ?? {};
    assert.equal(n.S, 'NOTICE', `the notice severity (S) must be NOTICE, got ${JSON.stringify(n.S)}`);
    if (n.V !== undefined) assert.equal(n.V, 'NOTICE', `the non-localized severity (V) must be NOTICE, got ${JSON.stringify(n.V)}`);
    assert.equal(n.C, '00000', `a NOTICE carries SQLSTATE 00000, got ${JSON.stringify(n.C)}`);
    assert.equal(n.M, `hc pg025 ${token} done`, `the notice message must be the formatted RAISE text, got ${JSON.stringify(n.M)}`);
    assert.deepEqual(tags(msgs), ['DO'], `the DO statement must complete with tag DO, got ${describeMessages(msgs)}`);
  },
});

/** PG-026: an error in the middle of a multi-statement query rolls back the implicit transaction. */
export const multiStatementError = definePgCase({
  id: 'PG-026',
  title: "an error in the middle of a multi-statement query stops it and rolls back the earlier statements' implicit transaction",
  priority: 'p0',
  area: 'simple-query',
  since: '0.1.0',
  spec: SPEC_MULTI,
  async run(ctx) {
    const { conn } = await openWire(ctx);
    await conn.queryRows(`CREATE TABLE ${ctx.target.qualify('pg026_t')} (id int)`);
    const msgs = core(await conn.simple(`INSERT INTO ${ctx.target.qualify('pg026_t')} VALUES (1); INSERT INTO ${ctx.target.qualify('pg026_t')} VALUES (2); SELECT 1 / (SELECT count(*) - 2 FROM ${ctx.target.qualify('pg026_t')}); INSERT INTO ${ctx.target.qualify('pg026_t')} VALUES (3)`));
    ctx.log(describeMessages(msgs));
    assert.equal(typeString(msgs).replace(/T/, ''), 'CCEZ', `expected two INSERTs, then the error, then ReadyForQuery (nothing of the statement after the error); got ${describeMessages(msgs)}`);
    assert.equal(firstError(msgs)?.C, '22012', `expected SQLSTATE 22012 (division by zero), got ${firstError(msgs)?.C}`);
    assert.equal(msgs.at(-1)?.body.toString('latin1'), 'I', 'after the failed multi-statement query the session must be idle (implicit transaction ended)');
    const rows = await conn.queryRows(`SELECT count(*) FROM ${ctx.target.qualify('pg026_t')}`);
    assert.equal(rows[0]?.[0], '0', `the two INSERTs before the error ran in the same implicit transaction and must be rolled back; found ${rows[0]?.[0]} row(s)`);
  },
});

/** PG-027: ReadyForQuery carries the transaction status: idle, in a transaction, failed transaction. */
export const readyForQueryStatus = definePgCase({
  id: 'PG-027',
  title: "ReadyForQuery reports the transaction status: 'I' idle, 'T' in a transaction block, 'E' in a failed one, 'I' after ROLLBACK",
  priority: 'p1',
  area: 'simple-query',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-READYFORQUERY',
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    const steps: Array<[string, string, string | undefined]> = [
      ['SELECT 1', 'I', undefined],
      ['BEGIN', 'T', undefined],
      ['SELECT 1', 'T', undefined],
      ['SELECT 1/0', 'E', '22012'],
      ['SELECT 1', 'E', '25P02'],
      ['ROLLBACK', 'I', undefined],
    ];
    for (const [sql, status, code] of steps) {
      const msgs = await conn.simple(sql);
      const z = msgs.at(-1)?.body.toString('latin1');
      assert.equal(firstError(msgs)?.C, code, `"${sql}": expected ${code ? `SQLSTATE ${code}` : 'no error'}, got ${describeMessages(msgs)}`);
      assert.equal(z, status, `after "${sql}" ReadyForQuery must say '${status}', got '${z}'`);
    }
  },
});

/** PG-028: CommandComplete tags (drivers take row counts from them). */
export const commandTags = definePgCase({
  id: 'PG-028',
  title: 'CommandComplete tags name the command and its row count (INSERT 0 n, UPDATE n, DELETE n, SELECT n, CREATE TABLE, BEGIN, COMMIT)',
  priority: 'p1',
  area: 'simple-query',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COMMANDCOMPLETE',
  async run(ctx) {
    const { conn } = await openWire(ctx);
    const steps: Array<[string, string]> = [
      [`CREATE TABLE ${ctx.target.qualify('pg028_t')} (id int, v text)`, 'CREATE TABLE'],
      ['BEGIN', 'BEGIN'],
      [`INSERT INTO ${ctx.target.qualify('pg028_t')} VALUES (1, 'a'), (2, 'b'), (3, 'c')`, 'INSERT 0 3'],
      [`UPDATE ${ctx.target.qualify('pg028_t')} SET v = 'z' WHERE id >= 2`, 'UPDATE 2'],
      [`DELETE FROM ${ctx.target.qualify('pg028_t')} WHERE id = 1`, 'DELETE 1'],
      [`SELECT * FROM ${ctx.target.qualify('pg028_t')}`, 'SELECT 2'],
      ['COMMIT', 'COMMIT'],
      [`UPDATE ${ctx.target.qualify('pg028_t')} SET v = v WHERE false`, 'UPDATE 0'],
      [`DROP TABLE ${ctx.target.qualify('pg028_t')}`, 'DROP TABLE'],
    ];
    for (const [sql, tag] of steps) {
      const msgs = await conn.simple(sql);
      const err = firstError(msgs);
      if (err) return ctx.fail(`"${sql}" failed: ${err.C} ${err.M}`);
      assert.deepEqual(tags(msgs), [tag], `"${sql}" must complete with tag "${tag}", got ${JSON.stringify(tags(msgs))}`);
    }
  },
});
