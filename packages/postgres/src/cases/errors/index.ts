// Errors: SQLSTATEs, aborted transactions, concurrency aborts, cached plans. The area's cases, in catalog order.
export { sqlstateCodes } from './sqlstate.js';
export { integrityViolations, undefinedObjects, divisionByZero, abortedTransaction } from './common-sqlstates.js';
export { serializationFailureUpdate, serializationFailureWriteSkew, deadlockDetected } from './concurrency.js';
export { preparedAfterDdl } from './cached-plan.js';
