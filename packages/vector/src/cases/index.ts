import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../target.js';
import { buildCases } from './build/index.js';
import { filteredCases } from './filtered/index.js';
import { latencyCases } from './latency/index.js';
import { pineconeCases } from './pinecone/index.js';
import { ivfflatRecall, recallCases } from './recall/index.js';
import { storageCases } from './storage/index.js';
import { sweepCases } from './sweep/index.js';

/**
 * The search cases, VEC-001…VEC-050, in catalog order. VEC-050 (IVFFlat recall, area `recall`)
 * has always come after the build case VEC-042: it stays there, because the catalog order is what
 * `--list`, the reports and the docs page show.
 */
export const searchCases: readonly Case<VectorTarget>[] = [...recallCases, ...filteredCases, ...sweepCases, ...latencyCases, ...buildCases, ivfflatRecall];

/** Every vector case, in catalog order: Pinecone, search, storage. */
export const vectorCases: readonly Case<VectorTarget>[] = [...pineconeCases, ...searchCases, ...storageCases];
