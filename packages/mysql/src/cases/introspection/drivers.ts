import assert from 'node:assert/strict';
import { loadMysql2 } from '@helios-conformance/sql/mysql';
import { connectMariadb, defineMysqlCase } from '../../_internal/case-kit.js';

/** MY-078: a mysql2 pool under concurrency. */
export const mysql2Pool = defineMysqlCase({
  id: 'MY-078',
  title: 'A mysql2 pool runs 20 concurrent queries on up to 5 connections and each sees its own session',
  priority: 'p1',
  area: 'drivers',
  timeoutMs: 20_000,
  async run(ctx) {
    const { createPool } = await loadMysql2();
    const pool = createPool({ ...ctx.target.mysql2Options(), connectionLimit: 5 });
    ctx.defer(() => pool.end());
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const [r] = await pool.query('SELECT ? AS i, CONNECTION_ID() AS c, SLEEP(0.05) AS s', [i]);
        return (r as Array<{ i: number; c: number }>)[0];
      }),
    );
    assert.deepEqual(results.map((r) => Number(r?.i)), Array.from({ length: 20 }, (_, i) => i), 'the parameter each query returned');
    const conns = new Set(results.map((r) => Number(r?.c)));
    assert.ok(conns.size >= 2 && conns.size <= 5, `${conns.size} distinct connections served the pool (limit 5)`);
  },
});

/** MY-079: what the MariaDB connector adds: batches, exact numbers, streams. */
export const mariadbConnectorFeatures = defineMysqlCase({
  id: 'MY-079',
  title: 'MariaDB connector: batch insert, bigint and decimal parameters, and a streamed query',
  priority: 'p2',
  area: 'drivers',
  timeoutMs: 20_000,
  async run(ctx) {
    const conn = await connectMariadb(ctx, { bigIntAsNumber: false, decimalAsNumber: false });
    await conn.query('CREATE TABLE my079 (id BIGINT PRIMARY KEY, d DECIMAL(30,10), s VARCHAR(20))');
    const values = Array.from({ length: 500 }, (_, i) => [BigInt('9007199254740993') + BigInt(i), `${i}.0123456789`, `s${i}`]);
    const res = (await conn.batch('INSERT INTO my079 VALUES (?, ?, ?)', values)) as { affectedRows: number } | Array<{ affectedRows: number }>;
    const affected = Array.isArray(res) ? res.reduce((a, r) => a + r.affectedRows, 0) : res.affectedRows;
    assert.equal(affected, 500, 'affectedRows of the batch');
    const r = (await conn.query('SELECT id, d FROM my079 ORDER BY id LIMIT 1')) as Array<{ id: bigint; d: string }>;
    assert.deepEqual([String(r[0]?.id), String(r[0]?.d)], ['9007199254740993', '0.0123456789'], 'first row (bigint beyond 2^53, decimal)');
    let n = 0;
    for await (const _row of conn.queryStream('SELECT * FROM my079')) n++;
    assert.equal(n, 500, 'rows from queryStream');
  },
});
