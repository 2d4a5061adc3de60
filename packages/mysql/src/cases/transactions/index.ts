import type { MyCase } from '../../_internal/case-kit.js';
import { isolationLevels } from './isolation.js';
import { killQuery } from './kill-query.js';
import { deadlock, lockWaitTimeout, selectForUpdate } from './locking.js';
import { readOnlyTransaction, rollback, savepoints } from './rollback.js';

/** Transactions: rollback, savepoints, read-only, isolation, lock waits, deadlocks and KILL QUERY. */
export const transactionCases: readonly MyCase[] = [rollback, savepoints, readOnlyTransaction, lockWaitTimeout, deadlock, isolationLevels, selectForUpdate, killQuery];
