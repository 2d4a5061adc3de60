import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../target.js';
import { seedFilteredCase, selectivityCases } from './filtered.js';
import { ivfflatCase } from './ivfflat.js';
import { latencyCases } from './latency.js';
import { recallCases } from './recall.js';
import { sweepCase } from './sweep.js';
import { pineconeCases } from './pinecone.js';
import { storageCases } from './storage.js';

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
export const vectorCases: readonly Case<VectorTarget>[] = [...pineconeCases, ...searchCases, ...storageCases];
