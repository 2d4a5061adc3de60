import type { MyCase } from '../../_internal/case-kit.js';
import { foreignKeys, notNull } from './constraints.js';
import { loadDataLocal, loadDataRefused } from './load-data.js';
import { ddlErrors, missingObjects } from './objects.js';
import { largePayload, oversizedPacket, streamedResult } from './payload.js';
import { sessionSurvivesErrors } from './recovery.js';
import { divisionByZero, strictMode, truncationWarnings } from './warnings.js';

/** Error numbers / SQLSTATEs, warnings and strict mode, LOAD DATA LOCAL INFILE, large payloads. */
export const errorCases: readonly MyCase[] = [
  missingObjects,
  notNull,
  foreignKeys,
  ddlErrors,
  sessionSurvivesErrors,
  strictMode,
  truncationWarnings,
  divisionByZero,
  loadDataLocal,
  loadDataRefused,
  largePayload,
  oversizedPacket,
  streamedResult,
];
