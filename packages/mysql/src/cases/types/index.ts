import type { MyCase } from '../../_internal/case-kit.js';
import { bits, blobs } from './binary.js';
import { collations, columnCharsets, utf8mb4 } from './charset.js';
import { jsonColumnType, jsonValues } from './json.js';
import { nullsEverywhere } from './nulls.js';
import { decimal, floats, integers } from './numbers.js';
import { charsAndText, enumsAndSets } from './strings.js';
import { datesAndDatetimes, timesAndYears, timestamps } from './temporal.js';

/** Type round trips with edge values over the text and the binary protocol, and character sets. */
export const typeCases: readonly MyCase[] = [
  integers,
  decimal,
  floats,
  datesAndDatetimes,
  timestamps,
  timesAndYears,
  charsAndText,
  blobs,
  bits,
  enumsAndSets,
  jsonValues,
  jsonColumnType,
  nullsEverywhere,
  utf8mb4,
  collations,
  columnCharsets,
];
