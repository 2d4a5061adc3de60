import type { Client } from 'pg';
import { definePgCase, openSession } from '../../_internal/case-kit.js';
import { expectSqlstate, rawRow, row, same, sameColumns, stillAlive } from '../../_internal/value-checks.js';

const DATETIME_SPEC = 'https://www.postgresql.org/docs/current/datatype-datetime.html';

/** Pins the output styles the expected strings below are written in. */
async function isoSession(client: Client, zone = 'UTC'): Promise<void> {
  await client.query("SET DateStyle = 'ISO, MDY'");
  await client.query("SET IntervalStyle = 'postgres'");
  await client.query(`SET TIME ZONE '${zone}'`);
}

/** PG-057: date range edges, infinities, leap days, out-of-range input. */
export const dates = definePgCase({
  id: 'PG-057',
  title: 'date round-trips 4713 BC, 5874897 AD, infinity and leap days; out-of-range or impossible dates fail with 22008',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: DATETIME_SPEC,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-057');
    await isoSession(client);
    const values = ['4713-01-01 BC', '4714-11-24 BC', '0001-01-01', '0001-12-31 BC', '2000-02-29', '2024-02-29', '5874897-12-31', 'infinity', '-infinity'];
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg057_t')} (k int PRIMARY KEY, d date)`);
    for (let k = 0; k < values.length; k++) await client.query(`INSERT INTO ${ctx.target.qualify('pg057_t')} VALUES ($1, $2)`, [k, values[k]]);
    // Read as text: the driver's Date objects cannot represent most of these.
    const r = await client.query<{ d: string }>(`SELECT d::text AS d FROM ${ctx.target.qualify('pg057_t')} ORDER BY k`);
    same(r.rows.map((x) => x.d), values, 'dates read back as text');
    const ord = await client.query<{ k: number }>(`SELECT k FROM ${ctx.target.qualify('pg057_t')} ORDER BY d`);
    same(ord.rows.map((x) => x.k), [8, 1, 0, 3, 2, 4, 5, 6, 7], 'date ordering (-infinity first, BC before AD, infinity last)');
    const a = await rawRow(client, "SELECT '2024-03-01'::date - '2024-02-01'::date AS leap_feb, '2023-03-01'::date - '2023-02-01'::date AS feb, '0001-01-01'::date - '0001-12-31 BC'::date AS no_year_zero, '2024-02-29'::date + 1 AS next");
    sameColumns(a, { leap_feb: '29', feb: '28', no_year_zero: '1', next: '2024-03-01' }, 'date arithmetic');
    for (const bad of ['4714-11-23 BC', '5874898-01-01']) await expectSqlstate(client, 'SELECT $1::date', [bad], '22008', `date input ${bad} (out of range)`);
    for (const bad of ['2023-02-29', '1900-02-29', '2024-04-31']) await expectSqlstate(client, 'SELECT $1::date', [bad], '22008', `date input ${bad} (no such day)`);
    await stillAlive(client, 'invalid dates');
  },
});

/** PG-058: time and timetz: 24:00:00, microseconds, typmod rounding, offsets kept. */
export const times = definePgCase({
  id: 'PG-058',
  title: 'time/timetz keep microseconds and the UTC offset, accept 24:00:00 and round to their precision',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: `${DATETIME_SPEC}#DATATYPE-DATETIME-INPUT-TIMES`,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-058');
    await isoSession(client);
    const t = await rawRow(client, `SELECT $1::time AS midnight_end, $2::time AS last_us, $3::time(2) AS p2, $4::timetz AS tz530,
        $5::timetz AS tzneg, '23:00'::time + '2 hours'::interval AS wrap, '00:00:01.5'::time - '00:00:00.75'::time AS diff,
        $4::timetz AT TIME ZONE 'UTC' AS in_utc`, ['24:00:00', '23:59:59.999999', '12:34:56.789', '12:34:56.789+05:30', '01:02:03-08']);
    sameColumns(t, {
      midnight_end: '24:00:00',
      last_us: '23:59:59.999999',
      p2: '12:34:56.79',
      tz530: '12:34:56.789+05:30',
      tzneg: '01:02:03-08',
      wrap: '01:00:00',
      diff: '00:00:00.75',
      in_utc: '07:04:56.789+00',
    }, 'time/timetz text output');
    // pg has no parser for time/timetz: the string is the wire text.
    const d = await client.query<{ a: string; b: string }>('SELECT $1::time AS a, $2::timetz AS b', ['08:00:00.000001', '08:00:00.000001+00']);
    same(d.fields.map((f) => f.dataTypeID), [1083, 1266], 'RowDescription type OIDs of time and timetz');
    same(d.rows[0], { a: '08:00:00.000001', b: '08:00:00.000001+00' }, 'time/timetz parameters read back');
    await expectSqlstate(client, 'SELECT $1::time', ['24:00:01'], '22008', 'time input 24:00:01');
    await expectSqlstate(client, 'SELECT $1::time', ['12:60:00'], '22008', 'time input 12:60:00');
    await stillAlive(client, 'invalid times');
  },
});

/** PG-059: timestamptz stores an instant; the session time zone only changes how it is shown. */
export const timestamptzZones = definePgCase({
  id: 'PG-059',
  title: 'timestamptz keeps the instant across SET TIME ZONE (UTC, New York with DST, Kolkata); timestamp ignores the zone',
  priority: 'p0',
  area: 'types',
  since: '0.1.0',
  spec: `${DATETIME_SPEC}#DATATYPE-TIMEZONES`,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-059');
    await isoSession(client, 'UTC');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg059_t')} (k int PRIMARY KEY, tz timestamptz, plain timestamp)`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg059_t')} VALUES (1, $1, $2), (2, $3, $4)`, [
      '2024-03-10 12:00:00.123456+00', '2024-03-10 12:00:00.123456',
      '2024-03-10 06:59:59.999999Z', '2024-03-10 06:59:59.999999',
    ]);
    const shown: Record<string, [string, string]> = {
      UTC: ['2024-03-10 12:00:00.123456+00', '2024-03-10 06:59:59.999999+00'],
      // DST starts 2024-03-10 at 07:00 UTC in New York: one value on each side.
      'America/New_York': ['2024-03-10 08:00:00.123456-04', '2024-03-10 01:59:59.999999-05'],
      'Asia/Kolkata': ['2024-03-10 17:30:00.123456+05:30', '2024-03-10 12:29:59.999999+05:30'],
    };
    for (const [zone, want] of Object.entries(shown)) {
      await client.query(`SET TIME ZONE '${zone}'`);
      const z = await row<{ TimeZone: string }>(client, 'SHOW TimeZone');
      same(z.TimeZone, zone, 'SHOW TimeZone after SET TIME ZONE');
      const r = await client.query<{ tz: string; plain: string }>({ text: `SELECT tz::text AS tz, plain::text AS plain FROM ${ctx.target.qualify('pg059_t')} ORDER BY k` });
      same(r.rows.map((x) => x.tz), want, `timestamptz shown in ${zone}`);
      same(r.rows.map((x) => x.plain), ['2024-03-10 12:00:00.123456', '2024-03-10 06:59:59.999999'], `timestamp (without time zone) shown in ${zone}`);
      // The driver turns timestamptz into a Date for the same instant whatever the session zone (milliseconds).
      const d = await client.query<{ tz: Date }>(`SELECT tz FROM ${ctx.target.qualify('pg059_t')} ORDER BY k`);
      same(d.rows.map((x) => x.tz.toISOString()), ['2024-03-10T12:00:00.123Z', '2024-03-10T06:59:59.999Z'], `timestamptz parsed by the driver in ${zone}`);
    }
    // Input without an offset is read in the session zone.
    await client.query("SET TIME ZONE 'America/New_York'");
    await client.query(`INSERT INTO ${ctx.target.qualify('pg059_t')} VALUES (3, '2024-07-01 12:00:00', '2024-07-01 12:00:00')`);
    await client.query("SET TIME ZONE 'UTC'");
    const c = await rawRow(client, `SELECT tz FROM ${ctx.target.qualify('pg059_t')} WHERE k = 3`);
    same(c.tz, '2024-07-01 16:00:00+00', "'2024-07-01 12:00:00' entered under America/New_York, shown in UTC");
    const at = await rawRow(client, "SELECT '2024-01-15 12:00:00'::timestamp AT TIME ZONE 'America/New_York' AS to_tz, '2024-01-15 12:00:00+00'::timestamptz AT TIME ZONE 'Asia/Kolkata' AS to_local");
    sameColumns(at, { to_tz: '2024-01-15 17:00:00+00', to_local: '2024-01-15 17:30:00' }, 'AT TIME ZONE conversions');
    await expectSqlstate(client, "SET TIME ZONE 'Mars/Olympus_Mons'", [], '22023', 'SET TIME ZONE to an unknown zone');
  },
});

/** PG-060: timestamp range edges and special values. */
export const timestampEdges = definePgCase({
  id: 'PG-060',
  title: 'timestamp/timestamptz accept 4713 BC to 294276 AD, infinity and epoch; beyond the range fails with 22008',
  priority: 'p2',
  area: 'types',
  since: '0.1.0',
  spec: DATETIME_SPEC,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-060');
    await isoSession(client, 'UTC');
    const ts = ['4713-01-01 00:00:00 BC', '1999-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999', 'infinity', '-infinity'];
    for (const v of ts) {
      const r = await rawRow(client, 'SELECT $1::timestamp AS v', [v]);
      same(r.v, v, `timestamp input ${v}`);
    }
    const s = await rawRow(client, "SELECT 'epoch'::timestamptz AS epoch, 'infinity'::timestamptz AS inf, '294276-12-31 23:59:59.999999+00'::timestamptz AS max, 'infinity'::timestamptz > '294276-12-31 23:59:59.999999+00'::timestamptz AS inf_gt, extract(epoch FROM '2000-01-01 00:00:00+00'::timestamptz)::bigint AS y2k");
    sameColumns(s, { epoch: '1970-01-01 00:00:00+00', inf: 'infinity', max: '294276-12-31 23:59:59.999999+00', inf_gt: 't', y2k: '946684800' }, 'timestamptz special values');
    const d = await row<{ inf: number; ninf: number }>(client, "SELECT 'infinity'::timestamptz AS inf, '-infinity'::timestamptz AS ninf");
    same([d.inf, d.ninf], [Infinity, -Infinity], "the driver's reading of timestamptz ±infinity");
    await expectSqlstate(client, 'SELECT $1::timestamp', ['294277-01-01 00:00:00'], '22008', 'timestamp input 294277-01-01');
    await expectSqlstate(client, 'SELECT $1::timestamptz', ['4714-11-23 00:00:00+00 BC'], '22008', 'timestamptz input 4714-11-23 BC');
    await expectSqlstate(client, "SELECT '294276-12-31 23:59:59'::timestamp + '1 day'::interval", [], '22008', 'timestamp arithmetic past 294276 AD');
    await stillAlive(client, 'out-of-range timestamps');
  },
});

/** PG-061: interval keeps months, days and microseconds as separate fields. */
export const intervals = definePgCase({
  id: 'PG-061',
  title: 'interval keeps months, days and microseconds apart (1 month ≠ 30 days in arithmetic) and prints exactly in both styles',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: `${DATETIME_SPEC}#DATATYPE-INTERVAL-INPUT`,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-061');
    await isoSession(client, 'America/New_York');
    const t = await rawRow(client, `SELECT $1::interval AS mixed, '25 hours'::interval AS h25, justify_hours('25 hours'::interval) AS justified,
        '36 months'::interval AS m36, '-1 day +02:00'::interval AS neg_day,
        '2024-01-31'::date + '1 month'::interval AS plus_month, '2024-01-31'::date + '30 days'::interval AS plus_30d,
        '2024-03-09 12:00:00-05'::timestamptz + '1 day'::interval AS plus_day, '2024-03-09 12:00:00-05'::timestamptz + '24 hours'::interval AS plus_24h,
        '1 month'::interval = '30 days'::interval AS month_eq_30d`, ['1 month 30 days 0.000001 seconds']);
    sameColumns(t, {
      mixed: '1 mon 30 days 00:00:00.000001',
      h25: '25:00:00',
      justified: '1 day 01:00:00',
      m36: '3 years',
      neg_day: '-1 days +02:00:00',
      plus_month: '2024-02-29 00:00:00',
      plus_30d: '2024-03-01 00:00:00',
      plus_day: '2024-03-10 12:00:00-04',
      plus_24h: '2024-03-10 13:00:00-04',
      // Comparison (not storage) treats a month as 30 days.
      month_eq_30d: 't',
    }, 'interval text output and arithmetic (IntervalStyle postgres, zone America/New_York)');
    const drv = await row<{ v: { months?: number; days?: number; milliseconds?: number; hours?: number } }>(client, 'SELECT $1::interval AS v', ['1 month 30 days 0.000001 seconds']);
    same([drv.v.months, drv.v.days, drv.v.milliseconds], [1, 30, 0.001], "the driver's parsed interval (months, days, milliseconds)");
    await client.query("SET IntervalStyle = 'iso_8601'");
    const iso = await rawRow(client, "SELECT '1 year 2 months 3 days 04:05:06.789'::interval AS a, '1 mon 30 days 00:00:00.000001'::interval AS b");
    sameColumns(iso, { a: 'P1Y2M3DT4H5M6.789S', b: 'P1M30DT0.000001S' }, 'interval text output with IntervalStyle iso_8601');
    await client.query("SET IntervalStyle = 'postgres'");
    await expectSqlstate(client, 'SELECT $1::interval', ['1 fortnight'], '22007', "interval input '1 fortnight'");
    await stillAlive(client, 'invalid interval input');
  },
});
