// Catalog queries: information_schema, pg_catalog, server information. The area's cases, in catalog order.
export { informationSchema } from './information-schema.js';
export { pgTypeOids, primaryKeyColumns, pgClassNamespace } from './pg-catalog.js';
export { serverVersion, sessionInfo } from './server-info.js';
