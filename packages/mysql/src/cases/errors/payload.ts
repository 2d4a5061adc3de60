import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeConnection } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, rejectionOf, rows } from '../../_internal/case-kit.js';

/** MY-071: a payload split over several packets. */
export const largePayload = defineMysqlCase({
  id: 'MY-071',
  title: 'A payload just under max_allowed_packet (up to 32 MiB, split over several packets) is stored and read back intact',
  priority: 'p1',
  area: 'payload',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html',
  timeoutMs: 60_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const max = ctx.target.settings.maxAllowedPacket;
    assert.ok(max > 0, 'max_allowed_packet was not observed');
    const size = Math.min(max, 32 * 1024 * 1024) - 64 * 1024;
    ctx.metric('bytes', size);
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) payload.writeUInt32LE((i * 2654435761) >>> 0, i);

    await createTable(conn, 'my071', 'id INT PRIMARY KEY, b LONGBLOB');
    await conn.execute('INSERT INTO my071 VALUES (?, ?)', [1, payload]);
    const [r] = await rows<{ n: number; h: string }>(conn, 'SELECT LENGTH(b) AS n, MD5(b) AS h FROM my071');
    assert.deepEqual([Number(r?.n), r?.h], [size, createHash('md5').update(payload).digest('hex')], '[LENGTH, MD5] of the stored payload');
    const [back] = await rows<{ b: Buffer }>(conn, 'SELECT b FROM my071');
    assert.ok(Buffer.isBuffer(back?.b) && back.b.equals(payload), 'the payload read back differs from what was sent');
  },
});

/** MY-072: a packet over max_allowed_packet. */
export const oversizedPacket = defineMysqlCase({
  id: 'MY-072',
  title: 'A packet over max_allowed_packet is refused (1153 or a closed connection) and the server keeps accepting sessions',
  priority: 'p2',
  area: 'payload',
  timeoutMs: 60_000,
  async run(ctx) {
    const max = ctx.target.settings.maxAllowedPacket;
    assert.ok(max > 0, 'max_allowed_packet was not observed');
    if (max > 64 * 1024 * 1024) ctx.notApplicable(`max_allowed_packet is ${max} bytes; the case only sends up to 64 MiB`);
    const conn = await ctx.target.connect({ signal: ctx.signal });
    ctx.defer(() => closeConnection(conn));

    const err = await rejectionOf(conn.execute('SELECT LENGTH(?) AS n', [Buffer.alloc(max + 1024, 0x61)]));
    assert.ok(err !== null, `a ${max + 1024}-byte parameter over max_allowed_packet (${max}) was accepted`);
    ctx.log(`refused with ${err.errno ?? err.code}: ${err.message}`);
    const refused = err.errno === 1153 || err.errno === 1105 || /ECONNRESET|EPIPE|PROTOCOL_CONNECTION_LOST|CLOSED/i.test(String(err.code ?? err.message));
    assert.ok(refused, `unexpected refusal ${err.errno ?? err.code}: ${err.message}`);

    const fresh = await connect(ctx);
    await fresh.ping();
  },
});

/** MY-073: a big result streamed row by row. */
export const streamedResult = defineMysqlCase({
  id: 'MY-073',
  title: 'A large result (300 000 rows, ~60 MB) streams row by row with bounded client memory',
  priority: 'p1',
  area: 'payload',
  timeoutMs: 90_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const total = 300_000;
    const sql = `WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 9),
      s(n) AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 10000 * f.n + 100000 * g.n FROM d a, d b, d c, d e, d f, d g)
      SELECT n, REPEAT('x', 200) AS pad FROM s WHERE n < ${total}`;
    // mysql2's streaming API lives on the callback connection under the promise wrapper.
    const raw = (conn as unknown as { connection: { query(sql: string): { stream(o: { highWaterMark: number }): NodeJS.ReadableStream } } }).connection;
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    let sum = 0;
    const stream = raw.query(sql).stream({ highWaterMark: 100 });
    const onAbort = (): void => (stream as unknown as { destroy(e?: unknown): void }).destroy(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    for await (const row of stream as AsyncIterable<{ n: number; pad: string }>) {
      count++;
      sum += Number(row.n);
      if (count % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    ctx.signal.removeEventListener('abort', onAbort);

    const growth = Math.round((peak - before) / 1024 / 1024);
    ctx.metric('rows', count);
    ctx.metric('heapGrowthMiB', growth);
    assert.equal(count, total, 'rows streamed');
    assert.equal(sum, (total * (total - 1)) / 2, 'sum of n over the streamed rows');
    assert.ok(growth < 48, `client heap grew by ${growth} MiB while streaming ~60 MB: the result was buffered, not streamed`);
  },
});
