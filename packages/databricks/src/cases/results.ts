// Result types (as described by GetResultSetMetadata and converted by the driver) and large results.
import { defineDbxCase, DRIVER_SPEC, show, withOperation, type DbxCase, type DbxContext } from '../_internal/case-kit.js';
import { sameDate, sameTimestamp, sessionTimeZone } from '../_internal/values.js';
import { within, type DbxOperation } from '../target.js';

interface Described {
  type: string;
  precision?: number;
  scale?: number;
}

/** Column name → TTypeId name (and DECIMAL precision/scale) from the operation's schema. */
async function describe(ctx: DbxContext, op: DbxOperation): Promise<Record<string, Described>> {
  const schema = await within(op.getSchema(), ctx.remainingMs(), 'GetResultSetMetadata');
  const ids = ctx.target.driver.thrift.TCLIService_types.TTypeId as Record<number, string>;
  const out: Record<string, Described> = {};
  for (const c of schema?.columns ?? []) {
    const entry = c.typeDesc.types[0]?.primitiveEntry;
    const q = entry?.typeQualifiers?.qualifiers ?? {};
    out[c.columnName] = {
      type: entry ? (ids[entry.type] ?? String(entry.type)) : 'none',
      ...(q.precision?.i32Value != null ? { precision: q.precision.i32Value } : {}),
      ...(q.scale?.i32Value != null ? { scale: q.scale.i32Value } : {}),
    };
  }
  return out;
}

function expectTypes(ctx: DbxContext, got: Record<string, Described>, want: Record<string, Described>): void {
  const wrong = Object.entries(want).filter(([k, w]) => got[k]?.type !== w.type || (w.precision !== undefined && got[k]?.precision !== w.precision) || (w.scale !== undefined && got[k]?.scale !== w.scale));
  if (wrong.length) ctx.fail(`result metadata: ${wrong.map(([k, w]) => `${k} is ${show(got[k])}, expected ${show(w)}`).join('; ')}`);
}

/** Reads a result in chunks of `maxRows`, returning every row and the chunk sizes. */
async function readChunks(ctx: DbxContext, op: DbxOperation, maxRows: number): Promise<{ rows: Array<Record<string, unknown>>; sizes: number[] }> {
  const rows: Array<Record<string, unknown>> = [];
  const sizes: number[] = [];
  do {
    const chunk = await within(op.fetchChunk({ maxRows }), ctx.remainingMs(), 'fetchChunk');
    if (chunk.length === 0) break;
    sizes.push(chunk.length);
    rows.push(...chunk);
  } while (await within(op.hasMoreRows(), ctx.remainingMs(), 'hasMoreRows'));
  return { rows, sizes };
}

/** DB-007..009. */
export const resultCases: readonly DbxCase[] = [
  defineDbxCase({
    id: 'DB-007',
    title: 'Result types: DECIMAL precision/scale, BOOLEAN, DATE, TIMESTAMP, INT, BIGINT, DOUBLE, STRING and NULL, described and converted',
    priority: 'p1',
    area: 'types',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const sql =
        "SELECT CAST(12345.678 AS DECIMAL(10,3)) AS dec, true AS flag, DATE'2024-02-29' AS day, TIMESTAMP'2024-02-29 12:34:56.789' AS ts, " +
        "CAST(7 AS INT) AS i, CAST(1099511627777 AS BIGINT) AS big, CAST(2.5 AS DOUBLE) AS dbl, 'text' AS s, CAST(NULL AS INT) AS nothing";
      const zone = await sessionTimeZone(ctx);
      await withOperation(ctx, sql, {}, async (op) => {
        const rows = await within(op.fetchAll(), ctx.remainingMs(), 'fetchAll');
        const types = await describe(ctx, op);
        ctx.log(`types ${show(types)}; row ${show(rows[0])}`);
        expectTypes(ctx, types, {
          dec: { type: 'DECIMAL_TYPE', precision: 10, scale: 3 },
          flag: { type: 'BOOLEAN_TYPE' },
          day: { type: 'DATE_TYPE' },
          ts: { type: 'TIMESTAMP_TYPE' },
          i: { type: 'INT_TYPE' },
          big: { type: 'BIGINT_TYPE' },
          dbl: { type: 'DOUBLE_TYPE' },
          s: { type: 'STRING_TYPE' },
          nothing: { type: 'INT_TYPE' },
        });
        const r = rows[0] ?? {};
        const problems: string[] = [];
        if (r.dec !== 12345.678) problems.push(`dec is ${show(r.dec)}, expected 12345.678`);
        if (r.flag !== true) problems.push(`flag is ${show(r.flag)}, expected true`);
        if (!sameDate(r.day, '2024-02-29')) problems.push(`day is ${show(r.day)}, expected 2024-02-29`);
        // A TIMESTAMP literal is a wall-clock time in the session time zone.
        const ts = typeof r.ts === 'string' ? { same: r.ts.startsWith('2024-02-29 12:34:56.789'), why: 'expected 2024-02-29 12:34:56.789' } : sameTimestamp(r.ts, new Date(`2024-02-29T12:34:56.789${zone === 'UTC' || zone === 'Etc/UTC' ? 'Z' : ''}`), zone);
        if (!ts.same) problems.push(`ts is ${show(r.ts)} (${ts.why})`);
        if (r.i !== 7) problems.push(`i is ${show(r.i)}, expected 7`);
        if (r.big !== 1099511627777) problems.push(`big is ${show(r.big)}, expected 1099511627777`);
        if (r.dbl !== 2.5) problems.push(`dbl is ${show(r.dbl)}, expected 2.5`);
        if (r.s !== 'text') problems.push(`s is ${show(r.s)}, expected "text"`);
        if (r.nothing !== null) problems.push(`nothing is ${show(r.nothing)}, expected null`);
        if (problems.length) ctx.fail(problems.join('; '));
      });
    },
  }),
  defineDbxCase({
    id: 'DB-008',
    title: 'ARRAY, STRUCT and BINARY results: arrays and structs arrive as JSON the driver parses, binary as bytes',
    priority: 'p2',
    area: 'types',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const sql = "SELECT array(1, 2, 3) AS a, named_struct('x', 1, 'y', 'why') AS st, unhex('00ff10') AS bin";
      await withOperation(ctx, sql, {}, async (op) => {
        const rows = await within(op.fetchAll(), ctx.remainingMs(), 'fetchAll');
        const types = await describe(ctx, op);
        expectTypes(ctx, types, { a: { type: 'ARRAY_TYPE' }, st: { type: 'STRUCT_TYPE' }, bin: { type: 'BINARY_TYPE' } });
        const r = rows[0] ?? {};
        const arr = Array.isArray(r.a) ? r.a.map(Number) : r.a;
        if (show(arr) !== show([1, 2, 3])) ctx.fail(`a is ${show(r.a)}, expected [1, 2, 3]`);
        const st = r.st as Record<string, unknown> | null;
        if (!st || typeof st !== 'object' || Number(st.x) !== 1 || st.y !== 'why') ctx.fail(`st is ${show(r.st)}, expected { x: 1, y: "why" }`);
        const bin = r.bin instanceof Uint8Array ? Buffer.from(r.bin).toString('hex') : undefined;
        if (bin !== '00ff10') ctx.fail(`bin is ${show(r.bin)}, expected the bytes 00 ff 10`);
      });
    },
  }),
  defineDbxCase({
    id: 'DB-009',
    title: 'A 50,000-row result over several FetchResults pages: fetchAll and chunks of 7,000 return every row once, in order',
    priority: 'p1',
    area: 'results',
    spec: DRIVER_SPEC,
    timeoutMs: 60_000,
    async run(ctx) {
      const sql = 'SELECT id, id * 2 AS twice FROM range(50000) ORDER BY id';
      const check = (what: string, rows: Array<Record<string, unknown>>): void => {
        if (rows.length !== 50_000) ctx.fail(`${what}: ${rows.length} rows, expected 50000`);
        const bad = rows.findIndex((r, i) => Number(r.id) !== i || Number(r.twice) !== 2 * i);
        if (bad >= 0) ctx.fail(`${what}: row ${bad} is ${show(rows[bad])}, expected { id: ${bad}, twice: ${2 * bad} }`);
      };
      const all = await withOperation(ctx, sql, {}, (op) => within(op.fetchAll(), ctx.remainingMs(), 'fetchAll'));
      check('fetchAll', all);
      const { rows, sizes } = await withOperation(ctx, sql, {}, (op) => readChunks(ctx, op, 7_000));
      ctx.metric('chunkSizes', sizes);
      check(`fetchChunk({ maxRows: 7000 }) (chunks ${sizes.join(', ')})`, rows);
      if (sizes.slice(0, -1).some((s) => s !== 7_000)) ctx.fail(`chunk sizes ${sizes.join(', ')}: every chunk but the last must hold 7000 rows`);
    },
  }),
];
