import { definePgCase, openSession } from '../../_internal/case-kit.js';
import { expectSqlstate, rawRow, same, sameColumns, stillAlive } from '../../_internal/value-checks.js';

/** PG-063: json stores the input text; jsonb stores a normalized value. */
export const jsonVsJsonb = definePgCase({
  id: 'PG-063',
  title: 'json keeps the input text verbatim; jsonb normalizes key order and duplicates but keeps number digits',
  priority: 'p0',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/datatype-json.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-063');
    const input = '{"bb": 1,  "c": [1, 2.50, {"z": null, "a": true}], "bb": 2, "e": "\\u00e9", "n": 12345678901234567890.123456789012345678901234567890}';
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg063_t')} (j json, jb jsonb)`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg063_t')} VALUES ($1, $2)`, [input, input]);
    const t = await rawRow(client, `SELECT j, jb FROM ${ctx.target.qualify('pg063_t')}`);
    same(t.j, input, 'json text output (must be the input, byte for byte)');
    // jsonb: keys sorted by length then bytes, last duplicate wins, \u00e9 decoded, numbers keep their digits.
    same(t.jb, '{"c": [1, 2.50, {"a": true, "z": null}], "e": "é", "n": 12345678901234567890.123456789012345678901234567890, "bb": 2}', 'jsonb text output');

    const p = await client.query<{ j: unknown; jb: unknown }>(`SELECT j, jb FROM ${ctx.target.qualify('pg063_t')}`);
    same(p.fields.map((f) => f.dataTypeID), [114, 3802], 'RowDescription type OIDs of json, jsonb');
    const parsed = { bb: 2, c: [1, 2.5, { z: null, a: true }], e: 'é', n: Number('12345678901234567890.123456789012345678901234567890') };
    same(p.rows[0]?.j, parsed, 'json parsed by the driver');
    same(p.rows[0]?.jb, parsed, 'jsonb parsed by the driver');

    const ops = await rawRow(client, `SELECT $1::jsonb ->> 'x' AS x, $1::jsonb #>> '{y,1}' AS y1, '{"a":1,"b":2}'::jsonb = '{"b":2,"a":1}'::jsonb AS eq,
        '{"a":{"b":[1,2,3]}}'::jsonb @> '{"a":{"b":[3]}}'::jsonb AS contains, jsonb_typeof(jb -> 'n') AS n_type, (jb ->> 'n') AS n_text FROM ${ctx.target.qualify('pg063_t')}`,
    [{ x: 'quote " and \\ backslash', y: [10, 20] }]);
    sameColumns(ops, { x: 'quote " and \\ backslash', y1: '20', eq: 't', contains: 't', n_type: 'number', n_text: '12345678901234567890.123456789012345678901234567890' }, 'jsonb operators');

    for (const [bad, what] of [['{"a":}', 'a missing value'], ["{'a': 1}", 'single-quoted keys'], ['[1, 2', 'an unclosed array']]) {
      await expectSqlstate(client, 'SELECT $1::json', [bad], '22P02', `json input with ${what}`);
      await expectSqlstate(client, 'SELECT $1::jsonb', [bad], '22P02', `jsonb input with ${what}`);
    }
    await expectSqlstate(client, 'SELECT $1::jsonb', ['"\\u0000"'], '22P05', 'jsonb input "\\u0000" (untranslatable)');
    await stillAlive(client, 'invalid JSON');
  },
});

/** PG-064: arrays: NULL elements, quoting, multidimensional, empty, lower bounds. */
export const arrays = definePgCase({
  id: 'PG-064',
  title: 'arrays round-trip: NULL elements, quoting, multidimensional, empty, custom lower bound',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/arrays.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-064');
    const ints = [1, -2147483648, null, 2147483647];
    const texts = ['plain', '', 'with space', 'quote"d', 'back\\slash', 'com,ma', '{brace}', 'NULL', null, 'ünï 😀'];
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg064_t')} (k int PRIMARY KEY, i int[], t text[], m int[][], b bigint[])`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg064_t')} VALUES (1, $1, $2, $3, $4)`, [ints, texts, [[1, 2, 3], [4, 5, 6]], ['9223372036854775807', '-1']]);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg064_t')} VALUES (2, '{}', '{}', '{}', '{}')`);
    const r = await client.query<{ i: unknown; t: unknown; m: unknown; b: unknown }>(`SELECT i, t, m, b FROM ${ctx.target.qualify('pg064_t')} ORDER BY k`);
    same(r.fields.map((f) => f.dataTypeID), [1007, 1009, 1007, 1016], 'RowDescription type OIDs of int4[], text[], int4[], int8[]');
    same(r.rows[0], { i: ints, t: texts, m: [[1, 2, 3], [4, 5, 6]], b: ['9223372036854775807', '-1'] }, 'arrays read back');
    same(r.rows[1], { i: [], t: [], m: [], b: [] }, 'empty arrays read back');

    const raw = await rawRow(client, `SELECT t, m, array_dims(m) AS dims, cardinality(i) AS card, i[3] IS NULL AS third_null FROM ${ctx.target.qualify('pg064_t')} WHERE k = 1`);
    sameColumns(raw, {
      t: '{plain,"","with space","quote\\"d","back\\\\slash","com,ma","{brace}","NULL",NULL,"ünï 😀"}',
      m: '{{1,2,3},{4,5,6}}',
      dims: '[1:2][1:3]',
      card: '4',
      third_null: 't',
    }, 'array text output');
    const e = await rawRow(client, `SELECT i AS empty, array_length(i, 1) AS len, cardinality(i) AS card, array_dims(i) AS dims FROM ${ctx.target.qualify('pg064_t')} WHERE k = 2`);
    sameColumns(e, { empty: '{}', len: null, card: '0', dims: null }, 'the empty array');
    const lb = await rawRow(client, "SELECT '[0:2]={10,20,30}'::int[] AS v, ('[0:2]={10,20,30}'::int[])[0] AS first, array_lower('[0:2]={10,20,30}'::int[], 1) AS lower, 3 = ANY($1::int[]) AS any3", [[1, 2, 3]]);
    sameColumns(lb, { v: '[0:2]={10,20,30}', first: '10', lower: '0', any3: 't' }, 'array with lower bound 0');
    await expectSqlstate(client, "SELECT '{{1,2},{3}}'::int[]", [], '22P02', 'a ragged multidimensional array literal');
    await expectSqlstate(client, 'SELECT $1::int[]', ['{1,x}'], '22P02', "int[] input '{1,x}'");
    await stillAlive(client, 'malformed array literals');
  },
});
