import { definePgCase, openSession } from '../../_internal/case-kit.js';
import { expectSqlstate, rawRow, row, same, sameColumns, stillAlive } from '../../_internal/value-checks.js';

const NUMERIC_SPEC = 'https://www.postgresql.org/docs/current/datatype-numeric.html';

/** PG-049: int2/int4/int8 limits survive a round trip through parameters, a table and back. */
export const integerLimits = definePgCase({
  id: 'PG-049',
  title: 'int2/int4/int8 minimum and maximum values round-trip exactly (int8 as a string)',
  priority: 'p0',
  area: 'types',
  since: '0.1.0',
  spec: `${NUMERIC_SPEC}#DATATYPE-INT`,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-049');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg049_t')} (k int PRIMARY KEY, s smallint, i integer, b bigint)`);
    // int8 goes in once as a BigInt (the driver sends its decimal text) and once as a string.
    await client.query(`INSERT INTO ${ctx.target.qualify('pg049_t')} VALUES (1, $1, $2, $3), (2, $4, $5, $6)`, [
      -32768, -2147483648, -9223372036854775808n,
      '32767', '2147483647', '9223372036854775807',
    ]);
    const r = await client.query<{ s: number; i: number; b: string }>(`SELECT s, i, b FROM ${ctx.target.qualify('pg049_t')} ORDER BY k`);
    same(r.fields.map((f) => f.dataTypeID), [21, 23, 20], 'RowDescription type OIDs of smallint, integer, bigint');
    // pg returns int2/int4 as numbers and int8 as a string (no precision lost).
    same(r.rows, [
      { s: -32768, i: -2147483648, b: '-9223372036854775808' },
      { s: 32767, i: 2147483647, b: '9223372036854775807' },
    ], 'the stored limits read back');

    const p = await rawRow(client, 'SELECT $1::int8 - 1 AS below_max, $2::int8 + 1 AS above_min, $1::int8 / 3 AS third, -($3::int2) AS neg', [
      '9223372036854775807', '-9223372036854775808', '-32767',
    ]);
    sameColumns(p, { below_max: '9223372036854775806', above_min: '-9223372036854775807', third: '3074457345618258602', neg: '32767' }, 'int8 arithmetic at the limits (text)');
  },
});

/** PG-050: values beyond the integer ranges and overflowing arithmetic raise 22003. */
export const integerOutOfRange = definePgCase({
  id: 'PG-050',
  title: 'integers beyond the int2/int4/int8 limits and overflowing arithmetic fail with SQLSTATE 22003',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/errcodes-appendix.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-050');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg050_t')} (s smallint)`);
    const cases: Array<[string, unknown[], string]> = [
      ['SELECT $1::int2', ['32768'], 'int2 input 32768'],
      ['SELECT $1::int2', ['-32769'], 'int2 input -32769'],
      ['SELECT $1::int4', ['2147483648'], 'int4 input 2147483648'],
      ['SELECT $1::int4', ['-2147483649'], 'int4 input -2147483649'],
      ['SELECT $1::int8', ['9223372036854775808'], 'int8 input 9223372036854775808'],
      ['SELECT $1::int8', ['-9223372036854775809'], 'int8 input -9223372036854775809'],
      ['SELECT 2147483647::int4 + 1', [], 'int4 addition overflow'],
      ['SELECT 9223372036854775807::int8 * 2', [], 'int8 multiplication overflow'],
      ['SELECT (-32768)::int2 * (-1)::int2', [], 'int2 negation overflow'],
      [`INSERT INTO ${ctx.target.qualify('pg050_t')} VALUES ($1)`, [40000], 'inserting 40000 into a smallint column'],
    ];
    for (const [sql, params, what] of cases) {
      ctx.log(`${what}: ${await expectSqlstate(client, sql, params, '22003', what)}`);
    }
    await stillAlive(client, 'ten out-of-range errors');
    const n = await row<{ n: number }>(client, `SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg050_t')}`);
    same(n.n, 0, 'rows in pg050_t after the rejected insert');
  },
});

/** Exact product of two decimal strings, computed with BigInt. */
function decimalProduct(a: string, b: string): string {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  const scale = af.length + bf.length;
  const digits = (BigInt(ai + af) * BigInt(bi + bf)).toString().padStart(scale + 1, '0');
  return `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

/** Exact sum of two decimal strings, computed with BigInt (keeps the larger scale). */
function decimalSum(a: string, b: string): string {
  const scale = Math.max((a.split('.')[1] ?? '').length, (b.split('.')[1] ?? '').length);
  const toInt = (s: string): bigint => {
    const [i = '', f = ''] = s.split('.');
    return BigInt(i + f.padEnd(scale, '0'));
  };
  const v = toInt(a) + toInt(b);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

/** PG-051: numeric is exact: 50 significant digits, trailing zeros, exact arithmetic, NaN, rounding to a typmod. */
export const numericPrecision = definePgCase({
  id: 'PG-051',
  title: 'numeric is exact: 50-digit values and products, NaN, Infinity, typmod rounding; overflow fails with 22003',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: `${NUMERIC_SPEC}#DATATYPE-NUMERIC-DECIMAL`,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-051');
    const big = '12345678901234567890.123456789012345678901234567890';
    const other = '-98765432109876543210.987654321';
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg051_t')} (k int PRIMARY KEY, v numeric)`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg051_t')} VALUES (1, $1), (2, $2), (3, $3), (4, $4)`, [big, other, 'NaN', '1.50']);
    // pg returns numeric as a string: exactly what the server sent.
    const r = await client.query<{ v: string }>(`SELECT v FROM ${ctx.target.qualify('pg051_t')} ORDER BY k`);
    same(r.fields[0]?.dataTypeID, 1700, 'RowDescription type OID of numeric');
    same(r.rows.map((x) => x.v), [big, other, 'NaN', '1.50'], 'numeric values read back (all digits and trailing zeros kept)');

    const a = await rawRow(client, `SELECT $1::numeric * $2::numeric AS product, $1::numeric + $2::numeric AS sum,
        0.1::numeric + 0.2::numeric AS point3, 1::numeric / 3 AS third,
        'NaN'::numeric = 'NaN'::numeric AS nan_eq, (SELECT max(v) FROM ${ctx.target.qualify('pg051_t')})::text AS max_v,
        'Infinity'::numeric AS inf, '-Infinity'::numeric < $2::numeric AS neg_inf_lt`, [big, other]);
    sameColumns(a, {
      product: decimalProduct(big, other),
      sum: decimalSum(big, other),
      point3: '0.3',
      third: '0.33333333333333333333',
      nan_eq: 't',
      max_v: 'NaN',
      inf: 'Infinity',
      neg_inf_lt: 't',
    }, 'numeric arithmetic (text)');

    const t = await rawRow(client, "SELECT $1::numeric(5,2) AS up, $2::numeric(5,2) AS down, '123.454'::numeric(5,2) AS keep", ['123.455', '-0.005']);
    sameColumns(t, { up: '123.46', down: '-0.01', keep: '123.45' }, 'rounding half away from zero to numeric(5,2)');
    await expectSqlstate(client, 'SELECT $1::numeric(5,2)', ['1000'], '22003', 'numeric(5,2) input 1000 (field overflow)');
    await stillAlive(client, 'a numeric overflow');
  },
});

/** PG-052: float4/float8 special values and extreme magnitudes survive parameters and text output. */
export const floatSpecials = definePgCase({
  id: 'PG-052',
  title: 'float4/float8 NaN, ±Infinity, -0, subnormals and shortest-exact text round-trip; 1e309 fails with 22003',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: `${NUMERIC_SPEC}#DATATYPE-FLOAT`,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-052');
    // Shortest-exact output is what extra_float_digits = 1 (the default since PostgreSQL 12) selects; pin it.
    await client.query('SET extra_float_digits = 1');
    const inputs = ['NaN', 'Infinity', '-Infinity', '-0', '5e-324', '2.2250738585072014e-308', '1.7976931348623157e+308', '0.1'];
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg052_t')} (k int PRIMARY KEY, d float8, r float4)`);
    const f4 = ['NaN', 'Infinity', '-Infinity', '-0', '1e-45', '1.1754944e-38', '3.4028235e+38', '0.1'];
    for (let k = 0; k < inputs.length; k++) await client.query(`INSERT INTO ${ctx.target.qualify('pg052_t')} VALUES ($1, $2, $3)`, [k, inputs[k], f4[k]]);

    // The driver parses with parseFloat: every value must come back as the same JS number (Object.is).
    const r = await client.query<{ d: number; r: number }>(`SELECT d, r FROM ${ctx.target.qualify('pg052_t')} ORDER BY k`);
    same(r.fields.map((f) => f.dataTypeID), [701, 700], 'RowDescription type OIDs of float8, float4');
    same(r.rows.map((x) => x.d), [NaN, Infinity, -Infinity, -0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1], 'float8 values read back');
    same(r.rows.map((x) => x.r), [NaN, Infinity, -Infinity, -0, 1e-45, 1.1754944e-38, 3.4028235e38, 0.1], 'float4 values read back (as text parsed by JS)');

    const t = await client.query<{ d: string; r: string }>({ text: `SELECT d::text AS d, r::text AS r FROM ${ctx.target.qualify('pg052_t')} ORDER BY k` });
    same(t.rows.map((x) => x.d), inputs, 'float8 text output');
    same(t.rows.map((x) => x.r), f4, 'float4 text output');

    // A JS number sent as a parameter comes back bit-identical.
    const odd = 0.1 + 0.2;
    const back = await row<{ v: number; nan_eq: boolean; sum: string }>(client, "SELECT $1::float8 AS v, 'NaN'::float8 = 'NaN'::float8 AS nan_eq, (0.1::float8 + 0.2::float8)::text AS sum", [odd]);
    same(back.v, odd, 'float8 parameter 0.30000000000000004 read back');
    same(back.nan_eq, true, "'NaN' = 'NaN' for float8 (PostgreSQL treats NaN as equal to itself)");
    same(back.sum, '0.30000000000000004', '0.1 + 0.2 as float8 text');

    await expectSqlstate(client, 'SELECT $1::float8', ['1e309'], '22003', 'float8 input 1e309');
    await expectSqlstate(client, 'SELECT $1::float4', ['1e39'], '22003', 'float4 input 1e39');
    await stillAlive(client, 'float overflow errors');
  },
});
