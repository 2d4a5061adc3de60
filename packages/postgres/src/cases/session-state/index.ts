// Session state across transactions and clients: what a transaction-mode pooler breaks. The area's cases, in catalog order.
export { sessionSet, sqlPrepare, temporaryTables, sessionAdvisoryLock, withHoldCursor, loadLibrary, namedStatementsConcurrentClients } from './session-state.js';
