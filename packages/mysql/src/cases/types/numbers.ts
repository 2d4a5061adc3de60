import { defineMysqlCase } from '../../_internal/case-kit.js';
import { intSamples, num, relClose, roundTrip, str } from '../../_internal/round-trip.js';

const TYPES_SPEC = 'https://dev.mysql.com/doc/refman/8.0/en/data-types.html';

/** MY-025: every integer width, signed and unsigned. */
export const integers = defineMysqlCase({
  id: 'MY-025',
  title: 'Integers: TINYINT…BIGINT signed and unsigned keep their minimum and maximum over both protocols',
  priority: 'p0',
  area: 'types',
  spec: TYPES_SPEC,
  // Ten tables, each with its own connection, inserts and reads (about 250 round trips): through a
  // hop that adds up to 40 ms each way they took 10 s of the 20 s this case used to have; 60 s
  // leaves room for a slower link.
  timeoutMs: 60_000,
  async run(ctx) {
    for (const [name, bits] of [['TINYINT', 8], ['SMALLINT', 16], ['MEDIUMINT', 24], ['INT', 32], ['BIGINT', 64]] as const) {
      await roundTrip(ctx, `my025_${name.toLowerCase()}`, name, intSamples(bits, false), str);
      await roundTrip(ctx, `my025_${name.toLowerCase()}_u`, `${name} UNSIGNED`, intSamples(bits, true), str);
    }
  },
});

/** MY-026: DECIMAL at its widest. */
export const decimal = defineMysqlCase({
  id: 'MY-026',
  title: 'DECIMAL(65,30) keeps all 65 digits exactly (largest, smallest, negative, zero)',
  priority: 'p0',
  area: 'types',
  spec: TYPES_SPEC,
  timeoutMs: 10_000,
  async run(ctx) {
    const big = `${'9'.repeat(35)}.${'9'.repeat(30)}`;
    const tiny = `0.${'0'.repeat(29)}1`;
    const values = [big, `-${big}`, tiny, `-${tiny}`, '12345.678900000000000000000000000000', '0.000000000000000000000000000000'];
    await roundTrip(ctx, 'my026', 'DECIMAL(65,30)', values.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), str);
  },
});

/** MY-027: floating point within its precision. */
export const floats = defineMysqlCase({
  id: 'MY-027',
  title: 'FLOAT and DOUBLE keep edge values (max, min normal, negative, fractions) within their precision',
  priority: 'p1',
  area: 'types',
  spec: TYPES_SPEC,
  timeoutMs: 10_000,
  async run(ctx) {
    const d = [1.7976931348623157e308, -1.7976931348623157e308, 2.2250738585072014e-308, 0.1, -0.5, 0, 123456789.12345679];
    await roundTrip(ctx, 'my027_d', 'DOUBLE', d.map((v) => ({ lit: String(v), param: v, expect: v })), num, { same: relClose(1e-15) });
    const f = [3.402823e38, -3.402823e38, 1.175494e-38, 0.5, -1.25, 0, 16777216];
    await roundTrip(ctx, 'my027_f', 'FLOAT', f.map((v) => ({ lit: String(v), param: v, expect: v })), num, { same: relClose(1e-5) });
  },
});
