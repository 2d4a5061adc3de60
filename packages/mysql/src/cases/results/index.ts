import type { MyCase } from '../../_internal/case-kit.js';
import { columnDefinitions, emptyResultMetadata } from './metadata.js';
import { multiStatements, noMultiStatements, procedureResults } from './multi-results.js';
import { foundRows, insertIds, statusFlags, upsertCounts } from './ok-packet.js';
import { preparedErrors, preparedReuse, sqlPrepare } from './prepared.js';

/** OK packets (insertId, affectedRows, changedRows, status flags), multiple statements and result sets, prepared statements. */
export const resultCases: readonly MyCase[] = [
  insertIds,
  foundRows,
  upsertCounts,
  statusFlags,
  multiStatements,
  noMultiStatements,
  procedureResults,
  emptyResultMetadata,
  columnDefinitions,
  preparedReuse,
  preparedErrors,
  sqlPrepare,
];
