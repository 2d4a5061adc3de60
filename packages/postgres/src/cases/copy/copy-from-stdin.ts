import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { definePgCase, openSession } from '../../_internal/case-kit.js';
import { loadCopyStreams } from '../../_internal/drivers.js';

const ROWS = 10_000;

/** PG-008: COPY … FROM STDIN (CopyIn sub-protocol) loads 10,000 rows. */
export const copyFromStdin = definePgCase({
  id: 'PG-008',
  title: 'COPY FROM STDIN of 10,000 rows, then count them',
  priority: 'p0',
  area: 'copy',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY',
  timeoutMs: 20_000,
  async run(ctx) {
    const { from: copyFrom } = await loadCopyStreams();
    const client = await openSession(ctx, 'hc-pg-008');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg008_t')} (id integer PRIMARY KEY, label text NOT NULL, score double precision)`);

    // Text format, with the escapes COPY defines: a tab and a backslash in the data, \N for NULL.
    function* lines(): Generator<string> {
      let chunk = '';
      for (let i = 0; i < ROWS; i++) {
        const label = i % 1000 === 7 ? `tab\\there back\\\\slash ${i}` : `row-${i}`;
        const score = i % 10 === 0 ? '\\N' : String(i / 4);
        chunk += `${i}\t${label}\t${score}\n`;
        if (chunk.length > 16_384) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    const t0 = performance.now();
    const stream = client.query(copyFrom(`COPY ${ctx.target.qualify('pg008_t')} (id, label, score) FROM STDIN`));
    await pipeline(Readable.from(lines()), stream, { signal: ctx.signal });
    ctx.metric('copyMs', Math.round(performance.now() - t0));
    assert.equal(stream.rowCount, ROWS, `CommandComplete must report COPY ${ROWS}`);

    const r = await client.query<{ n: number; sum: string; nulls: number; tabbed: string }>(
      `SELECT count(*)::int AS n, sum(id)::text AS sum, count(*) FILTER (WHERE score IS NULL)::int AS nulls, max(label) FILTER (WHERE id = 7) AS tabbed FROM ${ctx.target.qualify('pg008_t')}`,
    );
    const row = r.rows[0];
    assert.equal(row?.n, ROWS, `the table must hold ${ROWS} rows after COPY`);
    assert.equal(row?.sum, String((ROWS * (ROWS - 1)) / 2), 'every id must have arrived exactly once');
    assert.equal(row?.nulls, ROWS / 10, '\\N must load as NULL');
    assert.equal(row?.tabbed, 'tab\there back\\slash 7', 'COPY text escapes (\\t, \\\\) must be decoded');
  },
});
