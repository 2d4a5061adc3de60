import { closeConnection } from '../adapter.js';
import { check, connect, createTable, eq, exec, expectError, myCase, rows, sleep, type MyCase, type ServerError } from '../_internal/case-kit.js';

/** Transactions: rollback, savepoints, read-only, isolation, lock waits and deadlocks. */
export const transactionCases: MyCase[] = [
  myCase({
    id: 'MY-053',
    title: 'START TRANSACTION … ROLLBACK discards every change of the transaction',
    priority: 'p0',
    area: 'transactions',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my053', 'id INT PRIMARY KEY');
      await exec(conn, 'INSERT INTO my053 VALUES (1)');
      await conn.beginTransaction();
      await exec(conn, 'INSERT INTO my053 VALUES (2)');
      await exec(conn, 'DELETE FROM my053 WHERE id = 1');
      await conn.rollback();
      const r = await rows<{ id: number }>(conn, 'SELECT id FROM my053 ORDER BY id');
      eq(ctx, r.map((x) => Number(x.id)), [1], 'rows after ROLLBACK');
    },
  }),
  myCase({
    id: 'MY-054',
    title: 'Savepoints: ROLLBACK TO SAVEPOINT undoes only later work, RELEASE removes the savepoint (then 1305)',
    priority: 'p1',
    area: 'transactions',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/savepoint.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my054', 'id INT PRIMARY KEY');
      await conn.beginTransaction();
      await exec(conn, 'INSERT INTO my054 VALUES (1)');
      await exec(conn, 'SAVEPOINT a');
      await exec(conn, 'INSERT INTO my054 VALUES (2)');
      await exec(conn, 'SAVEPOINT b');
      await exec(conn, 'INSERT INTO my054 VALUES (3)');
      await exec(conn, 'ROLLBACK TO SAVEPOINT b');
      eq(ctx, (await rows<{ id: number }>(conn, 'SELECT id FROM my054 ORDER BY id')).map((x) => Number(x.id)), [1, 2], 'rows after ROLLBACK TO b');
      await exec(conn, 'ROLLBACK TO SAVEPOINT a');
      eq(ctx, (await rows<{ id: number }>(conn, 'SELECT id FROM my054 ORDER BY id')).map((x) => Number(x.id)), [1], 'rows after ROLLBACK TO a');
      await exec(conn, 'RELEASE SAVEPOINT a');
      await expectError(ctx, exec(conn, 'ROLLBACK TO SAVEPOINT a'), 1305, '42000', 'ROLLBACK TO a released savepoint');
      await conn.commit();
      eq(ctx, (await rows<{ id: number }>(conn, 'SELECT id FROM my054 ORDER BY id')).map((x) => Number(x.id)), [1], 'rows after COMMIT');
    },
  }),
  myCase({
    id: 'MY-055',
    title: 'A write in a START TRANSACTION READ ONLY transaction fails with 1792 (SQLSTATE 25006)',
    priority: 'p1',
    area: 'transactions',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my055', 'id INT PRIMARY KEY');
      await exec(conn, 'START TRANSACTION READ ONLY');
      const [r] = await rows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM my055');
      eq(ctx, Number(r?.n), 0, 'a read in a READ ONLY transaction');
      await expectError(ctx, exec(conn, 'INSERT INTO my055 VALUES (1)'), 1792, '25006', 'INSERT in a READ ONLY transaction');
      await exec(conn, 'ROLLBACK');
      await exec(conn, 'INSERT INTO my055 VALUES (1)');
    },
  }),
  myCase({
    id: 'MY-056',
    title: 'A row lock held by another session ends in 1205 lock wait timeout (SQLSTATE HY000) after innodb_lock_wait_timeout',
    priority: 'p1',
    area: 'transactions',
    timeoutMs: 20_000,
    async run(ctx) {
      const a = await connect(ctx);
      const b = await connect(ctx);
      await createTable(a, 'my056', 'id INT PRIMARY KEY, v INT');
      await exec(a, 'INSERT INTO my056 VALUES (1, 0)');
      await exec(a, 'BEGIN');
      await exec(a, 'UPDATE my056 SET v = 1 WHERE id = 1');
      await exec(b, 'SET SESSION innodb_lock_wait_timeout = 1');
      const t0 = Date.now();
      await expectError(ctx, exec(b, 'UPDATE my056 SET v = 2 WHERE id = 1'), 1205, 'HY000', 'UPDATE of a row locked by another session');
      ctx.metric('waitedMs', Date.now() - t0);
      check(ctx, Date.now() - t0 >= 800, `the lock wait ended after ${Date.now() - t0} ms, before the 1 s timeout`);
      await exec(a, 'ROLLBACK');
      const ok = await exec(b, 'UPDATE my056 SET v = 2 WHERE id = 1');
      eq(ctx, ok.affectedRows, 1, 'the UPDATE once the lock is gone');
    },
  }),
  myCase({
    id: 'MY-057',
    title: 'Two sessions locking rows in opposite order: one is chosen as deadlock victim with 1213 (SQLSTATE 40001)',
    priority: 'p1',
    area: 'transactions',
    timeoutMs: 20_000,
    async run(ctx) {
      const a = await connect(ctx);
      const b = await connect(ctx);
      await createTable(a, 'my057', 'id INT PRIMARY KEY, v INT');
      await exec(a, 'INSERT INTO my057 VALUES (1, 0), (2, 0)');
      for (const c of [a, b]) await exec(c, 'SET SESSION innodb_lock_wait_timeout = 10');
      await exec(a, 'BEGIN');
      await exec(b, 'BEGIN');
      await exec(a, 'UPDATE my057 SET v = 1 WHERE id = 1');
      await exec(b, 'UPDATE my057 SET v = 2 WHERE id = 2');
      const pa = exec(a, 'UPDATE my057 SET v = 1 WHERE id = 2').then(() => null, (e: ServerError) => e);
      await sleep(200, ctx.signal);
      const pb = exec(b, 'UPDATE my057 SET v = 2 WHERE id = 1').then(() => null, (e: ServerError) => e);
      const [ea, eb] = await Promise.all([pa, pb]);
      const victims = [ea, eb].filter((e): e is ServerError => e !== null);
      eq(ctx, victims.length, 1, 'number of sessions that got an error');
      const v = victims[0] as ServerError;
      eq(ctx, [v.errno, v.sqlState], [1213, '40001'], 'the deadlock victim error');
      ctx.metric('victim', ea ? 'first' : 'second');
      await exec(a, 'ROLLBACK');
      await exec(b, 'ROLLBACK');
    },
  }),
  myCase({
    id: 'MY-058',
    title: 'Isolation: REPEATABLE READ keeps its snapshot, READ COMMITTED sees a concurrent commit',
    priority: 'p1',
    area: 'transactions',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/innodb-transaction-isolation-levels.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const a = await connect(ctx);
      const w = await connect(ctx);
      await createTable(a, 'my058', 'id INT PRIMARY KEY');
      const count = async (): Promise<number> => Number((await rows<{ n: number }>(a, 'SELECT COUNT(*) AS n FROM my058'))[0]?.n);
      await exec(a, 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await exec(a, 'START TRANSACTION');
      eq(ctx, await count(), 0, 'first read in REPEATABLE READ');
      await exec(w, 'INSERT INTO my058 VALUES (1)');
      eq(ctx, await count(), 0, 'second read in REPEATABLE READ after a concurrent commit');
      await exec(a, 'COMMIT');
      await exec(a, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await exec(a, 'START TRANSACTION');
      eq(ctx, await count(), 1, 'first read in READ COMMITTED');
      await exec(w, 'INSERT INTO my058 VALUES (2)');
      eq(ctx, await count(), 2, 'second read in READ COMMITTED after a concurrent commit');
      await exec(a, 'COMMIT');
    },
  }),
  myCase({
    id: 'MY-059',
    title: 'SELECT … FOR UPDATE blocks a concurrent writer until the lock holder commits',
    priority: 'p2',
    area: 'transactions',
    timeoutMs: 15_000,
    async run(ctx) {
      const a = await connect(ctx);
      const b = await connect(ctx);
      await createTable(a, 'my059', 'id INT PRIMARY KEY, v INT');
      await exec(a, 'INSERT INTO my059 VALUES (1, 0)');
      await exec(a, 'BEGIN');
      await rows(a, 'SELECT * FROM my059 WHERE id = 1 FOR UPDATE');
      let done = false;
      const pb = exec(b, 'UPDATE my059 SET v = v + 1 WHERE id = 1').then((r) => {
        done = true;
        return r;
      });
      await sleep(500, ctx.signal);
      check(ctx, !done, 'the concurrent UPDATE finished while the row was locked FOR UPDATE');
      await exec(a, 'UPDATE my059 SET v = 10 WHERE id = 1');
      await exec(a, 'COMMIT');
      await pb;
      const [r] = await rows<{ v: number }>(a, 'SELECT v FROM my059 WHERE id = 1');
      eq(ctx, Number(r?.v), 11, 'value after both writers');
    },
  }),
  myCase({
    id: 'MY-060',
    title: 'KILL QUERY interrupts a running statement of another session with 1317 and keeps that session usable',
    priority: 'p1',
    area: 'errors',
    timeoutMs: 20_000,
    async run(ctx) {
      const victim = await connect(ctx);
      const killer = await connect(ctx);
      await createTable(killer, 'my060', 'a INT');
      await exec(killer, 'INSERT INTO my060 VALUES ' + Array.from({ length: 1000 }, (_, i) => `(${i})`).join(','));
      // Whatever happens, the huge join must not outlive the case on the server.
      const victimId = Number(victim.threadId);
      // (A fresh connection: the case's own are destroyed when the case is aborted.)
      ctx.defer(async () => {
        const c = await ctx.target.connect().catch(() => null);
        if (!c) return;
        await c.query(`KILL QUERY ${victimId}`).catch(() => undefined);
        await closeConnection(c);
      });
      const running = rows(victim, 'SELECT COUNT(*) AS n FROM my060 a, my060 b, my060 c, my060 d');
      const outcome = running.then(() => null, (e: ServerError) => e);
      await sleep(300, ctx.signal);
      await exec(killer, `KILL QUERY ${victimId}`);
      const err = await outcome;
      check(ctx, err !== null, 'the statement finished although it was killed');
      eq(ctx, [err.errno, err.sqlState], [1317, '70100'], 'error of the killed statement');
      const [r] = await rows<{ v: number }>(victim, 'SELECT 1 AS v');
      eq(ctx, Number(r?.v), 1, 'the session after KILL QUERY');
    },
  }),
];
