import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../../target.js';
import { efSearchSweep } from './ef-search.js';

export { SWEEP_EF } from './ef-search.js';

/** VEC-030: the ef_search sweep. */
export const sweepCases: readonly Case<VectorTarget>[] = [efSearchSweep];
