import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../../target.js';
import { deleteVectors } from './delete.js';
import { filterMatchesNothing, topKBeyondMatches } from './filtered-top-k.js';
import { infiniteComponent, nanComponent, wrongDimension } from './invalid-vectors.js';
import { largeVectorLayout } from './layout.js';
import { overwrite } from './overwrite.js';
import { queryValues } from './query-values.js';
import { roundTrip128, roundTrip1536 } from './round-trip.js';

export type { StorageIntrospection } from '../_internal/storage.js';

/**
 * VEC-100…VEC-110: what a vector store keeps is exactly what it was given. Generic over the
 * vector-store adapter: they run against pgvector and Pinecone(-compatible) endpoints alike.
 */
export const storageCases: readonly Case<VectorTarget>[] = [
  roundTrip128,
  roundTrip1536,
  queryValues,
  overwrite,
  deleteVectors,
  wrongDimension,
  nanComponent,
  infiniteComponent,
  topKBeyondMatches,
  filterMatchesNothing,
  largeVectorLayout,
];
