// Transactions: visibility, savepoints, modes, deferred constraints. The area's cases, in catalog order.
export { twoSessionVisibility } from './two-session-visibility.js';
export { savepoints, savepointErrorRecovery } from './savepoints.js';
export { readOnlyTransaction, isolationLevels } from './modes.js';
export { deferredUnique, deferredForeignKey } from './deferred-constraints.js';
export { commitOfFailedTransaction } from './modes.js';
