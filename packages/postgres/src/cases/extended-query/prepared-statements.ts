import assert from 'node:assert/strict';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

/** PG-002: parameters travel through Parse/Bind/Execute, also through a named prepared statement reused. */
export const preparedStatements = definePgCase({
  id: 'PG-002',
  title: 'prepared statements with parameters (extended query protocol)',
  priority: 'p0',
  area: 'extended-query',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-002');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg002_items')} (id bigint PRIMARY KEY, name varchar(255), value integer, created_at timestamp)`);
    // Named statement, executed several times with different parameters.
    const insertName = `hc_pg002_ins_${ctx.target.runId}`;
    const rows: Array<[number, string, number]> = [
      [1, 'Alice', 100],
      [2, "O'Brien; DROP TABLE x --", -7],
      [3, 'Zoë ✓', 2147483647],
    ];
    for (const [id, name, value] of rows) {
      const r = await client.query({ name: insertName, text: `INSERT INTO ${ctx.target.qualify('pg002_items')} (id, name, value) VALUES ($1, $2, $3)`, values: [id, name, value] });
      assert.equal(r.rowCount, 1, `INSERT of id ${id} must report 1 row`);
    }
    const sel = await client.query<{ name: string; value: number }>(`SELECT name, value FROM ${ctx.target.qualify('pg002_items')} WHERE id = $1`, [1]);
    assert.deepEqual(sel.rows, [{ name: 'Alice', value: 100 }], 'the row inserted with parameters must come back as inserted');
    // Parameters are values, never SQL: the quote-laden text is stored verbatim.
    const tricky = await client.query<{ id: string; value: number }>(`SELECT id, value FROM ${ctx.target.qualify('pg002_items')} WHERE name = $1`, [rows[1]?.[1]]);
    assert.deepEqual(tricky.rows, [{ id: '2', value: -7 }], 'a parameter containing quotes must match verbatim');
    const uni = await client.query<{ name: string }>(`SELECT name FROM ${ctx.target.qualify('pg002_items')} WHERE value = $1::int`, [2147483647]);
    assert.deepEqual(uni.rows, [{ name: 'Zoë ✓' }], 'UTF-8 text must round-trip through a parameter');
    const nul = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg002_items')} WHERE $1::text IS NULL`, [null]);
    assert.equal(nul.rows[0]?.n, 3, 'a NULL parameter must arrive as NULL');
    const total = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg002_items')}`);
    assert.equal(total.rows[0]?.n, 3, 'three executions of the named statement must insert three rows');
  },
});
