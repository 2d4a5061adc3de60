/**
 * @helios-conformance/databricks — Databricks SQL (Thrift TCLIService over HTTP) conformance suite,
 * driven by the official `@databricks/sql` driver.
 *
 * Three ways to run it: the `helios-databricks` CLI, `registerDatabricksSuite()` from
 * `@helios-conformance/databricks/vitest`, or the plain data in {@link databricksCases}.
 */
export { databricksSuite, openDatabricks, classifyDatabricksError, renderDatabricksConsole, renderDatabricksHtml, DATABRICKS_SUITE_VERSION, REFERENCE_LABEL } from './suite.js';
export { databricksCases } from './cases/index.js';
export { parseDatabricksDsn, DATABRICKS_DSN_EXAMPLE, type DatabricksDsn } from './dsn.js';
export type { DbxTarget, DbxSession, DbxOperation, DbxConnection, ExecuteOptions, DriverModule } from './target.js';
export { startReferenceEndpoint, databricksError, REFERENCE_DBMS_NAME, type ReferenceEndpoint, type ReferenceEndpointOptions, type ReferenceMutant } from './endpoint/server.js';
export { toPostgres, bindMarkers, statementKind, type Marker } from './endpoint/translate.js';
