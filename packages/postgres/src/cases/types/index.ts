// Data types: round trips and input errors. The area's cases, in catalog order.
export { integerLimits, integerOutOfRange, numericPrecision, floatSpecials } from './numbers.js';
export { booleans, unicodeText, invalidUtf8, byteaAllBytes } from './text-bytes.js';
export { dates, times, timestamptzZones, timestampEdges, intervals } from './date-time.js';
export { uuids } from './text-bytes.js';
export { jsonVsJsonb, arrays } from './json-arrays.js';
export { enums, composites, ranges, domains } from './user-types.js';
