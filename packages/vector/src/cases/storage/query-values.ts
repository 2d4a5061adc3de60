import assert from 'node:assert/strict';
import { defineVectorCase, normalVector, randomRecords, upsertAll } from '../../_internal/case-kit.js';
import { checkExact, compareBits, openCaseCollection, recordStorage } from '../_internal/storage.js';

/** VEC-102: what a query returns is what was stored, at the distance the kit computes. */
export const queryValues = defineVectorCase({
  id: 'VEC-102',
  title: 'Query results carry the stored values bit-exactly and the distances the kit computes, for every declared metric',
  priority: 'p1',
  area: 'storage',
  since: '0.1.0',
  async run(ctx) {
    const metrics = (['l2', 'cosine', 'ip'] as const).filter((m) => ctx.capabilities.has(`metric:${m}`));
    if (metrics.length === 0) ctx.notApplicable('the endpoint declares no metric:l2, metric:cosine or metric:ip');
    const dim = 64;
    const n = 30;
    const checked: Record<string, number> = {};
    for (const metric of metrics) {
      const col = await openCaseCollection(ctx, metric, dim, metric);
      const records = randomRecords(ctx, n, dim);
      const base = new Map(records.map((r) => [r.id, r.values]));
      await upsertAll(ctx, col, records);
      for (let k = 0; k < 3; k++) {
        const q = normalVector(ctx.rng, dim);
        const got = await col.query({ vector: q, topK: n, includeValues: true }, ctx.signal);
        checkExact(`${metric} query ${k}`, got, base, q, metric, new Set(base.keys()));
        for (const m of got) {
          const d = compareBits(base.get(m.id)!, m.values);
          if (d.first) assert.fail(`${metric} query ${k}: values of ${m.id} differ from what was stored: ${d.first}`);
        }
      }
      checked[metric] = n * 3;
    }
    recordStorage(ctx, { metrics, matchesChecked: checked });
  },
});
