import { Readable } from 'node:stream';
import { closeConnection } from '../adapter.js';
import { check, connect, createTable, eq, exec, expectError, myCase, rows, xexec, type MyCase, type ServerError } from '../_internal/case-kit.js';

const ERRS = 'https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html';

/** Error numbers / SQLSTATEs, warnings and strict mode, LOAD DATA LOCAL INFILE, large payloads. */
export const errorCases: MyCase[] = [
  myCase({
    id: 'MY-061',
    title: 'A missing table is 1146 (SQLSTATE 42S02), a missing column 1054 (42S22)',
    priority: 'p0',
    area: 'errors',
    spec: ERRS,
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await expectError(ctx, exec(conn, 'SELECT * FROM my061_missing'), 1146, '42S02', 'SELECT from a missing table');
      await expectError(ctx, conn.execute('SELECT * FROM my061_missing WHERE id = ?', [1]), 1146, '42S02', 'preparing a SELECT from a missing table');
      await createTable(conn, 'my061', 'id INT');
      await expectError(ctx, exec(conn, 'SELECT nope FROM my061'), 1054, '42S22', 'SELECT of a missing column');
    },
  }),
  myCase({
    id: 'MY-062',
    title: 'NULL into a NOT NULL column is 1048 (SQLSTATE 23000)',
    priority: 'p0',
    area: 'errors',
    spec: ERRS,
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my062', 'id INT PRIMARY KEY, v VARCHAR(5) NOT NULL');
      await expectError(ctx, exec(conn, 'INSERT INTO my062 VALUES (1, NULL)'), 1048, '23000', 'NULL literal into NOT NULL');
      await expectError(ctx, xexec(conn, 'INSERT INTO my062 VALUES (?, ?)', [2, null]), 1048, '23000', 'NULL parameter into NOT NULL');
    },
  }),
  myCase({
    id: 'MY-063',
    title: 'Foreign keys: a missing parent is 1452, deleting a referenced parent is 1451 (SQLSTATE 23000)',
    priority: 'p1',
    area: 'errors',
    spec: ERRS,
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await exec(conn, 'DROP TABLE IF EXISTS my063_child');
      await createTable(conn, 'my063_parent', 'id INT PRIMARY KEY');
      await createTable(conn, 'my063_child', 'id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES my063_parent(id)');
      await expectError(ctx, exec(conn, 'INSERT INTO my063_child VALUES (1, 99)'), 1452, '23000', 'child row without a parent');
      await exec(conn, 'INSERT INTO my063_parent VALUES (1)');
      await exec(conn, 'INSERT INTO my063_child VALUES (1, 1)');
      await expectError(ctx, exec(conn, 'DELETE FROM my063_parent WHERE id = 1'), 1451, '23000', 'deleting a referenced parent');
    },
  }),
  myCase({
    id: 'MY-064',
    title: 'DDL errors: creating an existing table is 1050 (42S01), dropping a missing one 1051 (42S02)',
    priority: 'p2',
    area: 'errors',
    spec: ERRS,
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my064', 'id INT');
      await expectError(ctx, exec(conn, 'CREATE TABLE my064 (id INT)'), 1050, '42S01', 'CREATE TABLE of an existing table');
      await expectError(ctx, exec(conn, 'DROP TABLE my064_missing'), 1051, '42S02', 'DROP TABLE of a missing table');
    },
  }),
  myCase({
    id: 'MY-065',
    title: 'Errors do not break the session: twenty failing statements in a row, then a query succeeds',
    priority: 'p0',
    area: 'errors',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      for (let i = 0; i < 10; i++) {
        await expectError(ctx, exec(conn, 'SELECT * FROM my065_missing'), 1146, '42S02', `failure ${i * 2 + 1}`);
        await expectError(ctx, conn.execute('SELEC ?', [i]), 1064, '42000', `failure ${i * 2 + 2}`);
      }
      const [r] = await rows<{ v: number }>(conn, 'SELECT 42 AS v');
      eq(ctx, Number(r?.v), 42, 'a query after twenty errors');
    },
  }),
  myCase({
    id: 'MY-066',
    title: 'Strict sql_mode: an out-of-range value is 1264 (22003) and a too-long string 1406 (22001)',
    priority: 'p1',
    area: 'warnings',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sql-mode-strict',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await exec(conn, "SET SESSION sql_mode = 'STRICT_ALL_TABLES'");
      await createTable(conn, 'my066', 't TINYINT, s VARCHAR(3)');
      await expectError(ctx, exec(conn, 'INSERT INTO my066 (t) VALUES (300)'), 1264, '22003', 'TINYINT 300 in strict mode');
      await expectError(ctx, exec(conn, "INSERT INTO my066 (s) VALUES ('abcdef')"), 1406, '22001', 'VARCHAR(3) abcdef in strict mode');
      const [r] = await rows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM my066');
      eq(ctx, Number(r?.n), 0, 'rows after rejected inserts');
    },
  }),
  myCase({
    id: 'MY-067',
    title: 'Non-strict sql_mode: truncation is a warning; the OK packet counts it and SHOW WARNINGS lists 1265',
    priority: 'p1',
    area: 'warnings',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/show-warnings.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await exec(conn, "SET SESSION sql_mode = ''");
      await createTable(conn, 'my067', 's VARCHAR(3)');
      const ok = await exec(conn, "INSERT INTO my067 VALUES ('abcdef')");
      eq(ctx, ok.warningStatus, 1, 'warning count in the OK packet');
      const w = await rows<{ Level: string; Code: number }>(conn, 'SHOW WARNINGS');
      eq(ctx, w.map((x) => [x.Level, Number(x.Code)]), [['Warning', 1265]], 'SHOW WARNINGS');
      const [c1] = await rows<{ n: number }>(conn, 'SELECT @@warning_count AS n');
      eq(ctx, Number(c1?.n), 1, '@@warning_count after the truncating INSERT (SHOW WARNINGS does not reset it)');
      const clean = await exec(conn, "INSERT INTO my067 VALUES ('ok')");
      eq(ctx, clean.warningStatus, 0, 'warning count in the OK packet of an INSERT without warnings');
      const [v] = await rows<{ s: string }>(conn, 'SELECT s FROM my067');
      eq(ctx, v?.s, 'abc', 'the truncated value');
    },
  }),
  myCase({
    id: 'MY-068',
    title: 'Division by zero: an error 1365 on INSERT under strict ERROR_FOR_DIVISION_BY_ZERO, a NULL with a warning in SELECT',
    priority: 'p1',
    area: 'warnings',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sqlmode_error_for_division_by_zero',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await exec(conn, "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO'");
      await createTable(conn, 'my068', 'v INT');
      await expectError(ctx, exec(conn, 'INSERT INTO my068 VALUES (1 / 0)'), 1365, '22012', 'INSERT of 1/0 in strict mode');
      const [r] = await rows<{ v: unknown }>(conn, 'SELECT 1 / 0 AS v');
      eq(ctx, r?.v, null, 'SELECT 1/0');
      const w = await rows<{ Code: number }>(conn, 'SHOW WARNINGS');
      eq(ctx, w.map((x) => Number(x.Code)), [1365], 'warnings after SELECT 1/0');
    },
  }),
  myCase({
    id: 'MY-069',
    title: 'LOAD DATA LOCAL INFILE: rows streamed by the client are loaded and counted in the OK packet',
    priority: 'p1',
    area: 'load-data',
    requires: ['local-infile'],
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_local_infile_request.html',
    timeoutMs: 20_000,
    async run(ctx) {
      const lines = Array.from({ length: 5000 }, (_, i) => `${i}\tname-${i}\t${i % 7 === 0 ? '\\N' : 'é😀'}\n`).join('');
      let asked = '';
      const conn = await connect(ctx, {
        infileStreamFactory: (path: string) => {
          asked = path;
          return Readable.from([Buffer.from(lines)]);
        },
      });
      await createTable(conn, 'my069', 'id INT PRIMARY KEY, name VARCHAR(20), note VARCHAR(10) NULL');
      const ok = await exec(conn, "LOAD DATA LOCAL INFILE 'hc-my069.tsv' INTO TABLE my069 CHARACTER SET utf8mb4");
      eq(ctx, asked, 'hc-my069.tsv', 'file name the server asked for');
      eq(ctx, ok.affectedRows, 5000, 'affectedRows of LOAD DATA');
      const [r] = await rows<{ n: number; nulls: number; e: string }>(conn, "SELECT COUNT(*) AS n, SUM(note IS NULL) AS nulls, MAX(note) AS e FROM my069");
      eq(ctx, [Number(r?.n), Number(r?.nulls), r?.e], [5000, 715, 'é😀'], '[rows, NULLs, text] loaded');
    },
  }),
  myCase({
    id: 'MY-070',
    title: 'LOAD DATA LOCAL INFILE is refused with an error when the client does not allow local files, and nothing is loaded',
    priority: 'p1',
    area: 'load-data',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx, { flags: ['-LOCAL_FILES'] });
      await createTable(conn, 'my070', 'id INT');
      const err = await conn.query("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE my070").then(
        () => null,
        (e: ServerError) => e,
      );
      check(ctx, err !== null, 'LOAD DATA LOCAL succeeded although the client did not announce CLIENT_LOCAL_FILES');
      check(ctx, typeof err.errno === 'number' && err.errno >= 1000, `expected a server error, got ${err.code ?? ''} ${err.message}`);
      ctx.metric('errno', err.errno);
      ctx.log(`refused with ${err.errno} ${err.sqlState ?? ''}: ${err.message}`);
      const [r] = await rows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM my070');
      eq(ctx, Number(r?.n), 0, 'rows after the refused LOAD DATA');
    },
  }),
  myCase({
    id: 'MY-071',
    title: 'A payload just under max_allowed_packet (up to 32 MiB, split over several packets) is stored and read back intact',
    priority: 'p1',
    area: 'payload',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html',
    timeoutMs: 60_000,
    async run(ctx) {
      const conn = await connect(ctx);
      const max = ctx.target.settings.maxAllowedPacket;
      check(ctx, max > 0, 'max_allowed_packet was not observed');
      const size = Math.min(max, 32 * 1024 * 1024) - 64 * 1024;
      ctx.metric('bytes', size);
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
      await createTable(conn, 'my071', 'id INT PRIMARY KEY, b LONGBLOB');
      await conn.execute('INSERT INTO my071 VALUES (?, ?)', [1, payload]);
      const [r] = await rows<{ n: number; h: string }>(conn, 'SELECT LENGTH(b) AS n, MD5(b) AS h FROM my071');
      const { createHash } = await import('node:crypto');
      eq(ctx, [Number(r?.n), r?.h], [size, createHash('md5').update(payload).digest('hex')], '[LENGTH, MD5] of the stored payload');
      const [back] = await rows<{ b: Buffer }>(conn, 'SELECT b FROM my071');
      check(ctx, Buffer.isBuffer(back?.b) && back.b.equals(payload), 'the payload read back differs from what was sent');
    },
  }),
  myCase({
    id: 'MY-072',
    title: 'A packet over max_allowed_packet is refused (1153 or a closed connection) and the server keeps accepting sessions',
    priority: 'p2',
    area: 'payload',
    timeoutMs: 60_000,
    async run(ctx) {
      const max = ctx.target.settings.maxAllowedPacket;
      check(ctx, max > 0, 'max_allowed_packet was not observed');
      if (max > 64 * 1024 * 1024) ctx.notApplicable(`max_allowed_packet is ${max} bytes; the case only sends up to 64 MiB`);
      const conn = await ctx.target.connect({ signal: ctx.signal });
      ctx.defer(() => closeConnection(conn));
      const err = await conn.execute('SELECT LENGTH(?) AS n', [Buffer.alloc(max + 1024, 0x61)]).then(
        () => null,
        (e: ServerError) => e,
      );
      check(ctx, err !== null, `a ${max + 1024}-byte parameter over max_allowed_packet (${max}) was accepted`);
      ctx.log(`refused with ${err.errno ?? err.code}: ${err.message}`);
      check(ctx, err.errno === 1153 || err.errno === 1105 || /ECONNRESET|EPIPE|PROTOCOL_CONNECTION_LOST|CLOSED/i.test(String(err.code ?? err.message)), `unexpected refusal ${err.errno ?? err.code}: ${err.message}`);
      const fresh = await connect(ctx);
      await fresh.ping();
    },
  }),
  myCase({
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
      eq(ctx, count, total, 'rows streamed');
      eq(ctx, sum, (total * (total - 1)) / 2, 'sum of n over the streamed rows');
      check(ctx, growth < 48, `client heap grew by ${growth} MiB while streaming ~60 MB: the result was buffered, not streamed`);
    },
  }),
];
