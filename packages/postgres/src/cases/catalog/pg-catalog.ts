import assert from 'node:assert/strict';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

/** Built-in type OIDs fixed by PostgreSQL (src/include/catalog/pg_type.dat); drivers hard-code them. */
const TYPE_OIDS: Record<string, number> = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float8: 701,
  varchar: 1043,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
  _int4: 1007,
  _text: 1009,
};

/** PG-095: pg_type lookups by name give the standard OIDs, the same the wire protocol uses. */
export const pgTypeOids = definePgCase({
  id: 'PG-095',
  title: 'pg_catalog.pg_type lookups by typname return the standard OIDs (int4 23, text 25, uuid 2950, jsonb 3802, …), the same as RowDescription',
  priority: 'p1',
  area: 'catalog',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/catalog-pg-type.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-095');
    const r = await c.query<{ typname: string; oid: number; typarray: number; typelem: number }>(
      "SELECT t.typname::text, t.oid::int AS oid, t.typarray::int AS typarray, t.typelem::int AS typelem FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'pg_catalog' AND t.typname = ANY($1::text[])",
      [Object.keys(TYPE_OIDS)],
    );
    const got = Object.fromEntries(r.rows.map((row) => [row.typname, row.oid]));
    for (const [name, oid] of Object.entries(TYPE_OIDS)) {
      assert.equal(got[name], oid, `pg_type.oid of ${name} must be ${oid}, got ${got[name] ?? 'no row'}`);
    }
    const int4 = r.rows.find((row) => row.typname === 'int4');
    assert.equal(int4?.typarray, 1007, `pg_type.typarray of int4 must be 1007 (_int4), got ${int4?.typarray}`);
    const arr = r.rows.find((row) => row.typname === '_text');
    assert.equal(arr?.typelem, 25, `pg_type.typelem of _text must be 25 (text), got ${arr?.typelem}`);

    const reg = await c.query<{ a: number; b: number }>("SELECT 'uuid'::regtype::oid::int AS a, to_regtype('jsonb')::oid::int AS b");
    assert.deepEqual(reg.rows[0], { a: 2950, b: 3802 }, `'uuid'::regtype and to_regtype('jsonb') must give 2950 and 3802, got ${JSON.stringify(reg.rows[0])}`);

    // The wire protocol must describe columns with the same OIDs.
    const wire = await c.query(
      "SELECT 1::int4 AS i, 'a'::text AS t, '00000000-0000-0000-0000-000000000001'::uuid AS u, '{}'::jsonb AS j, true AS b, 2::int8 AS l, ARRAY[1]::int4[] AS ai",
    );
    const desc = Object.fromEntries(wire.fields.map((f) => [f.name, f.dataTypeID]));
    assert.deepEqual(desc, { i: 23, t: 25, u: 2950, j: 3802, b: 16, l: 20, ai: 1007 }, `RowDescription type OIDs must match pg_type: got ${JSON.stringify(desc)}`);
  },
});

/** PG-096: the primary key's columns, in key order, from pg_index + pg_attribute (and pg_constraint). */
export const primaryKeyColumns = definePgCase({
  id: 'PG-096',
  title: "pg_index + pg_attribute (and pg_constraint) give a composite primary key's columns in key order, as ORMs query them",
  priority: 'p1',
  area: 'catalog',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/catalog-pg-index.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-096');
    // Key order (b, a) differs from column order (a, b): only a correct catalog gives b first.
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg096_t')} (a text, b int, c int UNIQUE, d text, PRIMARY KEY (b, a))`);
    const table = ctx.target.qualify('pg096_t');

    const any = await c.query<{ attname: string; type: string }>(
      `SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      [table],
    );
    assert.deepEqual(any.rows, [{ attname: 'b', type: 'integer' }, { attname: 'a', type: 'text' }], `primary key columns via pg_index/pg_attribute: expected b integer, a text; got ${JSON.stringify(any.rows)}`);

    const ord = await c.query<{ attname: string }>(
      `SELECT a.attname::text FROM pg_index i
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.n`,
      [table],
    );
    assert.deepEqual(ord.rows.map((r) => r.attname), ['b', 'a'], `primary key columns via unnest(indkey) WITH ORDINALITY: got ${JSON.stringify(ord.rows)}`);

    const idx = await c.query<{ unique: number; primary: number }>(
      'SELECT count(*) FILTER (WHERE indisunique)::int AS unique, count(*) FILTER (WHERE indisprimary)::int AS primary FROM pg_index WHERE indrelid = $1::regclass',
      [table],
    );
    assert.deepEqual(idx.rows[0], { unique: 2, primary: 1 }, `pg_index must hold 2 unique indexes (pkey and c) of which 1 primary, got ${JSON.stringify(idx.rows[0])}`);

    const con = await c.query<{ contype: string; cols: string[] }>(
      `SELECT con.contype::text, array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o) AS cols
         FROM pg_constraint con WHERE con.conrelid = $1::regclass AND con.contype IN ('p', 'u') ORDER BY con.contype`,
      [table],
    );
    assert.deepEqual(con.rows, [{ contype: 'p', cols: ['b', 'a'] }, { contype: 'u', cols: ['c'] }], `pg_constraint must list the primary key (b, a) and the unique (c): got ${JSON.stringify(con.rows)}`);
  },
});

/** PG-097: pg_class / pg_namespace list the run's relations with the right kinds. */
export const pgClassNamespace = definePgCase({
  id: 'PG-097',
  title: 'pg_class joined to pg_namespace lists the run schema\'s table, index, view, sequence and materialized view with their relkind; regclass resolves',
  priority: 'p1',
  area: 'catalog',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/catalog-pg-class.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-097');
    const ns = ctx.target.namespace;
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg097_t')} (id int PRIMARY KEY, v text)`);
    await c.query(`CREATE VIEW ${ctx.target.qualify('pg097_v')} AS SELECT id FROM ${ctx.target.qualify('pg097_t')}`);
    await c.query(`CREATE SEQUENCE ${ctx.target.qualify('pg097_seq')}`);
    await c.query(`CREATE MATERIALIZED VIEW ${ctx.target.qualify('pg097_mv')} AS SELECT count(*) AS n FROM ${ctx.target.qualify('pg097_t')}`);

    const r = await c.query<{ relname: string; relkind: string }>(
      `SELECT c.relname::text, c.relkind::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname LIKE 'pg097%' ORDER BY c.relname`,
      [ns],
    );
    assert.deepEqual(
      r.rows,
      [
        { relname: 'pg097_mv', relkind: 'm' },
        { relname: 'pg097_seq', relkind: 'S' },
        { relname: 'pg097_t', relkind: 'r' },
        { relname: 'pg097_t_pkey', relkind: 'i' },
        { relname: 'pg097_v', relkind: 'v' },
      ],
      `pg_class rows of schema ${ns}: got ${JSON.stringify(r.rows)}`,
    );

    const ids = await c.query<{ same: boolean; missing: string | null; nsp: string; cols: string[] }>(
      `SELECT '${ctx.target.qualify('pg097_t')}'::regclass::oid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'pg097_t') AS same,
              to_regclass('pg097_nope')::text AS missing,
              (SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = '${ctx.target.qualify('pg097_t')}'::regclass) AS nsp,
              array(SELECT attname::text FROM pg_attribute WHERE attrelid = '${ctx.target.qualify('pg097_t')}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum) AS cols`,
      [ns],
    );
    assert.deepEqual(ids.rows[0], { same: true, missing: null, nsp: ns, cols: ['id', 'v'] }, `regclass lookups for pg097_t: got ${JSON.stringify(ids.rows[0])}`);
  },
});
