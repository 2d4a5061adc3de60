// The simple query protocol. The area's cases, in catalog order.
export { multiStatementResults, emptyQuery, raiseNotice, multiStatementError, readyForQueryStatus, commandTags } from './simple-query-protocol.js';
