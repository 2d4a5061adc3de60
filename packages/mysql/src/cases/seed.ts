import { loadKysely, loadMariadb } from '../_internal/drivers.js';
import { check, connect, createTable, eq, exec, expectError, myCase, rows, xexec, xrows, type MyCase } from '../_internal/case-kit.js';

/** The seed cases MY-001…MY-006, ported to Node clients. */
export const seedCases: MyCase[] = [
  myCase({
    id: 'MY-001',
    title: 'Connect with mysql2 and run a simple query (SELECT 1)',
    priority: 'p0',
    area: 'connection',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      const r = await rows<{ value: unknown }>(conn, 'SELECT 1 AS value');
      eq(ctx, r.length, 1, 'row count');
      eq(ctx, Number(r[0]?.value), 1, 'SELECT 1 AS value');
      const [, fields] = await conn.query('SELECT 1 AS value');
      eq(ctx, fields?.[0]?.name, 'value', 'column name in the result set header');
    },
  }),
  myCase({
    id: 'MY-002',
    title: 'Prepared statements with parameters: server-side (execute, binary protocol) and client-side (query)',
    priority: 'p0',
    area: 'prepared',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_execute.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my002', 'id INT PRIMARY KEY, name VARCHAR(50), value INT');
      const ins = await xexec(conn, 'INSERT INTO my002 (id, name, value) VALUES (?, ?, ?)', [1, 'Bob', 200]);
      eq(ctx, ins.affectedRows, 1, 'affectedRows of the prepared INSERT');
      const a = await xrows<{ name: string; value: number }>(conn, 'SELECT name, value FROM my002 WHERE id = ?', [1]);
      eq(ctx, a.map((r) => [r.name, Number(r.value)]), [['Bob', 200]], 'prepared SELECT (binary protocol)');
      await exec(conn, 'INSERT INTO my002 (id, name, value) VALUES (?, ?, ?)', [2, "O'Brien \\ \"quoted\"", -7]);
      const b = await rows<{ name: string; value: number }>(conn, 'SELECT name, value FROM my002 WHERE id = ?', [2]);
      eq(ctx, b.map((r) => [r.name, Number(r.value)]), [["O'Brien \\ \"quoted\"", -7]], 'client-side escaped SELECT (text protocol)');
      const c = await xrows<{ n: string | number }>(conn, 'SELECT COUNT(*) AS n FROM my002 WHERE name = ? OR value = ?', ['Bob', -7]);
      eq(ctx, Number(c[0]?.n), 2, 'two parameters of different types in one prepared statement');
    },
  }),
  myCase({
    id: 'MY-003',
    title: 'Autocommit semantics: with autocommit off an insert is invisible to another session until COMMIT',
    priority: 'p0',
    area: 'transactions',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/innodb-autocommit-commit-rollback.html',
    timeoutMs: 15_000,
    async run(ctx) {
      const a = await connect(ctx);
      const b = await connect(ctx);
      const [d] = await rows<{ ac: number | string }>(a, 'SELECT @@autocommit AS ac');
      ctx.metric('defaultAutocommit', Number(d?.ac));
      ctx.log(`server default @@autocommit = ${d?.ac}`);
      await createTable(a, 'my003', 'id INT PRIMARY KEY, name VARCHAR(50)');
      await exec(a, 'SET autocommit = 0');
      const [off] = await rows<{ ac: number | string }>(a, 'SELECT @@autocommit AS ac');
      eq(ctx, Number(off?.ac), 0, '@@autocommit after SET autocommit = 0');
      await exec(a, "INSERT INTO my003 VALUES (50, 'Auto')");
      const before = await rows<{ n: string }>(b, 'SELECT COUNT(*) AS n FROM my003 WHERE id = 50');
      eq(ctx, Number(before[0]?.n), 0, 'rows visible to a second session before COMMIT');
      await exec(a, 'COMMIT');
      const after = await rows<{ n: string }>(b, 'SELECT COUNT(*) AS n FROM my003 WHERE id = 50');
      eq(ctx, Number(after[0]?.n), 1, 'rows visible to a second session after COMMIT');
      await exec(a, "INSERT INTO my003 VALUES (51, 'Gone')");
      await exec(a, 'ROLLBACK');
      const rolled = await rows<{ n: string }>(b, 'SELECT COUNT(*) AS n FROM my003 WHERE id = 51');
      eq(ctx, Number(rolled[0]?.n), 0, 'rows visible after ROLLBACK in autocommit=0');
    },
  }),
  myCase({
    id: 'MY-004',
    title: 'A second driver (MariaDB Connector/Node.js) connects, inserts, commits and reads back',
    priority: 'p0',
    area: 'drivers',
    timeoutMs: 15_000,
    async run(ctx) {
      const mariadb = await loadMariadb();
      const t = ctx.target;
      const c = t.connection;
      const conn = await mariadb.createConnection({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        database: t.namespace,
        ...(c.ssl ? { ssl: c.ssl as never } : {}),
        connectTimeout: c.connectTimeoutMs,
      });
      ctx.defer(() => conn.end().catch(() => conn.destroy()));
      ctx.signal.addEventListener('abort', () => conn.destroy(), { once: true });
      await conn.query('CREATE TABLE my004 (id INT PRIMARY KEY, name VARCHAR(50))');
      await conn.beginTransaction();
      const res = (await conn.query('INSERT INTO my004 (id, name) VALUES (?, ?)', [75, 'Connector'])) as { affectedRows: number };
      eq(ctx, res.affectedRows, 1, 'affectedRows via the mariadb connector');
      await conn.commit();
      const r = (await conn.query('SELECT name FROM my004 WHERE id = ?', [75])) as Array<{ name: string }>;
      eq(ctx, r.map((x) => x.name), ['Connector'], 'SELECT via the mariadb connector');
      const p = (await conn.execute('SELECT name FROM my004 WHERE id = ?', [75])) as Array<{ name: string }>;
      eq(ctx, p.map((x) => x.name), ['Connector'], 'binary-protocol execute via the mariadb connector');
    },
  }),
  myCase({
    id: 'MY-005',
    title: 'Error numbers and SQLSTATE: 1064/42000 for a syntax error, 1062/23000 for a duplicate key',
    priority: 'p0',
    area: 'errors',
    spec: 'https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await expectError(ctx, exec(conn, 'SELCT 1'), 1064, '42000', 'syntax error');
      await createTable(conn, 'my005', 'id INT PRIMARY KEY');
      await exec(conn, 'INSERT INTO my005 VALUES (1)');
      const e = await expectError(ctx, exec(conn, 'INSERT INTO my005 VALUES (1)'), 1062, '23000', 'duplicate key');
      check(ctx, /Duplicate entry/i.test(e.message), `1062 message should name the duplicate entry, got "${e.message}"`);
      await expectError(ctx, xexec(conn, 'INSERT INTO my005 VALUES (?)', [1]), 1062, '23000', 'duplicate key (prepared)');
      const [ok] = await rows<{ n: string }>(conn, 'SELECT COUNT(*) AS n FROM my005');
      eq(ctx, Number(ok?.n), 1, 'rows after the failed inserts');
    },
  }),
  myCase({
    id: 'MY-006',
    title: 'Query builder round trip: Kysely with a mysql2 pool inserts and selects with bound parameters',
    priority: 'p0',
    area: 'drivers',
    timeoutMs: 15_000,
    async run(ctx) {
      const { Kysely, MysqlDialect, sql } = await loadKysely();
      const cb = await import('mysql2');
      const pool = (cb as unknown as { default?: typeof cb }).default?.createPool ?? cb.createPool;
      const db = new Kysely<{ my006: { id: number; name: string } }>({
        dialect: new MysqlDialect({ pool: pool({ ...ctx.target.mysql2Options(), connectionLimit: 2 } as never) }),
      });
      ctx.defer(() => db.destroy());
      await sql`CREATE TABLE my006 (id INT PRIMARY KEY, name VARCHAR(100))`.execute(db);
      const ins = await db.insertInto('my006').values({ id: 300, name: 'MySQL+Kysely' }).executeTakeFirst();
      eq(ctx, Number(ins.numInsertedOrUpdatedRows), 1, 'inserted rows reported to Kysely');
      const row = await db.selectFrom('my006').select(['name']).where('id', '=', 300).executeTakeFirst();
      eq(ctx, row?.name, 'MySQL+Kysely', 'name read back through Kysely');
      const n = await db.transaction().execute(async (trx) => {
        await trx.updateTable('my006').set({ name: 'updated' }).where('id', '=', 300).execute();
        return trx.selectFrom('my006').select(['name']).where('id', '=', 300).executeTakeFirstOrThrow();
      });
      eq(ctx, n.name, 'updated', 'read inside a Kysely transaction');
    },
  }),
];
