import assert from 'node:assert/strict';
import { connect, createTable, defineMysqlCase, exec, rows, xexec, type Ok } from '../../_internal/case-kit.js';

const OK_SPEC = 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_ok_packet.html';

/** MY-041: insertId and affectedRows. */
export const insertIds = defineMysqlCase({
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
    assert.deepEqual([a.affectedRows, Number(a.insertId)], [1, 1], '[affectedRows, insertId] of the first INSERT');
    const b = await exec(conn, "INSERT INTO my041 (v) VALUES ('b'), ('c'), ('d')");
    assert.deepEqual([b.affectedRows, Number(b.insertId)], [3, 2], '[affectedRows, insertId] of a 3-row INSERT');
    const c = await xexec(conn, 'INSERT INTO my041 (v) VALUES (?)', ['e']);
    assert.deepEqual([c.affectedRows, Number(c.insertId)], [1, 5], '[affectedRows, insertId] of a prepared INSERT');
    const [l] = await rows<{ id: number }>(conn, 'SELECT LAST_INSERT_ID() AS id');
    assert.equal(Number(l?.id), 5, 'LAST_INSERT_ID()');
    const d = await exec(conn, 'DELETE FROM my041 WHERE id <= 3');
    assert.equal(d.affectedRows, 3, 'affectedRows of a DELETE');
    const e = await exec(conn, "INSERT INTO my041 (id, v) VALUES (100, 'x')");
    assert.equal(Number(e.insertId), 100, 'insertId of an explicit AUTO_INCREMENT value');
  },
});

/** MY-042: matched versus changed rows. */
export const foundRows = defineMysqlCase({
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
    assert.deepEqual([a.affectedRows, a.changedRows], [3, 2], '[affectedRows, changedRows] with CLIENT_FOUND_ROWS');
    assert.match(a.info ?? '', /Rows matched: 3\s+Changed: 2/, `OK packet info is "${a.info ?? ''}"`);

    const changed = await connect(ctx, { flags: ['-FOUND_ROWS'] });
    const b = await exec(changed, 'UPDATE my042 SET v = 2 WHERE id <= 2');
    assert.deepEqual([b.affectedRows, b.changedRows], [2, 2], '[affectedRows, changedRows] without CLIENT_FOUND_ROWS');
    const c = await exec(changed, 'UPDATE my042 SET v = 2');
    assert.deepEqual([c.affectedRows, c.changedRows], [1, 1], '[affectedRows, changedRows] without CLIENT_FOUND_ROWS, one row differs');
  },
});

/** MY-043: what an upsert reports. */
export const upsertCounts = defineMysqlCase({
  id: 'MY-043',
  title: 'INSERT … ON DUPLICATE KEY UPDATE reports 1 for an insert, 2 for an update and 0 (or 1 with FOUND_ROWS) for no change',
  priority: 'p1',
  area: 'results',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/insert-on-duplicate.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx, { flags: ['-FOUND_ROWS'] });
    await createTable(conn, 'my043', 'id INT PRIMARY KEY, v INT');
    const upsert = (v: number): Promise<Ok> => exec(conn, 'INSERT INTO my043 VALUES (1, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)', [v]);
    assert.equal((await upsert(1)).affectedRows, 1, 'affectedRows of an upsert that inserts');
    assert.equal((await upsert(2)).affectedRows, 2, 'affectedRows of an upsert that updates');
    assert.equal((await upsert(2)).affectedRows, 0, 'affectedRows of an upsert that changes nothing');
  },
});

/** MY-044: the transaction and autocommit bits of the OK packet's status flags. */
export const statusFlags = defineMysqlCase({
  id: 'MY-044',
  title: 'Server status flags in OK packets: IN_TRANS after BEGIN, cleared by COMMIT; AUTOCOMMIT mirrors @@autocommit',
  priority: 'p1',
  area: 'results',
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/mysql__com_8h.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const IN_TRANS = 0x1;
    const AUTOCOMMIT = 0x2;
    const conn = await connect(ctx);
    const status = async (sql: string): Promise<number> => (await exec(conn, sql)).serverStatus ?? -1;

    const s0 = await status('DO 1');
    assert.ok((s0 & AUTOCOMMIT) !== 0 && (s0 & IN_TRANS) === 0, `status 0x${s0.toString(16)} outside a transaction: expected AUTOCOMMIT set and IN_TRANS clear`);
    const s1 = await status('BEGIN');
    assert.ok((s1 & IN_TRANS) !== 0, `status 0x${s1.toString(16)} after BEGIN: expected IN_TRANS`);
    const s2 = await status('COMMIT');
    assert.ok((s2 & IN_TRANS) === 0, `status 0x${s2.toString(16)} after COMMIT: expected IN_TRANS clear`);
    const s3 = await status('SET autocommit = 0');
    assert.ok((s3 & AUTOCOMMIT) === 0, `status 0x${s3.toString(16)} after SET autocommit = 0: expected AUTOCOMMIT clear`);
  },
});
