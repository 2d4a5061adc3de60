import { defineMysqlCase } from '../../_internal/case-kit.js';
import { hex, roundTrip } from '../../_internal/round-trip.js';

const TYPES_SPEC = 'https://dev.mysql.com/doc/refman/8.0/en/data-types.html';

/** MY-032: every byte value in binary strings. */
export const blobs = defineMysqlCase({
  id: 'MY-032',
  title: 'BLOB and VARBINARY keep all 256 byte values, including NUL and 0xFF',
  priority: 'p0',
  area: 'types',
  spec: TYPES_SPEC,
  timeoutMs: 10_000,
  async run(ctx) {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const bufs = [all, Buffer.alloc(0), Buffer.from([0]), Buffer.from([0xff, 0x00, 0x27, 0x5c, 0x22]), Buffer.alloc(100_000, 0xab)];
    const sample = (b: Buffer): { lit: string; param: Buffer; expect: string } => ({ lit: `X'${b.toString('hex')}'`, param: b, expect: b.toString('hex') });
    await roundTrip(ctx, 'my032_b', 'LONGBLOB', bufs.map(sample), hex);
    await roundTrip(ctx, 'my032_vb', 'VARBINARY(300)', bufs.slice(0, 4).map(sample), hex);
  },
});

/** MY-033: BIT columns. */
export const bits = defineMysqlCase({
  id: 'MY-033',
  title: 'BIT(1) and BIT(64) keep every bit over both protocols',
  priority: 'p1',
  area: 'types',
  spec: TYPES_SPEC,
  timeoutMs: 10_000,
  async run(ctx) {
    const b64 = ['ffffffffffffffff', '0000000000000001', '8000000000000000', '0000000000000000'];
    await roundTrip(ctx, 'my033_64', 'BIT(64)', b64.map((h) => ({ lit: `X'${h}'`, param: Buffer.from(h, 'hex'), expect: h })), hex);
    const b1 = [
      { lit: "b'1'", param: Buffer.from([1]), expect: '01' },
      { lit: "b'0'", param: Buffer.from([0]), expect: '00' },
    ];
    await roundTrip(ctx, 'my033_1', 'BIT(1)', b1, hex);
  },
});
