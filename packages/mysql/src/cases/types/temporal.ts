import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, exec, rows } from '../../_internal/case-kit.js';
import { frac, roundTrip, str } from '../../_internal/round-trip.js';

const TYPES_SPEC = 'https://dev.mysql.com/doc/refman/8.0/en/data-types.html';

/** MY-028: DATE and DATETIME(6) over their whole range. */
export const datesAndDatetimes = defineMysqlCase({
  id: 'MY-028',
  title: 'DATE and DATETIME(6) keep their full range with microseconds',
  priority: 'p0',
  area: 'types',
  spec: TYPES_SPEC,
  timeoutMs: 10_000,
  async run(ctx) {
    const dates = ['1000-01-01', '9999-12-31', '2024-02-29', '1970-01-01'];
    await roundTrip(ctx, 'my028_d', 'DATE', dates.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), str);
    const dts = ['1000-01-01 00:00:00.000000', '9999-12-31 23:59:59.999999', '2024-02-29 12:34:56.123456', '2000-01-01 00:00:00.000001'];
    await roundTrip(ctx, 'my028_dt', 'DATETIME(6)', dts.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), frac(6));
  },
});

/** MY-029: TIMESTAMP is stored in UTC and shown in the session's time zone. */
export const timestamps = defineMysqlCase({
  id: 'MY-029',
  title: 'TIMESTAMP(6) keeps its range in a +00:00 session and converts with the session time_zone',
  priority: 'p1',
  area: 'types',
  spec: TYPES_SPEC,
  timeoutMs: 10_000,
  async run(ctx) {
    const ts = ['1970-01-01 00:00:01.000000', '2038-01-19 03:14:07.999999', '2001-09-09 01:46:40.500000'];
    await roundTrip(ctx, 'my029', 'TIMESTAMP(6) NULL', ts.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), frac(6), { setup: "SET time_zone = '+00:00'" });

    const conn = await connect(ctx);
    await exec(conn, "SET time_zone = '+00:00'");
    await createTable(conn, 'my029_tz', 'v TIMESTAMP NULL');
    await exec(conn, "INSERT INTO my029_tz VALUES ('2020-06-01 12:00:00')");
    await exec(conn, "SET time_zone = '+02:00'");
    const [r] = await rows<{ v: string }>(conn, 'SELECT v FROM my029_tz');
    assert.equal(r?.v, '2020-06-01 14:00:00', 'TIMESTAMP read in a +02:00 session');
  },
});

/** MY-030: TIME beyond a day and YEAR. */
export const timesAndYears = defineMysqlCase({
  id: 'MY-030',
  title: 'TIME(6) keeps -838:59:59 … 838:59:59 with fractions, and YEAR keeps 1901 … 2155',
  priority: 'p1',
  area: 'types',
  spec: TYPES_SPEC,
  timeoutMs: 10_000,
  async run(ctx) {
    const t = ['-838:59:59.000000', '838:59:59.000000', '00:00:00.500000', '-00:00:01.000000', '23:59:59.999999'];
    await roundTrip(ctx, 'my030_t', 'TIME(6)', t.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), frac(6));
    const y = [1901, 2155, 2000];
    await roundTrip(ctx, 'my030_y', 'YEAR', y.map((v) => ({ lit: String(v), param: v, expect: String(v) })), str);
  },
});
