import { pointQuerySla } from './point-query.js';

/** Latency cases beyond the seed's T2xx list, in catalog order. */
export const latencyCases = [pointQuerySla] as const;
export { pointQuerySla };
