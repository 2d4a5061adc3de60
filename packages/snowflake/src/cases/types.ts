// Values both ways: every bind type snowflake-sdk sends (it names them FIXED, REAL, TEXT,
// BOOLEAN; a Date travels as its ISO text, NULL as a TEXT bind without value) and the result types
// it decodes (NUMBER precision and scale, BOOLEAN, DATE, TIME, TIMESTAMP_TZ, VARIANT, BINARY).
import assert from 'node:assert/strict';
import { connect, defineSnowflakeCase, exec } from '../_internal/case-kit.js';

const BINDS = 'https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-execute#binding-statement-parameters';
const TYPES = 'https://docs.snowflake.com/en/sql-reference/intro-summary-data-types';

export const sf005 = defineSnowflakeCase({
  id: 'SF-005',
  title: 'binds of every type the driver sends come back unchanged: integer, float, text (UTF-8), boolean, NULL, timestamp with time zone, binary as hex',
  priority: 'p1',
  area: 'binds',
  spec: BINDS,
  async run(ctx) {
    const conn = await connect(ctx);
    const when = new Date('2024-02-29T08:15:56.123Z');
    const text = 'héllo, 世界 ✓ \'quoted\'';
    const { rows } = await exec(
      ctx,
      conn,
      'SELECT ?::NUMBER(38,0) AS I, ?::FLOAT AS F, ?::VARCHAR AS S, ?::BOOLEAN AS B, ?::BOOLEAN AS B2, ?::VARCHAR AS N, TO_TIMESTAMP_TZ(?) AS TS, TO_BINARY(?, \'HEX\') AS BIN, ?::NUMBER(38,0) AS NEG',
      [9007199254740991, 1.5, text, true, false, null, when, 'CAFE00FF', -42],
    );
    assert.equal(rows.length, 1, `the SELECT of binds returned ${rows.length} rows`);
    const r = rows[0] as Record<string, unknown>;
    assert.strictEqual(r.I, 9007199254740991, `integer bind: ${JSON.stringify(r.I)}`);
    assert.strictEqual(r.NEG, -42, `negative integer bind: ${JSON.stringify(r.NEG)}`);
    assert.strictEqual(r.F, 1.5, `float bind: ${JSON.stringify(r.F)}`);
    assert.strictEqual(r.S, text, `text bind: ${JSON.stringify(r.S)}`);
    assert.strictEqual(r.B, true, `boolean bind true: ${JSON.stringify(r.B)}`);
    assert.strictEqual(r.B2, false, `boolean bind false: ${JSON.stringify(r.B2)}`);
    assert.strictEqual(r.N, null, `NULL bind: ${JSON.stringify(r.N)}`);
    assert.ok(r.TS instanceof Date, `a Date bind read back as TIMESTAMP_TZ is not a Date: ${JSON.stringify(r.TS)}`);
    assert.equal((r.TS as Date).getTime(), when.getTime(), `Date bind: ${(r.TS as Date).toISOString?.()} instead of ${when.toISOString()}`);
    assert.ok(Buffer.isBuffer(r.BIN), `binary (hex text bind through TO_BINARY) is not a Buffer: ${JSON.stringify(r.BIN)}`);
    assert.equal((r.BIN as Buffer).toString('hex'), 'cafe00ff', 'binary bind');
  },
});

export const sf006 = defineSnowflakeCase({
  id: 'SF-006',
  title: 'result types decode as the driver expects: NUMBER(10,2) and NUMBER(38,0) with precision/scale, BOOLEAN, DATE, TIME, TIMESTAMP_TZ, VARIANT, BINARY, NULL',
  priority: 'p1',
  area: 'types',
  spec: TYPES,
  async run(ctx) {
    const conn = await connect(ctx);
    const { stmt, rows } = await exec(
      ctx,
      conn,
      "SELECT 123.45::NUMBER(10,2) AS D, 12345678901234567890::NUMBER(38,0) AS BIG, TRUE AS B, '2024-02-29'::DATE AS DT, '13:45:56'::TIME AS TM, '2024-02-29 13:45:56.123 +05:30'::TIMESTAMP_TZ AS TZ, PARSE_JSON('{\"a\":[1,2,{\"b\":null}],\"s\":\"x\"}') AS V, TO_BINARY('CAFE', 'HEX') AS BIN, NULL::VARCHAR AS NUL",
      undefined,
      { fetchAsString: ['Number'] },
    );
    const cols = Object.fromEntries((stmt.getColumns() ?? []).map((c) => [c.getName(), c]));
    const meta = (n: string): string => {
      const c = cols[n];
      return c ? `${c.getType()}(${c.getPrecision() ?? ''},${c.getScale() ?? ''})` : 'missing';
    };
    assert.equal(cols.D?.getType(), 'fixed', `NUMBER(10,2) column is ${meta('D')}`);
    assert.equal(cols.D?.getPrecision(), 10, `NUMBER(10,2) column is ${meta('D')}`);
    assert.equal(cols.D?.getScale(), 2, `NUMBER(10,2) column is ${meta('D')}`);
    assert.equal(cols.BIG?.getScale(), 0, `NUMBER(38,0) column is ${meta('BIG')}`);
    assert.equal(cols.B?.getType(), 'boolean', `BOOLEAN column is ${meta('B')}`);
    assert.equal(cols.DT?.getType(), 'date', `DATE column is ${meta('DT')}`);
    assert.equal(cols.TM?.getType(), 'time', `TIME column is ${meta('TM')}`);
    assert.equal(cols.TZ?.getType(), 'timestamp_tz', `TIMESTAMP_TZ column is ${meta('TZ')}`);
    assert.equal(cols.V?.getType(), 'variant', `PARSE_JSON column is ${meta('V')}`);
    assert.equal(cols.BIN?.getType(), 'binary', `BINARY column is ${meta('BIN')}`);
    const r = rows[0] as Record<string, unknown>;
    // fetchAsString: ['Number'] keeps every digit of a NUMBER(38,0) beyond 2^53.
    assert.strictEqual(r.D, '123.45', `NUMBER(10,2) as string: ${JSON.stringify(r.D)}`);
    assert.strictEqual(r.BIG, '12345678901234567890', `NUMBER(38,0) as string: ${JSON.stringify(r.BIG)}`);
    assert.strictEqual(r.B, true, `BOOLEAN: ${JSON.stringify(r.B)}`);
    assert.ok(r.DT instanceof Date && (r.DT as Date).getTime() === Date.UTC(2024, 1, 29), `DATE: ${String(r.DT)}`);
    assert.strictEqual(r.TM, '13:45:56', `TIME: ${JSON.stringify(r.TM)}`);
    assert.ok(r.TZ instanceof Date, `TIMESTAMP_TZ is not a Date: ${JSON.stringify(r.TZ)}`);
    assert.equal((r.TZ as Date).getTime(), Date.UTC(2024, 1, 29, 8, 15, 56, 123), `TIMESTAMP_TZ 13:45:56.123 +05:30 is ${(r.TZ as Date).toISOString?.()}`);
    assert.deepEqual(r.V, { a: [1, 2, { b: null }], s: 'x' }, `VARIANT: ${JSON.stringify(r.V)}`);
    assert.ok(Buffer.isBuffer(r.BIN) && (r.BIN as Buffer).toString('hex') === 'cafe', `BINARY: ${JSON.stringify(r.BIN)}`);
    assert.strictEqual(r.NUL, null, `NULL: ${JSON.stringify(r.NUL)}`);
  },
});
