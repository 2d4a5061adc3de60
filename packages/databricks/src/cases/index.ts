import type { DbxCase } from '../_internal/case-kit.js';
import { errorCases } from './errors.js';
import { operationCases } from './operations.js';
import { parameterCases } from './parameters.js';
import { resultCases } from './results.js';
import { seedCases } from './seed.js';

/** Every case of the Databricks suite, in catalog order (plain data: `for (const c of databricksCases) …`). */
export const databricksCases: readonly DbxCase[] = Object.freeze([...seedCases, ...parameterCases, ...resultCases, ...errorCases, ...operationCases]);
