import type { Case } from '@helios-conformance/core';
import type { PgTarget } from '../adapter.js';

/** Cases beyond the seed: errors, transactions, LISTEN/NOTIFY, cancel, timeouts, streaming, catalog queries (PG-070..PG-099). */
export const behaviourCases: readonly Case<PgTarget>[] = [];
