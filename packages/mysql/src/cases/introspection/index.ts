import type { MyCase } from '../../_internal/case-kit.js';
import { mariadbConnectorFeatures, mysql2Pool } from './drivers.js';
import { indexesAndForeignKeys, tablesAndColumns } from './information-schema.js';
import { kyselyIntrospection } from './query-builder.js';
import { namedLocks, temporaryTables } from './sessions.js';
import { showStatements } from './show.js';

/** information_schema introspection that ORMs send, SHOW statements, pools and more driver round trips. */
export const introspectionCases: readonly MyCase[] = [
  tablesAndColumns,
  indexesAndForeignKeys,
  kyselyIntrospection,
  showStatements,
  mysql2Pool,
  mariadbConnectorFeatures,
  temporaryTables,
  namedLocks,
];
