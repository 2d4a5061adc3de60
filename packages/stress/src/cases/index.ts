import type { Case } from '@helios-conformance/core';
import type { StressTarget } from '../target.js';
import { latencyCases } from './latency/index.js';
import { seedCases } from './seed/index.js';
import { sessionCases } from './sessions/index.js';

/** Every stress case, in catalog order: the seed's first, then the framework design's. */
export const stressCases: readonly Case<StressTarget>[] = [...seedCases, ...sessionCases, ...latencyCases];
export { seedCases, latencyCases, sessionCases };
export { writersAndListeners, connectionLeak, backlogBounded, gracefulDegradation } from './sessions/index.js';
export { queryLatencyUnderStress } from './seed/index.js';
export { pointQuerySla } from './latency/index.js';
