// The reference endpoint's translation and encodings, checked against the values snowflake-sdk's
// result/column.js decodes (the end-to-end proof is reference.test.ts; these name the failing rule).
import { describe, expect, it } from 'vitest';
import { parseSnowflakeDsn } from '../src/index.js';
import { encodeValue, rowTypeOf } from '../src/reference/results.js';
import { splitStatements, translate } from '../src/reference/translate.js';

describe('translate', () => {
  it('numbers ? and :N binds, casts the typed ones, and leaves literals alone', () => {
    const p = translate("SELECT ?::NUMBER(10,2), ':1 ?', :2", (n) => (n === 1 ? '::numeric' : undefined));
    expect(p).toEqual({ kind: 'sql', sql: "SELECT $1::numeric::NUMERIC(10,2), ':1 ?', $2" });
  });

  it('rewrites the Snowflake spellings the catalog uses', () => {
    const p = translate("SELECT SEQ4() AS N, TO_VARCHAR(SEQ4()) AS L, PARSE_JSON('{}') AS V, TO_BINARY('CAFE', 'HEX') AS B FROM TABLE(GENERATOR(ROWCOUNT => 10))");
    expect(p).toEqual({ kind: 'sql', sql: "SELECT (_hc_gen.seq) AS N, ((_hc_gen.seq))::text AS L, ('{}')::jsonb AS V, decode('CAFE', 'hex') AS B FROM generate_series(0, 9) AS _hc_gen(seq)" });
    expect(translate('CREATE TABLE T (A VARIANT, B TIMESTAMP_TZ, C BINARY, D FLOAT)')).toEqual({ kind: 'sql', sql: 'CREATE TABLE T (A JSONB, B TIMESTAMPTZ, C BYTEA, D DOUBLE PRECISION)' });
  });

  it('serves SYSTEM$WAIT, USE SCHEMA and ALTER SESSION itself', () => {
    expect(translate('SELECT SYSTEM$WAIT(2) AS W')).toEqual({ kind: 'wait', ms: 2000, column: 'W', seconds: 2, unit: 'seconds' });
    expect(translate('USE SCHEMA HC_AB12')).toEqual({ kind: 'use-schema', schema: 'hc_ab12' });
    expect(translate("ALTER SESSION SET QUERY_TAG = 'it''s'")).toEqual({ kind: 'alter-session', name: 'QUERY_TAG', value: "it's" });
  });

  it('keeps the transaction statements for the session', () => {
    for (const t of ['BEGIN', 'begin transaction', 'BEGIN WORK;', 'START TRANSACTION NAME T1']) expect(translate(t), t).toEqual({ kind: 'transaction', action: 'begin' });
    expect(translate('COMMIT WORK')).toEqual({ kind: 'transaction', action: 'commit' });
    expect(translate('rollback')).toEqual({ kind: 'transaction', action: 'rollback' });
    expect(translate('ROLLBACK TO SAVEPOINT S')).toMatchObject({ kind: 'sql' });
  });

  it('splits statements at semicolons outside literals', () => {
    expect(splitStatements("SELECT ';'; SELECT 2;")).toEqual(["SELECT ';'", 'SELECT 2']);
  });
});

describe('result encodings (as result/column.js decodes them)', () => {
  it('dates are days, times and timestamps seconds with 9 digits, TIMESTAMP_TZ carries offset + 1440', () => {
    expect(encodeValue('date', '2024-02-29')).toBe('19782');
    expect(encodeValue('time', '13:45:56.5')).toBe('49556.500000000');
    expect(encodeValue('timestamp_tz', '2024-02-29 13:45:56.123+05:30')).toBe(`${Date.UTC(2024, 1, 29, 8, 15, 56) / 1000}.123000000 1770`);
    expect(encodeValue('timestamp_ntz', '1970-01-01 00:00:01')).toBe('1.000000000');
    expect(encodeValue('boolean', 't')).toBe('1');
    expect(encodeValue('binary', '\\xcafe')).toBe('CAFE');
    expect(encodeValue('text', null)).toBeNull();
  });

  it('NUMBER keeps its declared precision and scale; names fold to upper case', () => {
    expect(rowTypeOf({ name: 'd', dataTypeID: 1700, dataTypeModifier: ((10 << 16) | 2) + 4 }, [])).toMatchObject({ name: 'D', type: 'fixed', precision: 10, scale: 2 });
    expect(rowTypeOf({ name: 'Mixed', dataTypeID: 23, dataTypeModifier: -1 }, [])).toMatchObject({ name: 'Mixed', type: 'fixed', scale: 0 });
  });
});

describe('parseSnowflakeDsn', () => {
  it('reads every part and refuses what it does not know', () => {
    expect(parseSnowflakeDsn('snowflake://u:p%40ss@localhost:8443/HELIOS/PUBLIC?account=local&warehouse=default')).toMatchObject({ user: 'u', password: 'p@ss', host: 'localhost', port: 8443, protocol: 'https', account: 'local', database: 'HELIOS', schema: 'PUBLIC', warehouse: 'default' });
    expect(parseSnowflakeDsn('snowflake://u:p@xy123.snowflakecomputing.com/DB').account).toBe('xy123');
    expect(() => parseSnowflakeDsn('snowflake://u:p@localhost/DB')).toThrow(/account=/);
    expect(() => parseSnowflakeDsn('snowflake://u:p@localhost/DB?account=a&protocol=ftp')).toThrow(/https or http/);
    expect(() => parseSnowflakeDsn('postgres://u:p@localhost/DB')).toThrow(/scheme must be snowflake/);
    expect(() => parseSnowflakeDsn('snowflake://u:p@localhost/DB?account=a&ca=/nonexistent/ca.pem')).toThrow(/ca=\/nonexistent\/ca\.pem cannot be read \(ENOENT\)/);
    expect(() => parseSnowflakeDsn('snowflake://u:p@localhost/DB?account=a&protocol=http&ca=/x.pem')).toThrow(/ca=FILE is for protocol=https/);
    expect(parseSnowflakeDsn('snowflake://u:p@localhost/DB?account=a')).toMatchObject({ ca: undefined, caFile: undefined });
  });
});
