import type { Case } from '@helios-conformance/core';
import type { PgTarget } from '../adapter.js';

/** Cases beyond the seed: startup, authentication, TLS, simple and extended query (PG-009..PG-039). */
export const protocolCases: readonly Case<PgTarget>[] = [];
