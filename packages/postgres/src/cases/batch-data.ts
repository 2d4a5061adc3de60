import type { Case } from '@helios-conformance/core';
import type { PgTarget } from '@helios-conformance/sql/postgres';
import { copyOutBinary, copyOutCsv, copyOutQuery, copyOutStream, copyOutText } from './copy/copy-out.js';
import { copyInBinary, copyInCsv, copyInError, copyRoundTrip } from './copy/copy-in.js';
import { floatSpecials, integerLimits, integerOutOfRange, numericPrecision } from './types/numbers.js';
import { booleans, byteaAllBytes, invalidUtf8, unicodeText, uuids } from './types/text-bytes.js';
import { dates, intervals, timestampEdges, timestamptzZones, times } from './types/date-time.js';
import { arrays, jsonVsJsonb } from './types/json-arrays.js';
import { composites, domains, enums, ranges } from './types/user-types.js';

/**
 * Cases beyond the seed: COPY and type round trips (PG-040..PG-068).
 *
 * Catalog order is run order: the type cases and COPY TO STDOUT run first, the COPY FROM STDIN
 * cases (PG-045..PG-048) last, because on some endpoints (embedded PGlite) a CopyIn kills the
 * connection and the endpoint with it.
 */
export const dataCases: readonly Case<PgTarget>[] = [
  copyOutText,
  copyOutCsv,
  copyOutQuery,
  copyOutBinary,
  copyOutStream,
  integerLimits,
  integerOutOfRange,
  numericPrecision,
  floatSpecials,
  booleans,
  unicodeText,
  invalidUtf8,
  byteaAllBytes,
  dates,
  times,
  timestamptzZones,
  timestampEdges,
  intervals,
  uuids,
  jsonVsJsonb,
  arrays,
  enums,
  composites,
  ranges,
  domains,
  copyInCsv,
  copyInBinary,
  copyInError,
  copyRoundTrip,
];
