import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, rejectionOf, rows } from '../../_internal/case-kit.js';
import { roundTrip, type Norm } from '../../_internal/round-trip.js';

const parse: Norm = (v) => (v === null ? null : typeof v === 'string' ? JSON.parse(v) : Buffer.isBuffer(v) ? JSON.parse(v.toString('utf8')) : v);

/** MY-035: JSON documents by meaning, not by spelling. */
export const jsonValues = defineMysqlCase({
  id: 'MY-035',
  title: 'JSON values round-trip semantically (nested objects, arrays, unicode, numbers) and invalid JSON is rejected',
  priority: 'p1',
  area: 'types',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/json.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const docs: unknown[] = [{ a: [1, 2.5, null, true], b: 'é😀', c: { d: {} } }, [], 'just a string', 42];
    const samples = docs.map((d) => ({ lit: `'${JSON.stringify(d).replaceAll("'", "''")}'`, param: JSON.stringify(d), expect: d }));
    await roundTrip(ctx, 'my035', 'JSON', samples, parse, { extra: { jsonStrings: true } });

    const conn = await connect(ctx, { jsonStrings: true });
    const [r] = await rows<{ x: unknown }>(conn, `SELECT JSON_EXTRACT(v, '$.b') AS x FROM my035 WHERE id = 0`);
    assert.equal(parse(r?.x), 'é😀', "JSON_EXTRACT(v, '$.b')");
    // MariaDB refuses it with 4025 (its CHECK constraint), MySQL with 3140: any refusal will do.
    const err = await rejectionOf(conn.query("INSERT INTO my035 VALUES (100, '{not json')"));
    assert.ok(err !== null, 'invalid JSON was accepted into a JSON column');
    ctx.log(`invalid JSON rejected with errno ${err.errno}`);
  },
});

/** MY-036: the column type a client sees for JSON. */
export const jsonColumnType = defineMysqlCase({
  id: 'MY-036',
  title: 'A JSON column is described as MYSQL_TYPE_JSON (245) in the result set metadata',
  priority: 'p2',
  area: 'types',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/field__types_8h.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    await createTable(conn, 'my036', 'v JSON');
    const [, fields] = await conn.query('SELECT v FROM my036');
    const t = (fields?.[0] as { columnType?: number } | undefined)?.columnType;
    ctx.metric('columnType', t);
    assert.equal(t, 245, 'column type of a JSON column');
  },
});
