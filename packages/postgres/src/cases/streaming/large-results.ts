import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadCopyStreams } from '../../_internal/drivers.js';
import { definePgCase, openSession, within } from '../../_internal/case-kit.js';

const ROWS = 200_000;
const BATCH = 5_000;
/** The client may hold at most this much more heap while streaming the whole result. */
const HEAP_BUDGET_MB = 64;
const SOURCE = `SELECT i, md5(i::text) AS h FROM generate_series(1, ${ROWS}) AS i ORDER BY i`;

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

/** Checks rows one by one as they arrive: ids in sequence, each hash the md5 of its id. */
class RowChecker {
  next = 1;
  sum = 0;
  check(id: number, h: string | undefined): void {
    if (id !== this.next) assert.fail(`row ${this.next} expected next, got id ${id}: rows lost, repeated or reordered`);
    if (h !== md5(String(id))) assert.fail(`row ${id}: expected md5 ${md5(String(id))}, got ${JSON.stringify(h)} (corrupted value)`);
    this.sum += id;
    this.next++;
  }
  finish(): void {
    assert.equal(this.next - 1, ROWS, `expected ${ROWS} rows, received ${this.next - 1}`);
    assert.equal(this.sum, (ROWS * (ROWS + 1)) / 2, `the checksum (sum of ids) must be ${(ROWS * (ROWS + 1)) / 2}, got ${this.sum}`);
  }
}

/** PG-092: a large result fetched through a cursor in batches, with bounded client memory. */
export const cursorStreaming = definePgCase({
  id: 'PG-092',
  title: `a ${ROWS.toLocaleString('en')}-row result streamed with DECLARE CURSOR + FETCH ${BATCH}: every row right, client heap growth < ${HEAP_BUDGET_MB} MB`,
  priority: 'p1',
  area: 'streaming',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-declare.html',
  timeoutMs: 60_000,
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-092');
    const checker = new RowChecker();
    const t0 = Date.now();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let batches = 0;
    await c.query('BEGIN');
    await c.query(`DECLARE pg092_cur NO SCROLL CURSOR FOR ${SOURCE}`);
    for (;;) {
      const r = await c.query<{ i: number; h: string }>(`FETCH ${BATCH} FROM pg092_cur`);
      if (r.rows.length > BATCH) return ctx.fail(`FETCH ${BATCH} returned ${r.rows.length} rows: the cursor ignored the batch size`);
      if (r.rows.length === 0) break;
      batches++;
      for (const row of r.rows) checker.check(row.i, row.h);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      if (batches > ROWS / BATCH + 1) return ctx.fail(`the cursor returned more than ${ROWS} rows`);
    }
    await c.query('CLOSE pg092_cur');
    await c.query('COMMIT');
    checker.finish();
    const ms = Date.now() - t0;
    const growth = mb(peak - base);
    ctx.metric('rows', ROWS);
    ctx.metric('batches', batches);
    ctx.metric('durationMs', ms);
    ctx.metric('rowsPerSecond', Math.round(ROWS / Math.max(ms / 1000, 0.001)));
    ctx.metric('heapGrowthMB', growth);
    assert.equal(batches, ROWS / BATCH, `${ROWS} rows must come in ${ROWS / BATCH} batches of ${BATCH}, got ${batches}`);
    assert.ok(growth < HEAP_BUDGET_MB, `client heap grew by ${growth} MB while streaming (budget ${HEAP_BUDGET_MB} MB): the result was not delivered in batches`);
  },
});

/** PG-093: COPY (query) TO STDOUT streamed as CopyData chunks. */
export const copyToStdoutStreaming = definePgCase({
  id: 'PG-093',
  title: `COPY (SELECT … ${ROWS.toLocaleString('en')} rows) TO STDOUT streams as CopyData: every row right, client heap growth < ${HEAP_BUDGET_MB} MB`,
  priority: 'p2',
  area: 'streaming',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY',
  timeoutMs: 60_000,
  async run(ctx) {
    const { to } = await loadCopyStreams();
    const c = await openSession(ctx, 'hc-pg-093');
    const checker = new RowChecker();
    const t0 = Date.now();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let chunks = 0;
    let bytes = 0;
    const stream = c.query(to(`COPY (${SOURCE}) TO STDOUT`));
    const consume = async (): Promise<void> => {
      let rest = '';
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        chunks++;
        bytes += chunk.length;
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const tab = line.indexOf('\t');
          checker.check(Number(line.slice(0, tab)), line.slice(tab + 1));
        }
        if (chunks % 64 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
      assert.equal(rest, '', `the COPY stream must end with a complete line, left over: ${JSON.stringify(rest.slice(0, 80))}`);
    };
    const r = await within(consume(), Math.max(1_000, ctx.remainingMs() - 2_000));
    if (r.timedOut) return ctx.fail(`the COPY TO STDOUT stream did not finish before the deadline (${checker.next - 1} rows received)`);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    checker.finish();
    const ms = Date.now() - t0;
    const growth = mb(peak - base);
    ctx.metric('rows', ROWS);
    ctx.metric('chunks', chunks);
    ctx.metric('bytes', bytes);
    ctx.metric('durationMs', ms);
    ctx.metric('heapGrowthMB', growth);
    assert.ok(growth < HEAP_BUDGET_MB, `client heap grew by ${growth} MB while streaming COPY (budget ${HEAP_BUDGET_MB} MB)`);
    const alive = await c.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(alive.rows[0]?.one, 1, 'the session must answer a query after the COPY');
  },
});
