import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../../target.js';
import { initializeClient } from './client.js';
import { filteredSearch, upsertAndQuery } from './query.js';
import { scoresAsDistances } from './scores.js';

/**
 * PC-001…PC-004: Pinecone compatibility (seed: heliosdb-protocol-compatibility-suite, P1 = Silver).
 * They drive the endpoint through the vector-store adapter and need `pinecone-api` (declared by
 * the Pinecone adapter), so they are n/a against pgvector.
 */
export const pineconeCases: readonly Case<VectorTarget>[] = [initializeClient, upsertAndQuery, filteredSearch, scoresAsDistances];
