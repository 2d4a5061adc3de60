import type { MyCase } from '../_internal/case-kit.js';
import { connectionCases } from './connection.js';
import { errorCases } from './errors.js';
import { introspectionCases } from './introspection.js';
import { resultCases } from './results.js';
import { seedCases } from './seed.js';
import { transactionCases } from './transactions.js';
import { typeCases } from './types.js';

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
