// Parameters as the driver sends them (TSparkParameter: a Spark type name and a string value).
import { defineDbxCase, DRIVER_SPEC, query, show, tableName, type DbxCase, type DbxContext } from '../_internal/case-kit.js';
import { sameDate, sameTimestamp, sessionTimeZone } from '../_internal/values.js';

function expectRow(ctx: DbxContext, what: string, row: Record<string, unknown> | undefined, expected: Record<string, unknown>): void {
  if (!row) ctx.fail(`${what}: no row`);
  const wrong = Object.entries(expected).filter(([k, v]) => !Object.is(row[k], v));
  if (wrong.length) ctx.fail(`${what}: ${wrong.map(([k, v]) => `${k} is ${show(row[k])}, expected ${show(v)}`).join('; ')}`);
}

/** DB-004..006. */
export const parameterCases: readonly DbxCase[] = [
  defineDbxCase({
    id: 'DB-004',
    title: 'Ordinal parameters of every type the driver infers (INTEGER, BIGINT, DOUBLE, STRING, BOOLEAN, NULL) come back as bound',
    priority: 'p1',
    area: 'parameters',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const bound = [42, 1099511627777n, 2.5, 'héllo ☃ \'quoted\'', true, null];
      const rows = await query(ctx, 'SELECT ? AS i, ? AS big, ? AS d, ? AS s, ? AS b, ? AS n', { ordinalParameters: bound });
      expectRow(ctx, `SELECT ? … with ${show(bound)}`, rows[0], { i: 42, big: 1099511627777, d: 2.5, s: 'héllo ☃ \'quoted\'', b: true, n: null });
    },
  }),
  defineDbxCase({
    id: 'DB-005',
    title: 'Named parameters (:name), one used twice, and an explicitly typed DECIMAL parameter',
    priority: 'p1',
    area: 'parameters',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const { DBSQLParameter, DBSQLParameterType } = ctx.target.driver;
      const namedParameters = { name: 'named', n: 41, d: new DBSQLParameter({ type: DBSQLParameterType.DECIMAL, value: '12345.6789' }) };
      const rows = await query(ctx, 'SELECT :name AS name, :n AS n, :n + 1 AS n1, :d AS d', { namedParameters });
      expectRow(ctx, 'SELECT :name, :n, :n + 1, :d', rows[0], { name: 'named', n: 41, n1: 42, d: 12345.6789 });
    },
  }),
  defineDbxCase({
    id: 'DB-006',
    title: 'DATE and TIMESTAMP parameters stored in DATE / TIMESTAMP columns read back as the same day and instant',
    priority: 'p1',
    area: 'parameters',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const { DBSQLParameter, DBSQLParameterType } = ctx.target.driver;
      const t = tableName(ctx, 'db006_dates');
      await query(ctx, `CREATE TABLE ${t} (id INT, d DATE, ts TIMESTAMP)`);
      ctx.defer(() => query(ctx, `DROP TABLE IF EXISTS ${t}`));
      const instant = new Date('2024-02-29T12:34:56.789Z');
      await query(ctx, `INSERT INTO ${t} (id, d, ts) VALUES (?, ?, ?)`, { ordinalParameters: [1, new DBSQLParameter({ type: DBSQLParameterType.DATE, value: '2024-02-29' }), instant] });
      await query(ctx, `INSERT INTO ${t} (id, d, ts) VALUES (:id, :d, :ts)`, { namedParameters: { id: 2, d: null, ts: null } });
      const rows = await query(ctx, `SELECT id, d, ts FROM ${t} ORDER BY id`);
      const zone = await sessionTimeZone(ctx);
      ctx.log(`session time zone ${zone}; rows ${show(rows)}`);
      if (rows.length !== 2) ctx.fail(`expected 2 rows, got ${show(rows)}`);
      if (!sameDate(rows[0]?.d, '2024-02-29')) ctx.fail(`DATE parameter "2024-02-29" read back as ${show(rows[0]?.d)}`);
      const ts = sameTimestamp(rows[0]?.ts, instant, zone);
      if (!ts.same) ctx.fail(`TIMESTAMP parameter ${instant.toISOString()} read back as ${show(rows[0]?.ts)} (${ts.why})`);
      if (rows[1]?.d !== null || rows[1]?.ts !== null) ctx.fail(`NULL parameters read back as ${show(rows[1])}`);
    },
  }),
];
