import type { Case } from '@helios-conformance/core';
import type { StressTarget } from '../target.js';
import { latencyCases } from './latency/index.js';
import { seedCases } from './seed/index.js';
import { resourceCases } from './resources/index.js';
import { sessionCases } from './sessions/index.js';

/** Every stress case, in catalog order: the seed's first (in its T2xx order), then the framework design's. */
export const stressCases: readonly Case<StressTarget>[] = [...[...seedCases, ...resourceCases, ...sessionCases].sort((a, b) => a.id.localeCompare(b.id)), ...latencyCases];
export { seedCases, latencyCases, resourceCases, sessionCases };
export { writersAndListeners, connectionLeak, backlogBounded, gracefulDegradation } from './sessions/index.js';
export { queryLatencyUnderStress } from './seed/index.js';
export { pointQuerySla } from './latency/index.js';
export { memoryUnderWriteLoad, cpuUnderInsertLoad, memoryReleaseAfterStress, flushDuringStress } from './resources/index.js';
