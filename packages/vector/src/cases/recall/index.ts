import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../../target.js';
import { recallCosineAt1, recallCosineAt10, recallCosineAt100, recallIpAt1, recallIpAt10, recallIpAt100, recallL2At1, recallL2At10, recallL2At100 } from './hnsw.js';

export { RECALL_THRESHOLD, efSearchFor } from './hnsw.js';
export { ivfflatRecall, IVF_THRESHOLD, IVF_PROBES } from './ivfflat.js';

/**
 * VEC-001…VEC-009: recall@1/10/100 of HNSW for cosine, L2 and inner product. VEC-050 (IVFFlat) is
 * in this area too but keeps its place in the catalog after the build case: see ../index.ts.
 */
export const recallCases: readonly Case<VectorTarget>[] = [
  recallCosineAt1,
  recallCosineAt10,
  recallCosineAt100,
  recallL2At1,
  recallL2At10,
  recallL2At100,
  recallIpAt1,
  recallIpAt10,
  recallIpAt100,
];
