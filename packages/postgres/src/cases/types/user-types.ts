import { definePgCase, openSession } from '../../_internal/case-kit.js';
import { expectSqlstate, rawRow, row, same, sameColumns, stillAlive } from '../../_internal/value-checks.js';

/** PG-065: enum types order by declaration and reject unknown labels. */
export const enums = definePgCase({
  id: 'PG-065',
  title: 'enums sort in declaration order (also after ADD VALUE BEFORE); unknown labels fail with 22P02',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/datatype-enum.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-065');
    await client.query(`CREATE TYPE ${ctx.target.qualify('pg065_mood')} AS ENUM ('sad', 'ok', 'happy')`);
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg065_t')} (k int PRIMARY KEY, m ${ctx.target.qualify('pg065_mood')})`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg065_t')} VALUES (1, $1), (2, $2), (3, $3), (4, NULL)`, ['happy', 'sad', 'ok']);
    const ord = await client.query<{ m: string | null }>(`SELECT m FROM ${ctx.target.qualify('pg065_t')} ORDER BY m NULLS LAST`);
    same(ord.rows.map((x) => x.m), ['sad', 'ok', 'happy', null], 'ORDER BY an enum column (declaration order, not alphabetical)');
    const cmp = await rawRow(client, `SELECT 'happy'::${ctx.target.qualify('pg065_mood')} > 'sad'::${ctx.target.qualify('pg065_mood')} AS gt, max(m) AS max_m, min(m) AS min_m, enum_range(NULL::${ctx.target.qualify('pg065_mood')}) AS labels FROM ${ctx.target.qualify('pg065_t')}`);
    sameColumns(cmp, { gt: 't', max_m: 'happy', min_m: 'sad', labels: '{sad,ok,happy}' }, 'enum comparisons');

    await client.query(`ALTER TYPE ${ctx.target.qualify('pg065_mood')} ADD VALUE 'meh' BEFORE 'ok'`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg065_t')} VALUES (5, 'meh')`);
    const ord2 = await client.query<{ label: string }>(`SELECT m::text AS label FROM ${ctx.target.qualify('pg065_t')} WHERE m IS NOT NULL ORDER BY m`);
    same(ord2.rows.map((x) => x.label), ['sad', 'meh', 'ok', 'happy'], "ORDER BY after ADD VALUE 'meh' BEFORE 'ok'");

    await expectSqlstate(client, `SELECT $1::${ctx.target.qualify('pg065_mood')}`, ['ecstatic'], '22P02', "enum input 'ecstatic' (no such label)");
    await expectSqlstate(client, `INSERT INTO ${ctx.target.qualify('pg065_t')} VALUES (6, $1)`, ['HAPPY'], '22P02', "enum input 'HAPPY' (labels are case-sensitive)");
    await stillAlive(client, 'invalid enum labels');
  },
});

/** PG-066: composite types: row text format, quoting, NULL fields, field access and update. */
export const composites = definePgCase({
  id: 'PG-066',
  title: 'composite values with quotes, commas and NULL fields round-trip as row literals; bad literals fail with 22P02',
  priority: 'p2',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/rowtypes.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-066');
    await client.query(`CREATE TYPE ${ctx.target.qualify('pg066_item')} AS (id int, label text, tags text[])`);
    const out = await rawRow(client, `SELECT ROW(1, 'a b', ARRAY['x','y'])::${ctx.target.qualify('pg066_item')} AS spaced, ROW(2, NULL, NULL)::${ctx.target.qualify('pg066_item')} AS nulls,
        ROW(3, '', '{}')::${ctx.target.qualify('pg066_item')} AS empty, ROW(4, 'say "hi" \\ bye', NULL)::${ctx.target.qualify('pg066_item')} AS quoted`);
    sameColumns(out, {
      spaced: '(1,"a b","{x,y}")',
      nulls: '(2,,)',
      empty: '(3,"",{})',
      quoted: '(4,"say ""hi"" \\\\ bye",)',
    }, 'composite text output');

    await client.query(`CREATE TABLE ${ctx.target.qualify('pg066_t')} (k int PRIMARY KEY, v ${ctx.target.qualify('pg066_item')})`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg066_t')} VALUES (1, $1), (2, $2)`, ['(5,"x,y","{p,q}")', '(6,hello,)']);
    const f = await client.query<{ id: number; label: string; tags: string[] | null }>(`SELECT (v).id, (v).label, (v).tags FROM ${ctx.target.qualify('pg066_t')} ORDER BY k`);
    same(f.rows, [
      { id: 5, label: 'x,y', tags: ['p', 'q'] },
      { id: 6, label: 'hello', tags: null },
    ], 'fields of composite values entered as text parameters');
    await client.query(`UPDATE ${ctx.target.qualify('pg066_t')} SET v.label = 'renamed' WHERE k = 2`);
    const u = await rawRow(client, `SELECT v FROM ${ctx.target.qualify('pg066_t')} WHERE k = 2`);
    same(u.v, '(6,renamed,)', 'the composite after UPDATE … SET v.label');
    const cmp = await row<{ eq: boolean }>(client, `SELECT ROW(1,'a',NULL)::${ctx.target.qualify('pg066_item')} IS NOT DISTINCT FROM '(1,a,)'::${ctx.target.qualify('pg066_item')} AS eq`);
    same(cmp.eq, true, "ROW(1,'a',NULL) IS NOT DISTINCT FROM '(1,a,)'");
    await expectSqlstate(client, `SELECT $1::${ctx.target.qualify('pg066_item')}`, ['(1,a,{},extra)'], '22P02', 'a composite literal with too many fields');
    await expectSqlstate(client, `SELECT $1::${ctx.target.qualify('pg066_item')}`, ['(x,a,)'], '22P02', 'a composite literal with a non-integer id');
    await stillAlive(client, 'malformed composite literals');
  },
});

/** PG-067: discrete ranges are canonicalized to [) form; continuous ones are not. */
export const ranges = definePgCase({
  id: 'PG-067',
  title: 'int4range/daterange canonicalize to [lower,upper), numrange keeps its bounds; lower > upper fails with 22000',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/rangetypes.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-067');
    await client.query("SET DateStyle = 'ISO, MDY'");
    const c = await rawRow(client, `SELECT '[1,5]'::int4range AS closed, '(1,5)'::int4range AS open, '(1,5]'::int4range AS open_closed,
        '[5,5)'::int4range AS empty, '[1,)'::int4range AS unbounded_up, '(,5]'::int4range AS unbounded_low, int4range(1, 5, '[]') AS ctor,
        '[1.0,5.0]'::numrange AS num, '[2024-01-01,2024-01-31]'::daterange AS dates, $1::int4range AS param`, ['( 0 , 10 ]']);
    sameColumns(c, {
      closed: '[1,6)',
      open: '[2,5)',
      open_closed: '[2,6)',
      empty: 'empty',
      unbounded_up: '[1,)',
      unbounded_low: '(,6)',
      ctor: '[1,6)',
      num: '[1.0,5.0]',
      dates: '[2024-01-01,2024-02-01)',
      param: '[1,11)',
    }, 'range text output');
    const ops = await rawRow(client, `SELECT '[1,5]'::int4range = '[1,6)'::int4range AS eq, '[1,5)'::int4range @> 4 AS has4, '[1,5)'::int4range @> 5 AS has5,
        '[1,5)'::int4range && '[5,7)'::int4range AS touch, '[1,5)'::int4range && '[4,7)'::int4range AS overlap, lower('(1,5]'::int4range) AS lo,
        upper('(1,5]'::int4range) AS hi, upper_inc('[1,5]'::int4range) AS hi_inc, isempty('(1,2)'::int4range) AS empty12,
        '[1,5)'::int4range * '[3,9)'::int4range AS inter, '[1,3)'::int4range + '[3,9)'::int4range AS uni`);
    sameColumns(ops, { eq: 't', has4: 't', has5: 'f', touch: 'f', overlap: 't', lo: '2', hi: '6', hi_inc: 'f', empty12: 't', inter: '[3,5)', uni: '[1,9)' }, 'range operators and functions');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg067_t')} (r int4range)`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg067_t')} VALUES ('[1,5]'), ('empty'), (NULL)`);
    const stored = await client.query<{ r: string | null }>(`SELECT r FROM ${ctx.target.qualify('pg067_t')} ORDER BY r NULLS LAST`);
    same(stored.rows.map((x) => x.r), ['empty', '[1,6)', null], 'stored ranges read back (ordered: empty first)');
    await expectSqlstate(client, 'SELECT $1::int4range', ['[5,1]'], '22000', 'int4range input [5,1] (lower above upper)');
    await expectSqlstate(client, 'SELECT $1::int4range', ['[1,5'], '22P02', 'int4range input missing its closing bracket');
    await stillAlive(client, 'invalid ranges');
  },
});

/** PG-068: domains enforce their CHECK and NOT NULL constraints everywhere a value is made. */
export const domains = definePgCase({
  id: 'PG-068',
  title: 'domain CHECK violations fail with 23514 (insert, update, cast, parameter), NOT NULL domains with 23502',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/domains.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-068');
    await client.query(`CREATE DOMAIN ${ctx.target.qualify('pg068_pos')} AS int CONSTRAINT pg068_pos_positive CHECK (VALUE > 0)`);
    await client.query(`CREATE DOMAIN ${ctx.target.qualify('pg068_email')} AS text NOT NULL CHECK (VALUE ~ '^[^@ ]+@[^@ ]+$')`);
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg068_t')} (k int PRIMARY KEY, p ${ctx.target.qualify('pg068_pos')}, e ${ctx.target.qualify('pg068_email')})`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg068_t')} VALUES (1, $1, $2)`, [7, 'a@b.example']);

    let constraint: string | undefined;
    try {
      await client.query(`INSERT INTO ${ctx.target.qualify('pg068_t')} VALUES (2, $1, $2)`, [0, 'a@b.example']);
    } catch (e) {
      const err = e as { code?: string; constraint?: string; message?: string };
      if (err.code === undefined) throw e;
      if (err.code !== '23514') ctx.fail(`inserting 0 into a domain CHECK (VALUE > 0): expected SQLSTATE 23514, got ${err.code} (${err.message})`);
      constraint = err.constraint;
    }
    if (constraint === undefined) ctx.fail('inserting 0 into a domain CHECK (VALUE > 0): expected SQLSTATE 23514 naming the constraint, but it succeeded or named none');
    same(constraint, 'pg068_pos_positive', 'the constraint named in the 23514 error');

    await expectSqlstate(client, `INSERT INTO ${ctx.target.qualify('pg068_t')} VALUES (3, 1, $1)`, ['not-an-email'], '23514', 'a text domain CHECK (regex) on insert');
    await expectSqlstate(client, `INSERT INTO ${ctx.target.qualify('pg068_t')} VALUES (4, 1, $1)`, [null], '23502', 'NULL into a NOT NULL domain');
    await expectSqlstate(client, `UPDATE ${ctx.target.qualify('pg068_t')} SET p = p - 7 WHERE k = 1`, [], '23514', 'an UPDATE making a domain value 0');
    await expectSqlstate(client, `SELECT $1::${ctx.target.qualify('pg068_pos')}`, ['-5'], '23514', 'casting the parameter -5 to the domain');
    await expectSqlstate(client, `SELECT (-1)::${ctx.target.qualify('pg068_pos')}`, [], '23514', 'casting the literal -1 to the domain');
    await stillAlive(client, 'domain violations');

    // The domain reads as its base type: RowDescription carries int4/text, so the driver parses a number.
    const r = await client.query<{ p: number; e: string }>(`SELECT p, e FROM ${ctx.target.qualify('pg068_t')}`);
    same(r.rows, [{ p: 7, e: 'a@b.example' }], 'the one valid row');
    same(r.fields.map((f) => f.dataTypeID), [23, 25], 'RowDescription type OIDs of domain columns (their base types)');
  },
});
