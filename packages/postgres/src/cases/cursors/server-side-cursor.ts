import assert from 'node:assert/strict';
import { definePgCase, openSession } from '../../_internal/case-kit.js';

const ROWS = 1000;
const BATCH = 100;

/** PG-004: a server-side cursor hands out a large result in ordered batches. */
export const serverSideCursor = definePgCase({
  id: 'PG-004',
  title: 'server-side cursor: 1000 rows fetched in batches of 100, in order',
  priority: 'p0',
  area: 'cursors',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-fetch.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-004');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg004_t')} (id bigint PRIMARY KEY, value bigint NOT NULL)`);
    // Inserted in a shuffled order, so only ORDER BY can put them in sequence.
    const ids = ctx.rng.shuffle(Array.from({ length: ROWS }, (_, i) => i));
    await client.query(`INSERT INTO ${ctx.target.qualify('pg004_t')} (id, value) SELECT i, i * 2 FROM unnest($1::bigint[]) AS i`, [ids]);

    await client.query('BEGIN');
    await client.query(`DECLARE pg004_cur NO SCROLL CURSOR FOR SELECT id, value FROM ${ctx.target.qualify('pg004_t')} ORDER BY id`);
    let next = 0;
    let batches = 0;
    for (;;) {
      const r = await client.query<{ id: string; value: string }>(`FETCH ${BATCH} FROM pg004_cur`);
      if (r.rows.length === 0) break;
      batches++;
      if (batches <= ROWS / BATCH) assert.equal(r.rows.length, BATCH, `batch ${batches} must hold ${BATCH} rows`);
      for (const row of r.rows) {
        assert.equal(Number(row.id), next, `row ${next} must come in order (got id ${row.id})`);
        assert.equal(Number(row.value), next * 2, `row ${next} must carry its value`);
        next++;
      }
      if (batches > ROWS / BATCH + 1) ctx.fail(`the cursor returned more than ${ROWS} rows`);
    }
    assert.equal(next, ROWS, `the cursor must return all ${ROWS} rows, then none`);
    assert.equal(batches, ROWS / BATCH, `${ROWS} rows must come in ${ROWS / BATCH} batches of ${BATCH}`);
    await client.query('CLOSE pg004_cur');
    await client.query('COMMIT');
    ctx.metric('batches', batches);
  },
});
