import { check, connect, createTable, eq, exec, expectError, myCase, rows, xexec, xrows, type MyCase, type Ok } from '../_internal/case-kit.js';

const OK_SPEC = 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_ok_packet.html';

/** OK packets (insertId, affectedRows, changedRows, status flags), multiple statements and result sets, prepared statements. */
export const resultCases: MyCase[] = [
  myCase({
    id: 'MY-041',
    title: 'OK packet: insertId and affectedRows of single- and multi-row INSERTs (first id of the batch)',
    priority: 'p0',
    area: 'results',
    spec: OK_SPEC,
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my041', 'id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10)');
      const a = await exec(conn, "INSERT INTO my041 (v) VALUES ('a')");
      eq(ctx, [a.affectedRows, Number(a.insertId)], [1, 1], '[affectedRows, insertId] of the first INSERT');
      const b = await exec(conn, "INSERT INTO my041 (v) VALUES ('b'), ('c'), ('d')");
      eq(ctx, [b.affectedRows, Number(b.insertId)], [3, 2], '[affectedRows, insertId] of a 3-row INSERT');
      const c = await xexec(conn, 'INSERT INTO my041 (v) VALUES (?)', ['e']);
      eq(ctx, [c.affectedRows, Number(c.insertId)], [1, 5], '[affectedRows, insertId] of a prepared INSERT');
      const [l] = await rows<{ id: number }>(conn, 'SELECT LAST_INSERT_ID() AS id');
      eq(ctx, Number(l?.id), 5, 'LAST_INSERT_ID()');
      const d = await exec(conn, 'DELETE FROM my041 WHERE id <= 3');
      eq(ctx, d.affectedRows, 3, 'affectedRows of a DELETE');
      const e = await exec(conn, "INSERT INTO my041 (id, v) VALUES (100, 'x')");
      eq(ctx, Number(e.insertId), 100, 'insertId of an explicit AUTO_INCREMENT value');
    },
  }),
  myCase({
    id: 'MY-042',
    title: 'UPDATE: affectedRows counts matched rows with CLIENT_FOUND_ROWS and changed rows without it; info carries both',
    priority: 'p1',
    area: 'results',
    spec: OK_SPEC,
    timeoutMs: 10_000,
    async run(ctx) {
      const found = await connect(ctx);
      await createTable(found, 'my042', 'id INT PRIMARY KEY, v INT');
      await exec(found, 'INSERT INTO my042 VALUES (1, 1), (2, 2), (3, 3)');
      const a = await exec(found, 'UPDATE my042 SET v = 1');
      eq(ctx, [a.affectedRows, a.changedRows], [3, 2], '[affectedRows, changedRows] with CLIENT_FOUND_ROWS');
      check(ctx, /Rows matched: 3\s+Changed: 2/.test(a.info ?? ''), `OK packet info is "${a.info ?? ''}"`);
      const changed = await connect(ctx, { flags: ['-FOUND_ROWS'] });
      const b = await exec(changed, 'UPDATE my042 SET v = 2 WHERE id <= 2');
      eq(ctx, [b.affectedRows, b.changedRows], [2, 2], '[affectedRows, changedRows] without CLIENT_FOUND_ROWS');
      const c = await exec(changed, 'UPDATE my042 SET v = 2');
      eq(ctx, [c.affectedRows, c.changedRows], [1, 1], '[affectedRows, changedRows] without CLIENT_FOUND_ROWS, one row differs');
    },
  }),
  myCase({
    id: 'MY-043',
    title: 'INSERT … ON DUPLICATE KEY UPDATE reports 1 for an insert, 2 for an update and 0 (or 1 with FOUND_ROWS) for no change',
    priority: 'p1',
    area: 'results',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/insert-on-duplicate.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx, { flags: ['-FOUND_ROWS'] });
      await createTable(conn, 'my043', 'id INT PRIMARY KEY, v INT');
      const up = (v: number): Promise<Ok> => exec(conn, 'INSERT INTO my043 VALUES (1, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)', [v]);
      eq(ctx, (await up(1)).affectedRows, 1, 'affectedRows of an upsert that inserts');
      eq(ctx, (await up(2)).affectedRows, 2, 'affectedRows of an upsert that updates');
      eq(ctx, (await up(2)).affectedRows, 0, 'affectedRows of an upsert that changes nothing');
    },
  }),
  myCase({
    id: 'MY-044',
    title: 'Server status flags in OK packets: IN_TRANS after BEGIN, cleared by COMMIT; AUTOCOMMIT mirrors @@autocommit',
    priority: 'p1',
    area: 'results',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/mysql__com_8h.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      const IN_TRANS = 0x1;
      const AUTOCOMMIT = 0x2;
      const s0 = (await exec(conn, 'DO 1')).serverStatus ?? -1;
      check(ctx, (s0 & AUTOCOMMIT) !== 0 && (s0 & IN_TRANS) === 0, `status 0x${s0.toString(16)} outside a transaction: expected AUTOCOMMIT set and IN_TRANS clear`);
      const s1 = (await exec(conn, 'BEGIN')).serverStatus ?? -1;
      check(ctx, (s1 & IN_TRANS) !== 0, `status 0x${s1.toString(16)} after BEGIN: expected IN_TRANS`);
      const s2 = (await exec(conn, 'COMMIT')).serverStatus ?? -1;
      check(ctx, (s2 & IN_TRANS) === 0, `status 0x${s2.toString(16)} after COMMIT: expected IN_TRANS clear`);
      const s3 = (await exec(conn, 'SET autocommit = 0')).serverStatus ?? -1;
      check(ctx, (s3 & AUTOCOMMIT) === 0, `status 0x${s3.toString(16)} after SET autocommit = 0: expected AUTOCOMMIT clear`);
    },
  }),
  myCase({
    id: 'MY-045',
    title: 'Multiple statements in one COM_QUERY return every result set (and OK packets) in order',
    priority: 'p1',
    area: 'results',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_command_phase_sp.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx, { multipleStatements: true });
      await createTable(conn, 'my045', 'id INT PRIMARY KEY');
      const [res] = await conn.query('SELECT 1 AS a; INSERT INTO my045 VALUES (1), (2); SELECT id FROM my045 ORDER BY id; SELECT 3 AS c, 4 AS d');
      const parts = res as unknown as Array<unknown>;
      eq(ctx, parts.length, 4, 'number of results');
      eq(ctx, (parts[0] as Array<{ a: number }>).map((r) => Number(r.a)), [1], 'first result set');
      eq(ctx, (parts[1] as Ok).affectedRows, 2, 'affectedRows of the INSERT in the middle');
      eq(ctx, (parts[2] as Array<{ id: number }>).map((r) => Number(r.id)), [1, 2], 'third result set');
      eq(ctx, (parts[3] as Array<{ c: number; d: number }>).map((r) => [Number(r.c), Number(r.d)]), [[3, 4]], 'fourth result set');
      await expectError(ctx, conn.query('SELECT 1; SELEC 2; SELECT 3'), 1064, '42000', 'a syntax error in the second statement');
      const [after] = await conn.query('SELECT 5 AS e');
      eq(ctx, (after as Array<{ e: number }>).map((r) => Number(r.e)), [5], 'the session after a failed multi-statement');
    },
  }),
  myCase({
    id: 'MY-046',
    title: 'Without CLIENT_MULTI_STATEMENTS a stacked query is a syntax error (1064)',
    priority: 'p1',
    area: 'results',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx, { multipleStatements: false });
      await expectError(ctx, conn.query('SELECT 1; SELECT 2'), 1064, '42000', 'two statements without multi-statement support');
    },
  }),
  myCase({
    id: 'MY-047',
    title: 'A stored procedure returns multiple result sets through CALL (text and binary protocol)',
    priority: 'p1',
    area: 'results',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/call.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await exec(conn, 'DROP PROCEDURE IF EXISTS my047');
      await exec(conn, 'CREATE PROCEDURE my047(IN n INT) BEGIN SELECT n AS a; SELECT n * 2 AS b, \'x\' AS c; END');
      const [res] = await conn.query('CALL my047(21)');
      const parts = res as unknown as unknown[];
      check(ctx, parts.length >= 3, `CALL returned ${parts.length} results, expected 2 result sets and a final OK`);
      eq(ctx, (parts[0] as Array<{ a: number }>).map((r) => Number(r.a)), [21], 'first result set of CALL');
      eq(ctx, (parts[1] as Array<{ b: number; c: string }>).map((r) => [Number(r.b), r.c]), [[42, 'x']], 'second result set of CALL');
      const [xres] = await conn.execute('CALL my047(?)', [5]);
      const xparts = xres as unknown as unknown[];
      eq(ctx, (xparts[1] as Array<{ b: number }>).map((r) => Number(r.b)), [10], 'second result set of a prepared CALL');
    },
  }),
  myCase({
    id: 'MY-048',
    title: 'An empty result set still carries its column definitions',
    priority: 'p1',
    area: 'results',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my048', 'id INT PRIMARY KEY, name VARCHAR(10)');
      const [r, fields] = await conn.query('SELECT id, name AS label FROM my048 WHERE 1 = 0');
      eq(ctx, (r as unknown[]).length, 0, 'rows');
      eq(ctx, (fields ?? []).map((f) => f.name), ['id', 'label'], 'column names of an empty result (text protocol)');
      const [xr, xf] = await conn.execute('SELECT id, name AS label FROM my048 WHERE id = ?', [1]);
      eq(ctx, (xr as unknown[]).length, 0, 'rows (binary protocol)');
      eq(ctx, (xf ?? []).map((f) => f.name), ['id', 'label'], 'column names of an empty result (binary protocol)');
    },
  }),
  myCase({
    id: 'MY-049',
    title: 'Column definitions name the schema, table, original table, column and original column',
    priority: 'p1',
    area: 'results',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_column_definition.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my049', 'id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(10)');
      const [, fields] = await conn.query('SELECT t.id, t.name AS label FROM my049 AS t');
      const f = fields as unknown as Array<{ db: string; table: string; orgTable: string; name: string; orgName: string; flags: number; columnType: number }>;
      eq(ctx, f.map((x) => [x.db, x.table, x.orgTable, x.name, x.orgName]), [
        [ctx.target.namespace, 't', 'my049', 'id', 'id'],
        [ctx.target.namespace, 't', 'my049', 'label', 'name'],
      ], '[schema, table, org_table, name, org_name]');
      eq(ctx, f[0]?.columnType, 3, 'type of an INT column (MYSQL_TYPE_LONG)');
      eq(ctx, f[1]?.columnType, 253, 'type of a VARCHAR column (MYSQL_TYPE_VAR_STRING)');
      const flags = f[0]?.flags ?? 0;
      check(ctx, (flags & 0x1) !== 0 && (flags & 0x2) !== 0 && (flags & 0x200) !== 0, `flags 0x${flags.toString(16)} of the id column: expected NOT_NULL, PRI_KEY and AUTO_INCREMENT`);
    },
  }),
  myCase({
    id: 'MY-050',
    title: 'A prepared statement is reused 200 times and closed with COM_STMT_CLOSE',
    priority: 'p1',
    area: 'prepared',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_close.html',
    timeoutMs: 20_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my050', 'id INT PRIMARY KEY, sq BIGINT');
      const stmt = await conn.prepare('INSERT INTO my050 VALUES (?, ?)');
      for (let i = 0; i < 200; i++) await stmt.execute([i, i * i]);
      await stmt.close();
      const [r] = await rows<{ n: number; s: string }>(conn, 'SELECT COUNT(*) AS n, SUM(sq) AS s FROM my050');
      eq(ctx, [Number(r?.n), String(r?.s)], [200, String((199 * 200 * 399) / 6)], '[COUNT, SUM] after 200 executions');
      const [st] = await rows<{ Value: string }>(conn, "SHOW SESSION STATUS LIKE 'Com_stmt_close'");
      check(ctx, Number(st?.Value) >= 1, `Com_stmt_close is ${st?.Value ?? 'missing'} after closing a statement`);
    },
  }),
  myCase({
    id: 'MY-051',
    title: 'Prepared statement errors: a wrong parameter count is refused (1210) and a syntax error is reported at prepare (1064)',
    priority: 'p1',
    area: 'prepared',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_prepare.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await expectError(ctx, conn.execute('SELECT ? + ?', [1]), 1210, 'HY000', 'executing with one parameter for two markers');
      await expectError(ctx, conn.prepare('SELEC ?'), 1064, '42000', 'preparing a syntax error');
      const [r] = await xrows<{ v: number }>(conn, 'SELECT ? + ? AS v', [1, 2]);
      eq(ctx, Number(r?.v), 3, 'the session after prepared-statement errors');
    },
  }),
  myCase({
    id: 'MY-052',
    title: 'SQL-level PREPARE / EXECUTE USING / DEALLOCATE PREPARE',
    priority: 'p2',
    area: 'prepared',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/sql-prepared-statements.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await exec(conn, "PREPARE my052 FROM 'SELECT ? * 2 AS v'");
      await exec(conn, 'SET @x = 21');
      const [r] = await rows<{ v: number }>(conn, 'EXECUTE my052 USING @x');
      eq(ctx, Number(r?.v), 42, 'EXECUTE … USING @x');
      await exec(conn, 'DEALLOCATE PREPARE my052');
      await expectError(ctx, exec(conn, 'EXECUTE my052 USING @x'), 1243, 'HY000', 'EXECUTE after DEALLOCATE');
    },
  }),
];
