import assert from 'node:assert/strict';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

interface ColumnRow {
  column_name: string;
  ordinal_position: number;
  data_type: string;
  udt_name: string;
  is_nullable: string;
  column_default: string | null;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
}

/** What information_schema.columns must report for pg094_t, in ordinal order. */
const EXPECTED: Array<Omit<ColumnRow, 'ordinal_position'>> = [
  { column_name: 'id', data_type: 'integer', udt_name: 'int4', is_nullable: 'NO', column_default: null, character_maximum_length: null, numeric_precision: 32, numeric_scale: 0 },
  { column_name: 'name', data_type: 'character varying', udt_name: 'varchar', is_nullable: 'NO', column_default: "'anon'::character varying", character_maximum_length: 40, numeric_precision: null, numeric_scale: null },
  { column_name: 'price', data_type: 'numeric', udt_name: 'numeric', is_nullable: 'YES', column_default: null, character_maximum_length: null, numeric_precision: 10, numeric_scale: 2 },
  { column_name: 'qty', data_type: 'bigint', udt_name: 'int8', is_nullable: 'YES', column_default: '42', character_maximum_length: null, numeric_precision: 64, numeric_scale: 0 },
  { column_name: 'active', data_type: 'boolean', udt_name: 'bool', is_nullable: 'NO', column_default: 'true', character_maximum_length: null, numeric_precision: null, numeric_scale: null },
  { column_name: 'created', data_type: 'timestamp with time zone', udt_name: 'timestamptz', is_nullable: 'YES', column_default: 'now()', character_maximum_length: null, numeric_precision: null, numeric_scale: null },
  { column_name: 'doc', data_type: 'jsonb', udt_name: 'jsonb', is_nullable: 'YES', column_default: null, character_maximum_length: null, numeric_precision: null, numeric_scale: null },
  { column_name: 'tags', data_type: 'ARRAY', udt_name: '_text', is_nullable: 'YES', column_default: null, character_maximum_length: null, numeric_precision: null, numeric_scale: null },
];

/** PG-094: information_schema.tables / columns / key_column_usage describe a table exactly. */
export const informationSchema = definePgCase({
  id: 'PG-094',
  title: 'information_schema.tables, .columns and .key_column_usage describe a created table exactly (data_type, is_nullable, column_default, lengths)',
  priority: 'p1',
  area: 'catalog',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/infoschema-columns.html',
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-094');
    const ns = ctx.target.namespace;
    await c.query(`CREATE TABLE ${ctx.target.qualify('pg094_t')} (
      id integer PRIMARY KEY,
      name varchar(40) NOT NULL DEFAULT 'anon',
      price numeric(10, 2),
      qty bigint DEFAULT 42,
      active boolean NOT NULL DEFAULT true,
      created timestamptz DEFAULT now(),
      doc jsonb,
      tags text[]
    )`);
    await c.query(`CREATE VIEW ${ctx.target.qualify('pg094_v')} AS SELECT id, name FROM ${ctx.target.qualify('pg094_t')}`);

    const tables = await c.query<{ table_name: string; table_type: string }>(
      "SELECT table_name::text, table_type::text FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'pg094%' ORDER BY table_name",
      [ns],
    );
    assert.deepEqual(
      tables.rows,
      [{ table_name: 'pg094_t', table_type: 'BASE TABLE' }, { table_name: 'pg094_v', table_type: 'VIEW' }],
      `information_schema.tables for schema ${ns}: got ${JSON.stringify(tables.rows)}`,
    );

    const cols = await c.query<ColumnRow>(
      `SELECT column_name::text, ordinal_position::int, data_type::text, udt_name::text, is_nullable::text, column_default::text,
              character_maximum_length::int, numeric_precision::int, numeric_scale::int
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'pg094_t' ORDER BY ordinal_position`,
      [ns],
    );
    assert.equal(cols.rows.length, EXPECTED.length, `information_schema.columns must list ${EXPECTED.length} columns of pg094_t, got ${cols.rows.length}`);
    for (const [i, want] of EXPECTED.entries()) {
      const got = cols.rows[i];
      assert.equal(got?.ordinal_position, i + 1, `column ${want.column_name}: ordinal_position must be ${i + 1}, got ${got?.ordinal_position}`);
      const { ordinal_position: _pos, ...rest } = got ?? ({} as ColumnRow);
      assert.deepEqual(rest, want, `information_schema.columns row for ${want.column_name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(rest)}`);
    }

    const pk = await c.query<{ column_name: string; constraint_type: string }>(
      `SELECT k.column_name::text, t.constraint_type::text
         FROM information_schema.table_constraints t
         JOIN information_schema.key_column_usage k ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name
        WHERE t.table_schema = $1 AND t.table_name = 'pg094_t' AND t.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position`,
      [ns],
    );
    assert.deepEqual(pk.rows, [{ column_name: 'id', constraint_type: 'PRIMARY KEY' }], `the primary key of pg094_t per information_schema: got ${JSON.stringify(pk.rows)}`);
  },
});
