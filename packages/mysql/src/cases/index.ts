import type { MyCase } from '../_internal/case-kit.js';
import { connectionCases } from './connection/index.js';
import { errorCases } from './errors/index.js';
import { introspectionCases } from './introspection/index.js';
import { resultCases } from './results/index.js';
import { seedCases } from './seed/index.js';
import { transactionCases } from './transactions/index.js';
import { typeCases } from './types/index.js';

/** Every case of the MySQL suite, in catalog order (plain data: `for (const c of mysqlCases) …`). */
export const mysqlCases: readonly MyCase[] = Object.freeze([
  ...seedCases,
  ...connectionCases,
  ...typeCases,
  ...resultCases,
  ...transactionCases,
  ...errorCases,
  ...introspectionCases,
]);
