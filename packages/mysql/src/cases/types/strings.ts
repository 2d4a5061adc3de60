import assert from 'node:assert/strict';
import { connect, defineMysqlCase, rows } from '../../_internal/case-kit.js';
import { roundTrip, str } from '../../_internal/round-trip.js';

/** MY-031: trailing spaces, escapes and the empty string. */
export const charsAndText = defineMysqlCase({
  id: 'MY-031',
  title: 'CHAR strips trailing spaces, VARCHAR and TEXT keep them; empty strings stay distinct from NULL',
  priority: 'p1',
  area: 'types',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/char.html',
  timeoutMs: 10_000,
  async run(ctx) {
    const vals = ['ab  ', '', 'x', "quote ' and \\ backslash", 'line\nbreak\ttab'];
    const esc = (v: string): string => `'${v.replaceAll('\\', '\\\\').replaceAll("'", "''").replaceAll('\n', '\\n').replaceAll('\t', '\\t')}'`;
    await roundTrip(ctx, 'my031_c', 'CHAR(30)', vals.map((v) => ({ lit: esc(v), param: v, expect: v.replace(/ +$/, '') })), str);
    await roundTrip(ctx, 'my031_v', 'VARCHAR(30)', vals.map((v) => ({ lit: esc(v), param: v, expect: v })), str);
    await roundTrip(ctx, 'my031_t', 'TEXT', [...vals, 'y'.repeat(60_000)].map((v) => ({ lit: esc(v), param: v, expect: v })), str);

    const conn = await connect(ctx);
    const [r] = await rows<{ e: string; n: unknown }>(conn, "SELECT v AS e, NULL AS n FROM my031_v WHERE v = '' LIMIT 1");
    assert.deepEqual([r?.e, r?.n], ['', null], 'empty string vs NULL');
  },
});

/** MY-034: ENUM and SET members. */
export const enumsAndSets = defineMysqlCase({
  id: 'MY-034',
  title: 'ENUM and SET keep their members; SET members come back in definition order',
  priority: 'p1',
  area: 'types',
  spec: 'https://dev.mysql.com/doc/refman/8.0/en/set.html',
  timeoutMs: 10_000,
  async run(ctx) {
    await roundTrip(ctx, 'my034_e', "ENUM('small','medium','large','😀')", ['small', 'large', '😀'].map((v) => ({ lit: `'${v}'`, param: v, expect: v })), str);
    const sets = [
      { lit: "'d,a'", param: 'd,a', expect: 'a,d' },
      { lit: "''", param: '', expect: '' },
      { lit: "'a,b,c,d'", param: 'a,b,c,d', expect: 'a,b,c,d' },
    ];
    await roundTrip(ctx, 'my034_s', "SET('a','b','c','d')", sets, str);
  },
});
