import assert from 'node:assert/strict';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

/** PG-001: a new session logs in and answers a simple query. */
export const simpleQuery = definePgCase({
  id: 'PG-001',
  title: 'connect with pg and run a simple query (SELECT 1)',
  priority: 'p0',
  area: 'connection',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY',
  async run(ctx) {
    const t0 = performance.now();
    const client = await openSession(ctx, 'hc-pg-001');
    ctx.metric('connectMs', Math.round(performance.now() - t0));
    const res = await client.query('SELECT 1 AS value');
    assert.equal(res.rows.length, 1, 'SELECT 1 must return exactly one row');
    assert.deepEqual(res.fields.map((f) => f.name), ['value'], 'the column must be named by its alias');
    assert.equal(res.rows[0]?.value, 1, 'SELECT 1 must return the integer 1');
    // int4 (OID 23): pg turns it into a JS number only when the server says it is an integer.
    assert.equal(res.fields[0]?.dataTypeID, 23, 'SELECT 1 must be typed int4 (OID 23) in RowDescription');
    const ns = await client.query<{ s: string }>('SELECT current_schema() AS s');
    assert.equal(ns.rows[0]?.s, ctx.target.namespace, 'the session must be in the run namespace after SET search_path');
  },
});
