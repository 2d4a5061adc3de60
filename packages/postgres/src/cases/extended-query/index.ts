// The extended query protocol: Parse/Bind/Describe/Execute/Close, pipelining, formats. The area's cases, in catalog order.
export { preparedStatements } from './prepared-statements.js';
export { namedStatementReuse, unnamedStatement, describeStatement, portalSuspended, binaryFormat, pipelineBeforeSync, pipelineError, parameterTypes, nullParameters, closeStatement, flushMessage } from './protocol-messages.js';
