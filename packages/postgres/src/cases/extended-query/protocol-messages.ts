import assert from 'node:assert/strict';
import {
  WireTimeout,
  commandTag,
  dataRow,
  describeMessages,
  firstError,
  msg,
  parameterDescription,
  rowDescription,
  textRow,
  typeString,
  type WireConnection,
  type WireMessage,
} from '@helios-conformance/sql/pg-wire';
import { definePgCase, openWire } from '../../_internal/case-kit.js';

const SPEC_EXT = 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY';
const SPEC_PIPE = 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-PIPELINING';

const OID = { bool: 16, bytea: 17, int8: 20, int4: 23, text: 25, float8: 701 } as const;

/** Sends all messages at once (one write), then reads up to ReadyForQuery; notices and ParameterStatus are dropped. */
async function exchange(conn: WireConnection, ...messages: Buffer[]): Promise<WireMessage[]> {
  conn.send(...messages);
  return (await conn.untilReady()).filter((m) => m.type !== 'N' && m.type !== 'S');
}

const rowsOf = (msgs: readonly WireMessage[]): Array<Array<string | null>> => msgs.filter((m) => m.type === 'D').map((m) => textRow(m.body));
const z = (msgs: readonly WireMessage[]): string | undefined => msgs.at(-1)?.body.toString('latin1');

/** PG-029: a named prepared statement parsed once serves several Bind/Execute with different parameters. */
export const namedStatementReuse = definePgCase({
  id: 'PG-029',
  title: 'a named prepared statement, parsed once, is bound and executed again with different parameters; a second Parse of the name fails 42P05',
  priority: 'p0',
  area: 'extended-query',
  since: '0.1.0',
  spec: SPEC_EXT,
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    const name = `hc_pg029_${ctx.target.runId}`;
    let r = await exchange(conn, msg.parse(name, 'SELECT $1::int4 * 2 AS doubled, upper($2::text) AS label'), msg.sync());
    assert.equal(typeString(r), '1Z', `Parse + Sync must give ParseComplete, ReadyForQuery; got ${describeMessages(r)}`);
    const runs: Array<[string, string, string[]]> = [
      ['21', 'abc', ['42', 'ABC']],
      ['-5', 'zoë', ['-10', 'ZOË']],
      ['0', "o'brien", ['0', "O'BRIEN"]],
    ];
    for (const [a, b, want] of runs) {
      r = await exchange(conn, msg.bind('', name, [a, b]), msg.execute(''), msg.sync());
      assert.equal(typeString(r), '2DCZ', `Bind/Execute of ${name} with (${a}, ${b}) must give BindComplete, DataRow, CommandComplete, ReadyForQuery; got ${describeMessages(r)}`);
      assert.deepEqual(rowsOf(r), [want], `the statement executed with (${a}, ${b}) must return ${JSON.stringify(want)}`);
    }
    r = await exchange(conn, msg.parse(name, 'SELECT 1'), msg.sync());
    assert.equal(firstError(r)?.C, '42P05', `a second Parse of the existing name ${name} must fail with 42P05 (duplicate_prepared_statement), got ${describeMessages(r)}`);
    assert.equal(z(r), 'I', 'after the failed Parse and Sync the session must be idle');
  },
});

/** PG-030: the unnamed statement: reusable until replaced by the next unnamed Parse or a simple Query. */
export const unnamedStatement = definePgCase({
  id: 'PG-030',
  title: 'the unnamed statement serves several Binds, is replaced by the next unnamed Parse, and is destroyed by a simple Query (26000)',
  priority: 'p1',
  area: 'extended-query',
  since: '0.1.0',
  spec: SPEC_EXT,
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    let r = await exchange(conn, msg.parse('', 'SELECT $1::int4 + 1'), msg.bind('', '', ['1']), msg.execute(''), msg.bind('', '', ['10']), msg.execute(''), msg.sync());
    assert.equal(typeString(r), '12DC2DCZ', `two Bind/Execute of one unnamed Parse: got ${describeMessages(r)}`);
    assert.deepEqual(rowsOf(r), [['2'], ['11']], 'the unnamed statement must be executed with each Bind parameter');
    r = await exchange(conn, msg.parse('', "SELECT 'replaced'"), msg.sync());
    assert.equal(typeString(r), '1Z', `a new unnamed Parse must succeed, got ${describeMessages(r)}`);
    r = await exchange(conn, msg.bind('', '', []), msg.execute(''), msg.sync());
    assert.deepEqual(rowsOf(r), [['replaced']], `after a second unnamed Parse the unnamed statement must be the new one, got ${describeMessages(r)}`);
    await conn.queryRows('SELECT 1');
    r = await exchange(conn, msg.bind('', '', []), msg.execute(''), msg.sync());
    assert.equal(firstError(r)?.C, '26000', `a simple Query destroys the unnamed statement: Bind to it must fail with 26000, got ${describeMessages(r)}`);
  },
});

/** PG-031: Describe of a statement gives the parameter types and the row shape; NoData for a statement without rows. */
export const describeStatement = definePgCase({
  id: 'PG-031',
  title: 'Describe statement returns ParameterDescription (type OIDs) and RowDescription (names, types), or NoData; Describe portal gives the result formats',
  priority: 'p1',
  area: 'extended-query',
  since: '0.1.0',
  spec: SPEC_EXT,
  async run(ctx) {
    const { conn } = await openWire(ctx);
    await conn.queryRows(`CREATE TABLE ${ctx.target.qualify('pg031_t')} (id int4 PRIMARY KEY, v text)`);
    let r = await exchange(conn, msg.parse(`hc_pg031_sel_${ctx.target.runId}`, 'SELECT $1::int4 + 1 AS n, upper($2::text) AS t, NOT $3::bool AS b'), msg.describe('S', `hc_pg031_sel_${ctx.target.runId}`), msg.sync());
    assert.equal(typeString(r), '1tTZ', `Parse + Describe statement must give ParseComplete, ParameterDescription, RowDescription, ReadyForQuery; got ${describeMessages(r)}`);
    const params = parameterDescription((r[1] as WireMessage).body);
    assert.deepEqual(params, [OID.int4, OID.text, OID.bool], `ParameterDescription must list int4, text, bool (23, 25, 16), got ${JSON.stringify(params)}`);
    const fields = rowDescription((r[2] as WireMessage).body);
    assert.deepEqual(
      fields.map((f) => [f.name, f.typeOid]),
      [
        ['n', OID.int4],
        ['t', OID.text],
        ['b', OID.bool],
      ],
      `RowDescription must name the columns n, t, b typed int4, text, bool; got ${JSON.stringify(fields.map((f) => [f.name, f.typeOid]))}`,
    );
    r = await exchange(conn, msg.parse(`hc_pg031_del_${ctx.target.runId}`, `DELETE FROM ${ctx.target.qualify('pg031_t')} WHERE id = $1`), msg.describe('S', `hc_pg031_del_${ctx.target.runId}`), msg.sync());
    assert.equal(typeString(r), '1tnZ', `Describe of a DELETE must give ParameterDescription then NoData; got ${describeMessages(r)}`);
    assert.deepEqual(parameterDescription((r[1] as WireMessage).body), [OID.int4], 'the DELETE parameter must be typed int4 from the column it is compared with');
    r = await exchange(conn, msg.bind('hc_pg031_p', `hc_pg031_sel_${ctx.target.runId}`, ['1', 'a', 'true'], [], [1, 0, 1]), msg.describe('P', 'hc_pg031_p'), msg.sync());
    assert.equal(typeString(r), '2TZ', `Bind + Describe portal must give BindComplete, RowDescription; got ${describeMessages(r)}`);
    const formats = rowDescription((r[1] as WireMessage).body).map((f) => f.format);
    assert.deepEqual(formats, [1, 0, 1], `Describe portal must report the result formats asked for in Bind (binary, text, binary), got ${JSON.stringify(formats)}`);
  },
});

/** PG-032: Execute with a row limit suspends the portal; the next Execute continues it. */
export const portalSuspended = definePgCase({
  id: 'PG-032',
  title: 'Execute with a row limit returns that many rows and PortalSuspended; further Executes continue where it stopped',
  priority: 'p1',
  area: 'extended-query',
  since: '0.1.0',
  spec: SPEC_EXT,
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    const r = await exchange(
      conn,
      msg.parse('', 'SELECT g FROM generate_series(1, 5) AS g ORDER BY g'),
      msg.bind('hc_pg032', '', []),
      msg.execute('hc_pg032', 2),
      msg.execute('hc_pg032', 2),
      msg.execute('hc_pg032', 0),
      msg.sync(),
    );
    assert.equal(typeString(r), '12DDsDDsDCZ', `expected 2 rows + PortalSuspended, 2 rows + PortalSuspended, then the last row and CommandComplete; got ${describeMessages(r)}`);
    assert.deepEqual(rowsOf(r).flat(), ['1', '2', '3', '4', '5'], 'the portal must continue where it stopped, in order, without repeating or skipping rows');
    const tag = commandTag((r.find((m) => m.type === 'C') as WireMessage).body);
    assert.match(tag, /^SELECT \d+$/, `the final CommandComplete must be a SELECT tag, got ${tag}`);
  },
});

/** PG-033: binary result format for common types; a binary parameter. */
export const binaryFormat = definePgCase({
  id: 'PG-033',
  title: 'binary result format: int4, int8, float8, bool, text and bytea are sent in their binary encodings; a binary int4 parameter is read',
  priority: 'p1',
  area: 'extended-query',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-FORMAT-CODES',
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    const param = Buffer.alloc(4);
    param.writeInt32BE(-7, 0);
    const r = await exchange(
      conn,
      msg.parse('', "SELECT $1::int4 * 6 AS i4, 9007199254740993::int8 AS i8, (-1.5)::float8 AS f8, true AS b, 'Zoë ✓'::text AS t, '\\x00ff10'::bytea AS by, false AS b2"),
      msg.bind('', '', [param], [1], [1]),
      msg.describe('P', ''),
      msg.execute(''),
      msg.sync(),
    );
    const err = firstError(r);
    if (err) return ctx.fail(`the binary query failed: ${err.C} ${err.M}`);
    assert.equal(typeString(r), '12TDCZ', `got ${describeMessages(r)}`);
    const fields = rowDescription((r[2] as WireMessage).body);
    assert.deepEqual(fields.map((f) => f.format), [1, 1, 1, 1, 1, 1, 1], 'every column must be described as binary (format 1)');
    const row = dataRow((r[3] as WireMessage).body);
    const col = (i: number): Buffer => {
      const b = row[i];
      if (!b) return ctx.fail(`column ${i + 1} is NULL`);
      return b;
    };
    assert.equal(col(0).length, 4, 'int4 binary is 4 bytes');
    assert.equal(col(0).readInt32BE(0), -42, `int4: the binary parameter -7 times 6 must be -42, got ${col(0).readInt32BE(0)}`);
    assert.equal(col(1).length, 8, 'int8 binary is 8 bytes');
    assert.equal(col(1).readBigInt64BE(0), 9007199254740993n, `int8 must be 9007199254740993, got ${col(1).readBigInt64BE(0)}`);
    assert.equal(col(2).length, 8, 'float8 binary is 8 bytes');
    assert.equal(col(2).readDoubleBE(0), -1.5, `float8 must be -1.5, got ${col(2).readDoubleBE(0)}`);
    assert.deepEqual([...col(3)], [1], `bool true must be the byte 1, got ${col(3).toString('hex')}`);
    assert.equal(col(4).toString('utf8'), 'Zoë ✓', 'text binary is its UTF-8 bytes');
    assert.equal(col(5).toString('hex'), '00ff10', `bytea binary must be the raw bytes 00ff10, got ${col(5).toString('hex')}`);
    assert.deepEqual([...col(6)], [0], `bool false must be the byte 0, got ${col(6).toString('hex')}`);
  },
});

/** PG-034: several Parse/Bind/Execute pipelined before one Sync are all answered, in order. */
export const pipelineBeforeSync = definePgCase({
  id: 'PG-034',
  title: 'several Parse/Bind/Execute sent before a single Sync are all answered in order, later statements seeing earlier ones',
  priority: 'p0',
  area: 'extended-query',
  since: '0.1.0',
  spec: SPEC_PIPE,
  async run(ctx) {
    const { conn } = await openWire(ctx);
    await conn.queryRows(`CREATE TABLE ${ctx.target.qualify('pg034_t')} (id int4, v text)`);
    const pbe = (sql: string, params: string[] = []): Buffer[] => [msg.parse('', sql), msg.bind('', '', params), msg.execute('')];
    const r = await exchange(
      conn,
      ...pbe(`INSERT INTO ${ctx.target.qualify('pg034_t')} VALUES ($1, $2)`, ['1', 'one']),
      ...pbe(`INSERT INTO ${ctx.target.qualify('pg034_t')} VALUES ($1, $2)`, ['2', 'two']),
      ...pbe('SELECT $1::text AS echo', ['three']),
      ...pbe(`SELECT count(*) AS n, string_agg(v, ',' ORDER BY id) AS vs FROM ${ctx.target.qualify('pg034_t')}`),
      msg.sync(),
    );
    assert.equal(typeString(r), '12C12C12DC12DCZ', `expected each of the 4 statements answered in order before one ReadyForQuery; got ${describeMessages(r)}`);
    assert.deepEqual(r.filter((m) => m.type === 'C').map((m) => commandTag(m.body)), ['INSERT 0 1', 'INSERT 0 1', 'SELECT 1', 'SELECT 1'], 'command tags out of order');
    assert.deepEqual(rowsOf(r), [['three'], ['2', 'one,two']], 'the SELECTs must return their own rows; the count must see both pipelined INSERTs');
    assert.equal(z(r), 'I', 'after the Sync the session must be idle');
  },
});

/** PG-035: an error in a pipeline discards the rest until Sync, rolls back, and the session recovers. */
export const pipelineError = definePgCase({
  id: 'PG-035',
  title: 'an error in a pipeline skips every message until Sync, rolls back the implicit transaction, and the session is usable after ReadyForQuery',
  priority: 'p1',
  area: 'extended-query',
  since: '0.1.0',
  spec: SPEC_PIPE,
  async run(ctx) {
    const { conn } = await openWire(ctx);
    await conn.queryRows(`CREATE TABLE ${ctx.target.qualify('pg035_t')} (id int4)`);
    const pbe = (sql: string, params: string[] = []): Buffer[] => [msg.parse('', sql), msg.bind('', '', params), msg.execute('')];
    const r = await exchange(
      conn,
      ...pbe(`INSERT INTO ${ctx.target.qualify('pg035_t')} VALUES ($1)`, ['1']),
      ...pbe(`SELECT 1 / (SELECT count(*) - 1 FROM ${ctx.target.qualify('pg035_t')})`),
      ...pbe(`INSERT INTO ${ctx.target.qualify('pg035_t')} VALUES ($1)`, ['2']),
      msg.sync(),
    );
    ctx.log(describeMessages(r));
    const types = typeString(r);
    // The error may come at Parse, Bind or Execute of the second statement; after it, only ReadyForQuery.
    assert.match(types, /^12C(?:1|12)?EZ$/, `expected the first INSERT answered, the error, then only ReadyForQuery (the third statement skipped); got ${describeMessages(r)}`);
    assert.equal(firstError(r)?.C, '22012', `expected SQLSTATE 22012, got ${firstError(r)?.C}`);
    assert.equal(z(r), 'I', 'after Sync the failed implicit transaction must be over (ReadyForQuery idle)');
    const after = await exchange(conn, ...pbe(`SELECT count(*) FROM ${ctx.target.qualify('pg035_t')}`), msg.sync());
    assert.equal(typeString(after), '12DCZ', `the session must answer normally after the failed pipeline, got ${describeMessages(after)}`);
    assert.deepEqual(rowsOf(after), [['0']], 'the INSERT before the error was in the same implicit transaction and must be rolled back');
  },
});

/** PG-036: parameter types: inferred when unspecified, honoured when given. */
export const parameterTypes = definePgCase({
  id: 'PG-036',
  title: 'parameter types are inferred from context when Parse leaves them unspecified, and an explicit type OID in Parse is honoured',
  priority: 'p1',
  area: 'extended-query',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARSE',
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    let r = await exchange(conn, msg.parse(`hc_pg036_inf_${ctx.target.runId}`, "SELECT $1 + 1::int8 AS a, $2 = 'x'::text AS b, $3::float8 AS c"), msg.describe('S', `hc_pg036_inf_${ctx.target.runId}`), msg.sync());
    assert.equal(typeString(r), '1tTZ', `got ${describeMessages(r)}`);
    let params = parameterDescription((r[1] as WireMessage).body);
    assert.deepEqual(params, [OID.int8, OID.text, OID.float8], `unspecified parameters must be inferred as int8, text, float8 (20, 25, 701) from their context, got ${JSON.stringify(params)}`);
    r = await exchange(conn, msg.parse(`hc_pg036_exp_${ctx.target.runId}`, 'SELECT $1 AS v', [OID.int8]), msg.describe('S', `hc_pg036_exp_${ctx.target.runId}`), msg.bind('', `hc_pg036_exp_${ctx.target.runId}`, ['9007199254740993']), msg.execute(''), msg.sync());
    assert.equal(typeString(r), '1tT2DCZ', `got ${describeMessages(r)}`);
    params = parameterDescription((r[1] as WireMessage).body);
    assert.deepEqual(params, [OID.int8], `a parameter declared int8 in Parse must be described as int8 (20), got ${JSON.stringify(params)}`);
    assert.equal(rowDescription((r[2] as WireMessage).body)[0]?.typeOid, OID.int8, 'SELECT $1 with $1 declared int8 must return an int8 column');
    assert.deepEqual(rowsOf(r), [['9007199254740993']], 'the int8 value must round-trip exactly');
    r = await exchange(conn, msg.parse('', 'SELECT $1 AS v', [OID.int4]), msg.bind('', '', ['3000000000']), msg.execute(''), msg.sync());
    assert.equal(firstError(r)?.C, '22003', `3000000000 bound to a parameter declared int4 must fail with 22003 (out of range), got ${describeMessages(r)}`);
  },
});

/** PG-037: NULL parameters (length -1) arrive as NULL, in text and binary format. */
export const nullParameters = definePgCase({
  id: 'PG-037',
  title: 'NULL parameters (length -1, text or binary format) are stored and compared as NULL and come back as NULL (-1) in DataRow',
  priority: 'p0',
  area: 'extended-query',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BIND',
  async run(ctx) {
    const { conn } = await openWire(ctx);
    await conn.queryRows(`CREATE TABLE ${ctx.target.qualify('pg037_t')} (id int4 PRIMARY KEY, a text, b int8)`);
    let r = await exchange(conn, msg.parse('', `INSERT INTO ${ctx.target.qualify('pg037_t')} (id, a, b) VALUES ($1, $2, $3)`, [OID.int4, OID.text, OID.int8]), msg.bind('', '', ['1', null, null]), msg.execute(''), msg.sync());
    assert.equal(typeString(r), '12CZ', `INSERT with NULL parameters must succeed, got ${describeMessages(r)}`);
    r = await exchange(conn, msg.bind('', '', ['2', 'x', null], [0, 0, 1]), msg.execute(''), msg.sync());
    assert.equal(typeString(r), '2CZ', `INSERT with a binary-format NULL parameter must succeed, got ${describeMessages(r)}`);
    r = await exchange(conn, msg.parse('', `SELECT a, b, a IS NULL, b IS NULL, $1::text IS NULL FROM ${ctx.target.qualify('pg037_t')} ORDER BY id`), msg.bind('', '', [null]), msg.execute(''), msg.sync());
    const rows = r.filter((m) => m.type === 'D').map((m) => dataRow(m.body));
    assert.equal(rows.length, 2, `expected 2 rows, got ${describeMessages(r)}`);
    const shown = rows.map((row) => row.map((b) => (b === null ? null : b.toString('utf8'))));
    assert.deepEqual(shown, [
      [null, null, 't', 't', 't'],
      ['x', null, 'f', 't', 't'],
    ], `NULL parameters must be stored as NULL and sent back as NULL (length -1); got ${JSON.stringify(shown)}`);
  },
});

/** PG-038: Close of a statement / portal. */
export const closeStatement = definePgCase({
  id: 'PG-038',
  title: 'Close statement and Close portal answer CloseComplete; a closed statement can no longer be bound (26000); closing an unknown name is not an error',
  priority: 'p1',
  area: 'extended-query',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CLOSE',
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    let r = await exchange(conn, msg.parse(`hc_pg038_${ctx.target.runId}`, 'SELECT 1'), msg.sync());
    assert.equal(typeString(r), '1Z', `got ${describeMessages(r)}`);
    r = await exchange(conn, msg.bind('hc_pg038_p', `hc_pg038_${ctx.target.runId}`, []), msg.close('P', 'hc_pg038_p'), msg.execute('hc_pg038_p'), msg.sync());
    assert.equal(typeString(r), '23EZ', `Close portal must answer CloseComplete and the closed portal must no longer execute; got ${describeMessages(r)}`);
    assert.equal(firstError(r)?.C, '34000', `Execute of a closed portal must fail with 34000 (invalid_cursor_name), got ${firstError(r)?.C}`);
    r = await exchange(conn, msg.close('S', `hc_pg038_${ctx.target.runId}`), msg.sync());
    assert.equal(typeString(r), '3Z', `Close statement must answer CloseComplete, got ${describeMessages(r)}`);
    r = await exchange(conn, msg.bind('', `hc_pg038_${ctx.target.runId}`, []), msg.sync());
    assert.equal(firstError(r)?.C, '26000', `Bind to a closed statement must fail with 26000 (invalid_sql_statement_name), got ${describeMessages(r)}`);
    r = await exchange(conn, msg.close('S', `hc_pg038_never_${ctx.target.runId}`), msg.close('P', 'hc_pg038_nope'), msg.sync());
    assert.equal(typeString(r), '33Z', `closing a statement or portal that does not exist is not an error (CloseComplete each), got ${describeMessages(r)}`);
  },
});

/** PG-039: Flush makes the server send what it has without waiting for Sync. */
export const flushMessage = definePgCase({
  id: 'PG-039',
  title: 'Flush makes the server send the answers to Parse/Bind/Execute before any Sync',
  priority: 'p2',
  area: 'extended-query',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY',
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false });
    conn.send(msg.parse('', 'SELECT 7 AS seven'), msg.bind('', '', []), msg.execute(''), msg.flush());
    const got: WireMessage[] = [];
    try {
      while (got.length < 4) got.push(await conn.next(3000, 'answer after Flush'));
    } catch (e) {
      if (e instanceof WireTimeout) return ctx.fail(`after Parse/Bind/Execute/Flush (no Sync) only ${describeMessages(got) || 'nothing'} arrived within 3 s: the server waited for Sync`);
      throw e;
    }
    assert.equal(typeString(got), '12DC', `expected ParseComplete, BindComplete, DataRow, CommandComplete after Flush, got ${describeMessages(got)}`);
    assert.deepEqual(rowsOf(got), [['7']], 'the flushed row must be 7');
    const r = await exchange(conn, msg.sync());
    assert.equal(typeString(r), 'Z', `Sync must then give just ReadyForQuery, got ${describeMessages(r)}`);
  },
});
