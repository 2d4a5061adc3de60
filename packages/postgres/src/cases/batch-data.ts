import type { Case } from '@helios-conformance/core';
import type { PgTarget } from '../adapter.js';

/** Cases beyond the seed: COPY and type round trips (PG-040..PG-069). */
export const dataCases: readonly Case<PgTarget>[] = [];
