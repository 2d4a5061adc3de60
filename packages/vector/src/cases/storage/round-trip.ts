import assert from 'node:assert/strict';
import type { VectorRecord } from '../../adapter.js';
import { defineVectorCase, upsertAll, type VectorContext } from '../../_internal/case-kit.js';
import { compareBits, extremeVector, openCaseCollection, recordStorage, sameMetadata } from '../_internal/storage.js';

/** Upserts `count` vectors of random float32 bit patterns with metadata, fetches them back and compares bit for bit. */
async function roundTrip(ctx: VectorContext, dim: number, count: number): Promise<void> {
  const col = await openCaseCollection(ctx, 'rt', dim);
  const records: VectorRecord[] = Array.from({ length: count }, (_, i) => ({
    id: `v${i}`,
    values: extremeVector(ctx.rng, dim),
    metadata: { category: i % 2 ? 'odd' : 'even', price: i + 0.25 },
  }));
  await upsertAll(ctx, col, records);
  const got = await col.fetch(records.map((r) => r.id), ctx.signal);
  let mismatches = 0;
  let zerosLost = 0;
  const problems: string[] = [];
  for (const r of records) {
    const g = got.get(r.id);
    const d = compareBits(r.values, g?.values);
    mismatches += d.mismatches;
    zerosLost += d.signedZeroLost;
    if (d.first && problems.length < 3) problems.push(`${r.id} ${d.first}`);
    if (g && !sameMetadata(r.metadata, g.metadata) && problems.length < 3) problems.push(`${r.id} metadata ${JSON.stringify(g.metadata)}, stored ${JSON.stringify(r.metadata)}`);
  }
  recordStorage(ctx, { dimension: dim, vectors: count, components: dim * count, returned: got.size, mismatches, signedZeroPreserved: zerosLost === 0 });

  assert.equal(got.size, count, 'vectors fetch returned of those stored');
  if (problems.length) assert.fail(`${mismatches} of ${dim * count} components changed in the round trip; ${problems.join('; ')}`);
}

/** VEC-100: 128 dimensions. */
export const roundTrip128 = defineVectorCase({
  id: 'VEC-100',
  title: '128-dimension vectors round-trip bit-exactly (float32 bits, every exponent) with their metadata',
  priority: 'p0',
  area: 'storage',
  since: '0.1.0',
  run: (ctx) => roundTrip(ctx, 128, 50),
});

/** VEC-101: 1536 dimensions. */
export const roundTrip1536 = defineVectorCase({
  id: 'VEC-101',
  title: '1536-dimension vectors round-trip bit-exactly (float32 bits, every exponent) with their metadata',
  priority: 'p0',
  area: 'storage',
  since: '0.1.0',
  run: (ctx) => roundTrip(ctx, 1536, 20),
});
