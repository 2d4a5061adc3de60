import { describe, expect, it } from 'vitest';
import { exactTopK, generateVectors, matchesFilter, selectivityFilters } from '@helios-conformance/fixtures';
import { exactGroundTruth, maskFrom } from '../src/ground-truth.js';

describe('exactGroundTruth (worker threads) agrees with fixtures.exactTopK', () => {
  const ds = generateVectors({ count: 1500, dim: 24, clusters: 6, seed: 7, queries: 21 });
  const unit = generateVectors({ count: 1500, dim: 24, clusters: 6, seed: 7, queries: 21, normalize: true });
  for (const metric of ['l2', 'cosine', 'ip'] as const) {
    for (const k of [1, 10, 100]) {
      it(`${metric}, k=${k}: same ids in the same order, same distances`, async () => {
        const d = metric === 'l2' ? ds : unit;
        const gt = await exactGroundTruth({ base: d.vectors, queries: d.queries, dim: 24, k, metric, threads: 2 });
        expect(gt.ids).toHaveLength(21);
        d.queries.forEach((q, i) => {
          const want = exactTopK(d.vectors, q, k, metric);
          expect(Array.from(gt.ids[i]!)).toEqual(want.map((n) => n.index));
          // L2 and cosine are summed exactly like fixtures; ip too (−dot in the same order).
          expect(Array.from(gt.distances[i]!)).toEqual(want.map((n) => n.distance));
        });
      });
    }
  }

  it('filtered: the mask restricts candidates, fewer than k come back when fewer pass', async () => {
    const f = selectivityFilters[0]!.category.filter;
    const mask = maskFrom(ds.metadata, (m) => matchesFilter(m, f));
    const passing = mask.reduce((a, b) => a + b, 0);
    expect(passing).toBe(15);
    const gt = await exactGroundTruth({ base: ds.vectors, queries: ds.queries, dim: 24, k: 20, metric: 'l2', mask });
    ds.queries.forEach((q, i) => {
      const want = exactTopK(ds.vectors, q, 20, 'l2', (j) => matchesFilter(ds.metadata[j]!, f));
      expect(want).toHaveLength(15);
      expect(Array.from(gt.ids[i]!)).toEqual(want.map((n) => n.index));
    });
  });

  it('ties go to the smaller index, and one thread gives the same answer as many', async () => {
    const base = [new Float32Array([1, 0]), new Float32Array([0, 1]), new Float32Array([1, 0]), new Float32Array([-1, 0])];
    const queries = [new Float32Array([1, 0])];
    const one = await exactGroundTruth({ base, queries, dim: 2, k: 3, metric: 'l2', threads: 1 });
    expect(Array.from(one.ids[0]!)).toEqual([0, 2, 1]);
    const many = await exactGroundTruth({ base: ds.vectors, queries: ds.queries, dim: 24, k: 10, metric: 'ip', threads: 1 });
    const two = await exactGroundTruth({ base: ds.vectors, queries: ds.queries, dim: 24, k: 10, metric: 'ip', threads: 2 });
    expect(two.ids).toEqual(many.ids);
  });

  it('rejects bad input and honours an aborted signal', async () => {
    await expect(exactGroundTruth({ base: ds.vectors, queries: ds.queries, dim: 23, k: 1, metric: 'l2' })).rejects.toThrow(/dimensions/);
    await expect(exactGroundTruth({ base: ds.vectors, queries: ds.queries, dim: 24, k: 0, metric: 'l2' })).rejects.toThrow(/k must be/);
    const ac = new AbortController();
    const p = exactGroundTruth({ base: ds.vectors, queries: ds.queries, dim: 24, k: 5, metric: 'l2', signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow(/stop/);
  });
});
