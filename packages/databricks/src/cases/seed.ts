// The seed's DB-001..003 (tests/protocol/test_databricks.py), on the Node driver.
import { defineDbxCase, DRIVER_SPEC, query, show, tableName, withOperation, type DbxCase } from '../_internal/case-kit.js';
import { within } from '../target.js';

/** DB-001..003. */
export const seedCases: readonly DbxCase[] = [
  defineDbxCase({
    id: 'DB-001',
    title: 'Connect with @databricks/sql, open a session and run SELECT 1',
    priority: 'p1',
    area: 'connection',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const rows = await query(ctx, 'SELECT 1 AS value');
      if (rows.length !== 1) ctx.fail(`SELECT 1 returned ${rows.length} rows: ${show(rows)}`);
      if (rows[0]?.value !== 1) ctx.fail(`SELECT 1 AS value returned ${show(rows[0])}, expected { value: 1 } (an INT)`);
    },
  }),
  defineDbxCase({
    id: 'DB-002',
    title: 'INSERT and SELECT with ordinal parameter markers (?) bound by the driver',
    priority: 'p1',
    area: 'parameters',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const t = tableName(ctx, 'db002_test_data');
      await query(ctx, `CREATE TABLE ${t} (id INT, name STRING, value INT)`);
      ctx.defer(() => query(ctx, `DROP TABLE IF EXISTS ${t}`));
      const inserted = await query(ctx, `INSERT INTO ${t} (id, name) VALUES (?, ?)`, { ordinalParameters: [100, 'Databricks'] });
      ctx.log(`INSERT answered ${show(inserted)}`);
      await query(ctx, `INSERT INTO ${t} (id, name) VALUES (?, ?)`, { ordinalParameters: [101, 'other'] });
      const rows = await query(ctx, `SELECT name FROM ${t} WHERE id = ?`, { ordinalParameters: [100] });
      if (rows.length !== 1 || rows[0]?.name !== 'Databricks') ctx.fail(`SELECT name … WHERE id = ? with 100 returned ${show(rows)}, expected [{ name: "Databricks" }]`);
    },
  }),
  defineDbxCase({
    id: 'DB-003',
    title: 'Fetch a 300-row result in chunks of 50 (fetchChunk maxRows): every row once, in order',
    priority: 'p1',
    area: 'results',
    spec: DRIVER_SPEC,
    async run(ctx) {
      const t = tableName(ctx, 'db003_test_data');
      await query(ctx, `CREATE TABLE ${t} (id INT, value INT)`);
      ctx.defer(() => query(ctx, `DROP TABLE IF EXISTS ${t}`));
      const values = Array.from({ length: 300 }, (_v, i) => `(${i}, ${i * 5})`).join(', ');
      await query(ctx, `INSERT INTO ${t} (id, value) VALUES ${values}`);
      await withOperation(ctx, `SELECT id, value FROM ${t} ORDER BY id`, {}, async (op) => {
        const first = await within(op.fetchChunk({ maxRows: 50 }), ctx.remainingMs(), 'fetchChunk');
        if (first.length !== 50) ctx.fail(`the first fetchChunk({ maxRows: 50 }) returned ${first.length} rows, expected 50`);
        const ids: number[] = first.map((r) => Number(r.id));
        const sizes = [first.length];
        while (await within(op.hasMoreRows(), ctx.remainingMs(), 'hasMoreRows')) {
          const chunk = await within(op.fetchChunk({ maxRows: 50 }), ctx.remainingMs(), 'fetchChunk');
          if (chunk.length === 0) break;
          sizes.push(chunk.length);
          for (const r of chunk) {
            if (r.value !== Number(r.id) * 5) ctx.fail(`row ${show(r)}: value is not id * 5`);
            ids.push(Number(r.id));
          }
          if (sizes.length > 20) ctx.fail(`more than 20 chunks for 300 rows: ${sizes.join(', ')}`);
        }
        ctx.metric('chunkSizes', sizes);
        const expected = Array.from({ length: 300 }, (_v, i) => i);
        if (ids.length !== 300) ctx.fail(`fetched ${ids.length} rows in chunks of ${sizes.join(', ')}, expected 300`);
        const wrong = ids.findIndex((id, i) => id !== expected[i]);
        if (wrong >= 0) ctx.fail(`row ${wrong} has id ${ids[wrong]}, expected ${wrong} (ORDER BY id)`);
        if (sizes.slice(0, -1).some((s) => s !== 50)) ctx.fail(`chunk sizes ${sizes.join(', ')}: every chunk but the last must hold maxRows (50)`);
      });
    },
  }),
];
