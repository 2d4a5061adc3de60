import assert from 'node:assert/strict';
import { connectMariadb, defineMysqlCase, openKysely } from '../../_internal/case-kit.js';
import { loadKysely } from '../../_internal/drivers.js';

/** MY-004: the MariaDB connector, the second driver, does a transaction and both protocols. */
export const mariadbConnector = defineMysqlCase({
  id: 'MY-004',
  title: 'A second driver (MariaDB Connector/Node.js) connects, inserts, commits and reads back',
  priority: 'p0',
  area: 'drivers',
  timeoutMs: 15_000,
  async run(ctx) {
    const conn = await connectMariadb(ctx);
    await conn.query('CREATE TABLE my004 (id INT PRIMARY KEY, name VARCHAR(50))');
    await conn.beginTransaction();
    const res = (await conn.query('INSERT INTO my004 (id, name) VALUES (?, ?)', [75, 'Connector'])) as { affectedRows: number };
    assert.equal(res.affectedRows, 1, 'affectedRows via the mariadb connector');
    await conn.commit();
    const r = (await conn.query('SELECT name FROM my004 WHERE id = ?', [75])) as Array<{ name: string }>;
    assert.deepEqual(r.map((x) => x.name), ['Connector'], 'SELECT via the mariadb connector');
    const p = (await conn.execute('SELECT name FROM my004 WHERE id = ?', [75])) as Array<{ name: string }>;
    assert.deepEqual(p.map((x) => x.name), ['Connector'], 'binary-protocol execute via the mariadb connector');
  },
});

/** MY-006: the query builder over a mysql2 pool. */
export const kyselyRoundTrip = defineMysqlCase({
  id: 'MY-006',
  title: 'Query builder round trip: Kysely with a mysql2 pool inserts and selects with bound parameters',
  priority: 'p0',
  area: 'drivers',
  timeoutMs: 15_000,
  async run(ctx) {
    const { sql } = await loadKysely();
    const db = await openKysely<{ my006: { id: number; name: string } }>(ctx, 2);
    await sql`CREATE TABLE my006 (id INT PRIMARY KEY, name VARCHAR(100))`.execute(db);
    const ins = await db.insertInto('my006').values({ id: 300, name: 'MySQL+Kysely' }).executeTakeFirst();
    assert.equal(Number(ins.numInsertedOrUpdatedRows), 1, 'inserted rows reported to Kysely');
    const row = await db.selectFrom('my006').select(['name']).where('id', '=', 300).executeTakeFirst();
    assert.equal(row?.name, 'MySQL+Kysely', 'name read back through Kysely');
    const n = await db.transaction().execute(async (trx) => {
      await trx.updateTable('my006').set({ name: 'updated' }).where('id', '=', 300).execute();
      return trx.selectFrom('my006').select(['name']).where('id', '=', 300).executeTakeFirstOrThrow();
    });
    assert.equal(n.name, 'updated', 'read inside a Kysely transaction');
  },
});
