import assert from 'node:assert/strict';
import { loadPg } from '@helios-conformance/sql/postgres';
import { definePgCase } from '../../_internal/case-kit.js';
import { loadKysely } from '../../_internal/drivers.js';

interface Pg007Db {
  pg007_people: { id: number; name: string; age: number | null };
}

/** PG-007: the Kysely query builder over its `pg` dialect does a round trip. */
export const kyselyRoundTrip = definePgCase({
  id: 'PG-007',
  title: 'Kysely query builder (pg dialect) round trip: schema, insert, select, update, transaction',
  priority: 'p0',
  area: 'drivers',
  since: '0.1.0',
  spec: 'https://kysely.dev/docs/dialects',
  async run(ctx) {
    const [{ Kysely, PostgresDialect, sql }, pg] = await Promise.all([loadKysely(), loadPg()]);
    const pool = new pg.Pool({ ...ctx.target.clientConfig(), max: 2, application_name: 'hc-pg-007' });
    pool.on('error', () => undefined); // an idle client losing its server must not crash the run
    const db = new Kysely<Pg007Db>({ dialect: new PostgresDialect({ pool }) }).withSchema(ctx.target.namespace);
    const onAbort = (): void => {
      // Destroy every checked-out socket so pending queries reject at once.
      for (const c of (pool as unknown as { _clients?: Array<{ connection?: { stream?: { destroy(): void } } }> })._clients ?? []) {
        c.connection?.stream?.destroy();
      }
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    ctx.defer(async () => {
      ctx.signal.removeEventListener('abort', onAbort);
      await db.destroy();
    });

    await db.schema
      .createTable('pg007_people')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('age', 'integer')
      .execute();
    const people = [
      { id: 1, name: 'Ada', age: 36 },
      { id: 2, name: 'Grace', age: null },
      { id: 3, name: 'Edsger', age: 72 },
    ];
    const ins = await db.insertInto('pg007_people').values(people).returning('id').execute();
    assert.deepEqual(ins.map((r) => r.id).sort(), [1, 2, 3], 'a multi-row insert must return every id');

    const older = await db.selectFrom('pg007_people').select(['id', 'name']).where('age', '>', 40).orderBy('id').execute();
    assert.deepEqual(older, [{ id: 3, name: 'Edsger' }], 'a filtered select must return the matching row');

    const upd = await db.updateTable('pg007_people').set({ age: 37 }).where('name', '=', 'Ada').executeTakeFirstOrThrow();
    assert.equal(upd.numUpdatedRows, 1n, 'the update must report one row');

    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom('pg007_people').execute();
        throw new Error('hc: roll this back');
      }),
      /hc: roll this back/,
    );
    const agg = await db
      .selectFrom('pg007_people')
      .select([sql<number>`count(*)::int`.as('n'), sql<number>`sum(age)::int`.as('ages')])
      .executeTakeFirstOrThrow();
    assert.deepEqual(agg, { n: 3, ages: 37 + 72 }, 'after the rolled-back delete all rows must remain, with the update applied');
  },
});
