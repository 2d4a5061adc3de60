import assert from 'node:assert/strict';
import { definePgCase } from '../../_internal/case-kit.js';
import { loadPostgresJs, postgresJsOptions } from '../../_internal/drivers.js';

/** PG-006: a second, independent driver (postgres.js) does a full round trip. */
export const postgresJsRoundTrip = definePgCase({
  id: 'PG-006',
  title: 'second driver: postgres.js round trip (DDL, parameters, types, transaction)',
  priority: 'p0',
  area: 'drivers',
  since: '0.1.0',
  spec: 'https://github.com/porsager/postgres#readme',
  async run(ctx) {
    const postgres = await loadPostgresJs();
    const sql = postgres(postgresJsOptions(ctx.target.connection, 'hc-pg-006'));
    const onAbort = (): void => void sql.end({ timeout: 0 }).catch(() => undefined);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    ctx.defer(async () => {
      ctx.signal.removeEventListener('abort', onAbort);
      await sql.end({ timeout: 2 });
    });

    const table = sql(`${ctx.target.namespace}.pg006_t`);
    await sql`CREATE TABLE ${table} (id int PRIMARY KEY, name text NOT NULL, flag boolean, at timestamptz, doc jsonb, note text)`;
    const at = new Date('2024-02-29T12:34:56.789Z');
    const doc = { a: 1, b: ['x', null, true] };
    const inserted = await sql`
      INSERT INTO ${table} (id, name, flag, at, doc, note)
      VALUES (${1}, ${'Ünïcødé ✓'}, ${true}, ${at}, ${sql.json(doc)}, ${null})
      RETURNING id`;
    assert.deepEqual([...inserted], [{ id: 1 }], 'INSERT … RETURNING must return the new id');

    const [row] = await sql`SELECT id, name, flag, at, doc, note FROM ${table} WHERE id = ${1}`;
    assert.ok(row, 'the inserted row must be found by a parameterised SELECT');
    assert.equal(row.name, 'Ünïcødé ✓', 'text must round-trip');
    assert.equal(row.flag, true, 'boolean must round-trip');
    assert.equal((row.at as Date).toISOString(), at.toISOString(), 'timestamptz must round-trip to the millisecond');
    assert.deepEqual(row.doc, doc, 'jsonb must round-trip');
    assert.equal(row.note, null, 'NULL must round-trip');

    // A transaction that throws is rolled back; one that returns is committed.
    await assert.rejects(
      sql.begin(async (tx) => {
        await tx`INSERT INTO ${table} (id, name) VALUES (${2}, ${'rolled back'})`;
        throw new Error('hc: roll this back');
      }),
      /hc: roll this back/,
    );
    await sql.begin(async (tx) => {
      await tx`INSERT INTO ${table} (id, name) VALUES (${3}, ${'committed'})`;
    });
    const ids = await sql<{ id: number }[]>`SELECT id FROM ${table} ORDER BY id`;
    assert.deepEqual(ids.map((r) => r.id), [1, 3], 'the rolled-back row must be absent and the committed one present');
  },
});
