import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../../target.js';
import { latencyFourSessions, latencyOneSession } from './percentiles.js';

/** VEC-040, VEC-041: latency percentiles and QPS at concurrency 1 and 4. */
export const latencyCases: readonly Case<VectorTarget>[] = [latencyOneSession, latencyFourSessions];
