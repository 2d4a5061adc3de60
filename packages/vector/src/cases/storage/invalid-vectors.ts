import { defineVectorCase, normalVector } from '../../_internal/case-kit.js';
import { assertNothingStored, mustReject, openSeeded, recordStorage } from '../_internal/storage.js';

/** VEC-105: the wrong dimension. */
export const wrongDimension = defineVectorCase({
  id: 'VEC-105',
  title: 'A vector of the wrong dimension is rejected with an error naming the dimension, and nothing is stored',
  priority: 'p0',
  area: 'storage',
  since: '0.1.0',
  async run(ctx) {
    const dim = 16;
    const col = await openSeeded(ctx, 'dim', dim, 5);
    const clear = /dimension/i;
    const short = await mustReject(ctx, 'upsert of a 15-dimension vector into a 16-dimension collection', () => col.upsert([{ id: 'short', values: normalVector(ctx.rng, dim - 1) }], ctx.signal), clear);
    const long = await mustReject(ctx, 'upsert of a 17-dimension vector into a 16-dimension collection', () => col.upsert([{ id: 'long', values: normalVector(ctx.rng, dim + 1) }], ctx.signal), clear);
    const query = await mustReject(ctx, 'query with a 15-dimension vector', () => col.query({ vector: normalVector(ctx.rng, dim - 1), topK: 3 }, ctx.signal), clear);
    await assertNothingStored(ctx, col, ['short', 'long'], 5);
    recordStorage(ctx, { errors: { short, long, query } });
  },
});

/** VEC-106: NaN. */
export const nanComponent = defineVectorCase({
  id: 'VEC-106',
  title: 'A vector with a NaN component is rejected with a clear error, and nothing is stored',
  priority: 'p1',
  area: 'storage',
  since: '0.1.0',
  async run(ctx) {
    const dim = 16;
    const col = await openSeeded(ctx, 'nan', dim, 5);
    const v = normalVector(ctx.rng, dim);
    v[7] = Number.NaN;
    const clear = /nan|finite|invalid|not allowed|null/i;
    const upsert = await mustReject(ctx, 'upsert of a vector with a NaN component', () => col.upsert([{ id: 'nan', values: v }], ctx.signal), clear);
    const query = await mustReject(ctx, 'query with a NaN component', () => col.query({ vector: v, topK: 3 }, ctx.signal), clear);
    await assertNothingStored(ctx, col, ['nan'], 5);
    recordStorage(ctx, { errors: { upsert, query } });
  },
});

/** VEC-107: ±Infinity. */
export const infiniteComponent = defineVectorCase({
  id: 'VEC-107',
  title: 'A vector with an Infinity component (+ or -) is rejected with a clear error, and nothing is stored',
  priority: 'p1',
  area: 'storage',
  since: '0.1.0',
  async run(ctx) {
    const dim = 16;
    const col = await openSeeded(ctx, 'inf', dim, 5);
    const clear = /inf|finite|invalid|not allowed|null|range/i;
    const errors: Record<string, string> = {};
    for (const [id, x] of [['pinf', Number.POSITIVE_INFINITY], ['ninf', Number.NEGATIVE_INFINITY]] as const) {
      const v = normalVector(ctx.rng, dim);
      v[3] = x;
      errors[id] = await mustReject(ctx, `upsert of a vector with a component equal to ${x}`, () => col.upsert([{ id, values: v }], ctx.signal), clear);
    }
    await assertNothingStored(ctx, col, ['pinf', 'ninf'], 5);
    recordStorage(ctx, { errors });
  },
});
