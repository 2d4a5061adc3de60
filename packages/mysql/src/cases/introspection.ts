import { loadKysely, loadMariadb } from '../_internal/drivers.js';
import { check, connect, createTable, eq, exec, myCase, rows, sleep, type MyCase } from '../_internal/case-kit.js';

/** information_schema introspection that ORMs send, SHOW statements, pools and more driver round trips. */
export const introspectionCases: MyCase[] = [
  myCase({
    id: 'MY-074',
    title: 'information_schema.TABLES and COLUMNS describe a table the way ORMs read it (types, nullability, defaults, keys, extra)',
    priority: 'p1',
    area: 'introspection',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/information-schema-columns-table.html',
    timeoutMs: 15_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(
        conn,
        'my074',
        "id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(120) NOT NULL, score DECIMAL(8,2) DEFAULT 0.00, created DATETIME(3) NULL, UNIQUE KEY uq_email (email)",
      );
      const t = await rows<{ TABLE_NAME: string; TABLE_TYPE: string; ENGINE: string }>(
        conn,
        'SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
        ['my074'],
      );
      eq(ctx, t.map((x) => [x.TABLE_NAME, x.TABLE_TYPE]), [['my074', 'BASE TABLE']], 'information_schema.TABLES row');
      const cols = await rows<Record<string, unknown>>(
        conn,
        `SELECT COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, EXTRA, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'my074' ORDER BY ORDINAL_POSITION`,
      );
      eq(
        ctx,
        cols.map((c) => [c.COLUMN_NAME, Number(c.ORDINAL_POSITION), c.DATA_TYPE, String(c.COLUMN_TYPE).toLowerCase(), c.IS_NULLABLE, c.COLUMN_KEY, String(c.EXTRA).toLowerCase()]),
        [
          ['id', 1, 'bigint', 'bigint(20) unsigned', 'NO', 'PRI', 'auto_increment'],
          ['email', 2, 'varchar', 'varchar(120)', 'NO', 'UNI', ''],
          ['score', 3, 'decimal', 'decimal(8,2)', 'YES', '', ''],
          ['created', 4, 'datetime', 'datetime(3)', 'YES', '', ''],
        ].map((r) => (r[0] === 'id' && !/\(20\)/.test(String(cols[0]?.COLUMN_TYPE)) ? ['id', 1, 'bigint', 'bigint unsigned', 'NO', 'PRI', 'auto_increment'] : r)),
        'information_schema.COLUMNS rows',
      );
      eq(ctx, [Number(cols[1]?.CHARACTER_MAXIMUM_LENGTH), Number(cols[2]?.NUMERIC_PRECISION), Number(cols[2]?.NUMERIC_SCALE)], [120, 8, 2], 'lengths and precision');
    },
  }),
  myCase({
    id: 'MY-075',
    title: 'information_schema.STATISTICS, KEY_COLUMN_USAGE and REFERENTIAL_CONSTRAINTS describe indexes and foreign keys',
    priority: 'p1',
    area: 'introspection',
    timeoutMs: 15_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await exec(conn, 'DROP TABLE IF EXISTS my075_child');
      await createTable(conn, 'my075_parent', 'id INT PRIMARY KEY');
      await createTable(conn, 'my075_child', 'id INT PRIMARY KEY, pid INT, a INT, b INT, KEY ix_ab (a, b), CONSTRAINT fk_my075 FOREIGN KEY (pid) REFERENCES my075_parent(id) ON DELETE CASCADE');
      const st = await rows<{ INDEX_NAME: string; SEQ_IN_INDEX: number; COLUMN_NAME: string; NON_UNIQUE: number }>(
        conn,
        "SELECT INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'my075_child' AND INDEX_NAME = 'ix_ab' ORDER BY SEQ_IN_INDEX",
      );
      eq(ctx, st.map((s) => [s.COLUMN_NAME, Number(s.SEQ_IN_INDEX), Number(s.NON_UNIQUE)]), [['a', 1, 1], ['b', 2, 1]], 'STATISTICS of ix_ab');
      const k = await rows<Record<string, string>>(
        conn,
        "SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'my075_child' AND REFERENCED_TABLE_NAME IS NOT NULL",
      );
      eq(ctx, k.map((x) => [x.CONSTRAINT_NAME, x.COLUMN_NAME, x.REFERENCED_TABLE_SCHEMA, x.REFERENCED_TABLE_NAME, x.REFERENCED_COLUMN_NAME]), [
        ['fk_my075', 'pid', ctx.target.namespace, 'my075_parent', 'id'],
      ], 'KEY_COLUMN_USAGE of the foreign key');
      const rc = await rows<Record<string, string>>(
        conn,
        "SELECT DELETE_RULE, UPDATE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'fk_my075'",
      );
      eq(ctx, rc.map((x) => [x.DELETE_RULE, x.UPDATE_RULE]), [['CASCADE', 'RESTRICT']], 'REFERENTIAL_CONSTRAINTS rules');
    },
  }),
  myCase({
    id: 'MY-076',
    title: "Kysely's introspector lists the namespace's tables and columns",
    priority: 'p2',
    area: 'introspection',
    timeoutMs: 15_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my076', 'id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(10) NULL');
      const { Kysely, MysqlDialect } = await loadKysely();
      const cb = await import('mysql2');
      const createPool = (cb as unknown as { default?: typeof cb }).default?.createPool ?? cb.createPool;
      const db = new Kysely<unknown>({ dialect: new MysqlDialect({ pool: createPool({ ...ctx.target.mysql2Options(), connectionLimit: 1 } as never) }) });
      ctx.defer(() => db.destroy());
      const tables = await db.introspection.getTables();
      const t = tables.find((x) => x.name === 'my076');
      check(ctx, t !== undefined, `Kysely did not find table my076 (found ${tables.map((x) => x.name).join(', ')})`);
      eq(ctx, t.columns.map((c) => [c.name, c.dataType, c.isNullable, c.isAutoIncrementing]), [
        ['id', 'int', false, true],
        ['label', 'varchar', true, false],
      ], 'columns as Kysely sees them');
    },
  }),
  myCase({
    id: 'MY-077',
    title: 'SHOW CREATE TABLE, SHOW COLUMNS, SHOW INDEX and SHOW TABLES answer for a table of the namespace',
    priority: 'p2',
    area: 'introspection',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my077', 'id INT PRIMARY KEY, v VARCHAR(5)');
      const [sc] = await rows<Record<string, string>>(conn, 'SHOW CREATE TABLE my077');
      check(ctx, /CREATE TABLE `my077`/.test(sc?.['Create Table'] ?? ''), `SHOW CREATE TABLE returned ${JSON.stringify(sc)}`);
      const cols = await rows<{ Field: string; Key: string }>(conn, 'SHOW COLUMNS FROM my077');
      eq(ctx, cols.map((c) => [c.Field, c.Key]), [['id', 'PRI'], ['v', '']], 'SHOW COLUMNS');
      const idx = await rows<{ Key_name: string; Column_name: string }>(conn, 'SHOW INDEX FROM my077');
      eq(ctx, idx.map((c) => [c.Key_name, c.Column_name]), [['PRIMARY', 'id']], 'SHOW INDEX');
      const tabs = await rows<Record<string, string>>(conn, "SHOW TABLES LIKE 'my077'");
      eq(ctx, tabs.map((x) => Object.values(x)[0]), ['my077'], 'SHOW TABLES');
    },
  }),
  myCase({
    id: 'MY-078',
    title: 'A mysql2 pool runs 20 concurrent queries on up to 5 connections and each sees its own session',
    priority: 'p1',
    area: 'drivers',
    timeoutMs: 20_000,
    async run(ctx) {
      const cb = await import('mysql2/promise');
      const createPool = (cb as unknown as { default?: typeof cb }).default?.createPool ?? cb.createPool;
      const pool = createPool({ ...ctx.target.mysql2Options(), connectionLimit: 5 });
      ctx.defer(() => pool.end());
      const results = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const [r] = await pool.query('SELECT ? AS i, CONNECTION_ID() AS c, SLEEP(0.05) AS s', [i]);
          return (r as Array<{ i: number; c: number }>)[0];
        }),
      );
      eq(ctx, results.map((r) => Number(r?.i)), Array.from({ length: 20 }, (_, i) => i), 'each query got its own parameter back');
      const conns = new Set(results.map((r) => Number(r?.c)));
      check(ctx, conns.size >= 2 && conns.size <= 5, `${conns.size} distinct connections served the pool (limit 5)`);
    },
  }),
  myCase({
    id: 'MY-079',
    title: 'MariaDB connector: batch insert, bigint and decimal parameters, and a streamed query',
    priority: 'p2',
    area: 'drivers',
    timeoutMs: 20_000,
    async run(ctx) {
      const mariadb = await loadMariadb();
      const c = ctx.target.connection;
      const conn = await mariadb.createConnection({
        host: c.host, port: c.port, user: c.user, password: c.password, database: ctx.target.namespace,
        ...(c.ssl ? { ssl: c.ssl as never } : {}), connectTimeout: c.connectTimeoutMs, bigIntAsNumber: false, decimalAsNumber: false,
      });
      ctx.defer(() => conn.end().catch(() => conn.destroy()));
      ctx.signal.addEventListener('abort', () => conn.destroy(), { once: true });
      await conn.query('CREATE TABLE my079 (id BIGINT PRIMARY KEY, d DECIMAL(30,10), s VARCHAR(20))');
      const values = Array.from({ length: 500 }, (_, i) => [BigInt('9007199254740993') + BigInt(i), `${i}.0123456789`, `s${i}`]);
      const res = (await conn.batch('INSERT INTO my079 VALUES (?, ?, ?)', values)) as { affectedRows: number } | Array<{ affectedRows: number }>;
      const affected = Array.isArray(res) ? res.reduce((a, r) => a + r.affectedRows, 0) : res.affectedRows;
      eq(ctx, affected, 500, 'affectedRows of the batch');
      const r = (await conn.query('SELECT id, d FROM my079 ORDER BY id LIMIT 1')) as Array<{ id: bigint; d: string }>;
      eq(ctx, [String(r[0]?.id), String(r[0]?.d)], ['9007199254740993', '0.0123456789'], 'first row (bigint beyond 2^53, decimal)');
      let n = 0;
      const stream = conn.queryStream('SELECT * FROM my079');
      for await (const _row of stream) n++;
      eq(ctx, n, 500, 'rows from queryStream');
    },
  }),
  myCase({
    id: 'MY-080',
    title: 'Temporary tables are private to their session and vanish when it ends',
    priority: 'p2',
    area: 'connection',
    timeoutMs: 10_000,
    async run(ctx) {
      const a = await connect(ctx);
      const b = await connect(ctx);
      await exec(a, 'CREATE TEMPORARY TABLE my080 (id INT)');
      await exec(a, 'INSERT INTO my080 VALUES (1)');
      const err = await b.query('SELECT * FROM my080').then(() => null, (e: { errno?: number }) => e);
      eq(ctx, err?.errno, 1146, 'another session reading the temporary table');
      const [r] = await rows<{ n: number }>(a, 'SELECT COUNT(*) AS n FROM my080');
      eq(ctx, Number(r?.n), 1, 'the owning session reading its temporary table');
    },
  }),
  myCase({
    id: 'MY-081',
    title: 'GET_LOCK / RELEASE_LOCK: a named lock is exclusive across sessions and released on demand',
    priority: 'p2',
    area: 'transactions',
    timeoutMs: 10_000,
    async run(ctx) {
      const a = await connect(ctx);
      const b = await connect(ctx);
      const name = `${ctx.target.namespace}_lock`;
      const get = async (c: typeof a, t: number): Promise<number> => Number((await rows<{ v: number }>(c, 'SELECT GET_LOCK(?, ?) AS v', [name, t]))[0]?.v);
      eq(ctx, await get(a, 1), 1, 'GET_LOCK in the first session');
      eq(ctx, await get(b, 0), 0, 'GET_LOCK in the second session while held');
      eq(ctx, Number((await rows<{ v: number }>(a, 'SELECT RELEASE_LOCK(?) AS v', [name]))[0]?.v), 1, 'RELEASE_LOCK');
      await sleep(10, ctx.signal);
      eq(ctx, await get(b, 1), 1, 'GET_LOCK in the second session after release');
      await rows(b, 'SELECT RELEASE_LOCK(?)', [name]);
    },
  }),
];
