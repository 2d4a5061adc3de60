// CancelRequest and statement timeouts. The area's cases, in catalog order.
export { cancelRequest, statementTimeout, setLocalScope } from './cancel-and-timeouts.js';
