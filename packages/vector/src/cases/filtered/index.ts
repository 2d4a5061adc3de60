import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../../target.js';
import { seedFilteredRecall } from './seed.js';
import {
  filteredCategoryAt1,
  filteredPriceAt1,
  filteredCombinedAt1,
  filteredCategoryAt10,
  filteredPriceAt10,
  filteredCombinedAt10,
  filteredCategoryAt50,
  filteredPriceAt50,
  filteredCombinedAt50,
  filteredCategoryAt99,
  filteredPriceAt99,
  filteredCombinedAt99,
} from './selectivity.js';

export { FILTERED_THRESHOLD } from '../_internal/filtered-paths.js';

/** VEC-010 (the seed's filtered recall), then VEC-011…VEC-022: 1 / 10 / 50 / 99 % × category, price, both. */
export const filteredCases: readonly Case<VectorTarget>[] = [
  seedFilteredRecall,
  filteredCategoryAt1,
  filteredPriceAt1,
  filteredCombinedAt1,
  filteredCategoryAt10,
  filteredPriceAt10,
  filteredCombinedAt10,
  filteredCategoryAt50,
  filteredPriceAt50,
  filteredCombinedAt50,
  filteredCategoryAt99,
  filteredPriceAt99,
  filteredCombinedAt99,
];
