import { queryLatencyUnderStress } from './t225-query-latency.js';

/** The seed's stress cases (kalamdb-testing-strategy.md T220…T228), in the seed's order. */
export const seedCases = [queryLatencyUnderStress] as const;
export { queryLatencyUnderStress };
