import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../target.js';
import { seedFilteredCase, selectivityCases } from './filtered.js';
import { ivfflatCase } from './ivfflat.js';
import { latencyCases } from './latency.js';
import { recallCases } from './recall.js';
import { sweepCase } from './sweep.js';
// PINECONE/STORAGE WIRING: `pineconeCases` (src/cases/pinecone.ts, PC-*) and `storageCases`
// (src/cases/storage.ts, VEC-100…VEC-149) are written in parallel by another engineer; when
// they land, import them here and add them to `vectorCases` (and their prefixes to the suite).

/** The vector catalog owned by this module: recall, filtered search, sweep, latency, build, IVFFlat. */
export const searchCases: readonly Case<VectorTarget>[] = [
  ...recallCases,
  seedFilteredCase,
  ...selectivityCases,
  sweepCase,
  ...latencyCases,
  ivfflatCase,
];

/** Every vector case, in run order. */
export const vectorCases: readonly Case<VectorTarget>[] = [...searchCases];
