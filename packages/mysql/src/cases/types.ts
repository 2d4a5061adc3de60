import { isDeepStrictEqual } from 'node:util';
import type { ConnectionOptions } from 'mysql2/promise';
import { check, connect, createTable, eq, exec, myCase, rows, xrows, type Ctx, type MyCase } from '../_internal/case-kit.js';

const TYPES_SPEC = 'https://dev.mysql.com/doc/refman/8.0/en/data-types.html';

/** One value of a round trip: an SQL literal, the same value as a bound parameter, and what must come back. */
interface Sample {
  lit: string;
  param: unknown;
  expect: unknown;
}

type Norm = (v: unknown) => unknown;

const str: Norm = (v) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
const hex: Norm = (v) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('hex') : `not bytes: ${String(v)}`);
/** Pads the fraction of a temporal string to `fsp` digits (drivers drop zero fractions in the binary protocol). */
const frac =
  (fsp: number): Norm =>
  (v) => {
    if (v === null) return null;
    const s = String(v);
    if (fsp === 0) return s.replace(/\.0+$/, '');
    const [whole, f = ''] = s.split('.');
    return `${whole}.${f.padEnd(fsp, '0')}`;
  };

/**
 * Inserts every sample twice (as a literal over the text protocol and as a bound parameter
 * over the binary protocol), reads all rows back over both protocols, and compares each
 * normalized value with what is expected. `same` decides equality (deep equality by default).
 */
async function roundTrip(
  ctx: Ctx,
  table: string,
  columnType: string,
  samples: Sample[],
  norm: Norm,
  same: (a: unknown, b: unknown) => boolean = isDeepStrictEqual,
  setup?: string,
  extra?: Partial<ConnectionOptions>,
): Promise<void> {
  const conn = await connect(ctx, extra);
  if (setup) await exec(conn, setup);
  await createTable(conn, table, `id INT PRIMARY KEY, v ${columnType}`);
  for (const [i, s] of samples.entries()) {
    await exec(conn, `INSERT INTO ${table} VALUES (${i * 2}, ${s.lit})`);
    await conn.execute(`INSERT INTO ${table} VALUES (?, ?)`, [i * 2 + 1, s.param] as never);
  }
  const text = await rows<{ id: number; v: unknown }>(conn, `SELECT id, v FROM ${table} ORDER BY id`);
  const bin = await xrows<{ id: number; v: unknown }>(conn, `SELECT id, v FROM ${table} WHERE id >= ? ORDER BY id`, [0]);
  eq(ctx, text.length, samples.length * 2, `${columnType}: rows read back`);
  for (const [proto, list] of [['text', text], ['binary', bin]] as const) {
    for (const r of list) {
      const s = samples[Math.floor(Number(r.id) / 2)] as Sample;
      const how = Number(r.id) % 2 === 0 ? 'literal' : 'bound parameter';
      const got = norm(r.v);
      if (!same(got, s.expect)) {
        ctx.fail(`${columnType} ${s.lit} (inserted as ${how}) read over the ${proto} protocol: expected ${JSON.stringify(s.expect)}, got ${JSON.stringify(got)}`);
      }
    }
  }
}

const ints = (bits: number, unsigned: boolean): Sample[] => {
  const max = unsigned ? 2n ** BigInt(bits) - 1n : 2n ** BigInt(bits - 1) - 1n;
  const min = unsigned ? 0n : -(2n ** BigInt(bits - 1));
  const p = (n: bigint): unknown => (bits === 64 ? n.toString() : Number(n));
  return [min, max, unsigned ? 1n : -1n, 0n].map((n) => ({ lit: n.toString(), param: p(n), expect: n.toString() }));
};

const relClose = (tol: number) => (a: unknown, b: unknown) => {
  const x = Number(a);
  const y = Number(b);
  if (x === y) return true;
  return Math.abs(x - y) <= tol * Math.max(Math.abs(x), Math.abs(y));
};

/** Type round trips with edge values, over the text and the binary protocol. */
export const typeCases: MyCase[] = [
  myCase({
    id: 'MY-025',
    title: 'Integers: TINYINT…BIGINT signed and unsigned keep their minimum and maximum over both protocols',
    priority: 'p0',
    area: 'types',
    spec: TYPES_SPEC,
    timeoutMs: 20_000,
    async run(ctx) {
      for (const [name, bits] of [['TINYINT', 8], ['SMALLINT', 16], ['MEDIUMINT', 24], ['INT', 32], ['BIGINT', 64]] as const) {
        await roundTrip(ctx, `my025_${name.toLowerCase()}`, name, ints(bits, false), str);
        await roundTrip(ctx, `my025_${name.toLowerCase()}_u`, `${name} UNSIGNED`, ints(bits, true), str);
      }
    },
  }),
  myCase({
    id: 'MY-026',
    title: 'DECIMAL(65,30) keeps all 65 digits exactly (largest, smallest, negative, zero)',
    priority: 'p0',
    area: 'types',
    spec: TYPES_SPEC,
    timeoutMs: 10_000,
    async run(ctx) {
      const big = `${'9'.repeat(35)}.${'9'.repeat(30)}`;
      const tiny = `0.${'0'.repeat(29)}1`;
      const samples = [big, `-${big}`, tiny, `-${tiny}`, '12345.678900000000000000000000000000', '0.000000000000000000000000000000'].map((v) => ({
        lit: `'${v}'`,
        param: v,
        expect: v.includes('.') && v.split('.')[1]?.length === 30 ? v : v,
      }));
      await roundTrip(ctx, 'my026', 'DECIMAL(65,30)', samples, str);
    },
  }),
  myCase({
    id: 'MY-027',
    title: 'FLOAT and DOUBLE keep edge values (max, min normal, negative, fractions) within their precision',
    priority: 'p1',
    area: 'types',
    spec: TYPES_SPEC,
    timeoutMs: 10_000,
    async run(ctx) {
      const d = [1.7976931348623157e308, -1.7976931348623157e308, 2.2250738585072014e-308, 0.1, -0.5, 0, 123456789.12345679];
      await roundTrip(ctx, 'my027_d', 'DOUBLE', d.map((v) => ({ lit: String(v), param: v, expect: v })), (v) => (v === null ? null : Number(v)), relClose(1e-15));
      const f = [3.402823e38, -3.402823e38, 1.175494e-38, 0.5, -1.25, 0, 16777216];
      await roundTrip(ctx, 'my027_f', 'FLOAT', f.map((v) => ({ lit: String(v), param: v, expect: v })), (v) => (v === null ? null : Number(v)), relClose(1e-5));
    },
  }),
  myCase({
    id: 'MY-028',
    title: 'DATE and DATETIME(6) keep their full range with microseconds',
    priority: 'p0',
    area: 'types',
    spec: TYPES_SPEC,
    timeoutMs: 10_000,
    async run(ctx) {
      const dates = ['1000-01-01', '9999-12-31', '2024-02-29', '1970-01-01'];
      await roundTrip(ctx, 'my028_d', 'DATE', dates.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), str);
      const dts = ['1000-01-01 00:00:00.000000', '9999-12-31 23:59:59.999999', '2024-02-29 12:34:56.123456', '2000-01-01 00:00:00.000001'];
      await roundTrip(ctx, 'my028_dt', 'DATETIME(6)', dts.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), frac(6));
    },
  }),
  myCase({
    id: 'MY-029',
    title: 'TIMESTAMP(6) keeps its range in a +00:00 session and converts with the session time_zone',
    priority: 'p1',
    area: 'types',
    spec: TYPES_SPEC,
    timeoutMs: 10_000,
    async run(ctx) {
      const ts = ['1970-01-01 00:00:01.000000', '2038-01-19 03:14:07.999999', '2001-09-09 01:46:40.500000'];
      await roundTrip(ctx, 'my029', 'TIMESTAMP(6) NULL', ts.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), frac(6), isDeepStrictEqual, "SET time_zone = '+00:00'");
      const conn = await connect(ctx);
      await exec(conn, "SET time_zone = '+00:00'");
      await createTable(conn, 'my029_tz', 'v TIMESTAMP NULL');
      await exec(conn, "INSERT INTO my029_tz VALUES ('2020-06-01 12:00:00')");
      await exec(conn, "SET time_zone = '+02:00'");
      const [r] = await rows<{ v: string }>(conn, 'SELECT v FROM my029_tz');
      eq(ctx, r?.v, '2020-06-01 14:00:00', 'TIMESTAMP read in a +02:00 session');
    },
  }),
  myCase({
    id: 'MY-030',
    title: 'TIME(6) keeps -838:59:59 … 838:59:59 with fractions, and YEAR keeps 1901 … 2155',
    priority: 'p1',
    area: 'types',
    spec: TYPES_SPEC,
    timeoutMs: 10_000,
    async run(ctx) {
      const t = ['-838:59:59.000000', '838:59:59.000000', '00:00:00.500000', '-00:00:01.000000', '23:59:59.999999'];
      await roundTrip(ctx, 'my030_t', 'TIME(6)', t.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), frac(6));
      const y = [1901, 2155, 2000];
      await roundTrip(ctx, 'my030_y', 'YEAR', y.map((v) => ({ lit: String(v), param: v, expect: String(v) })), str);
    },
  }),
  myCase({
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
      eq(ctx, [r?.e, r?.n], ['', null], 'empty string vs NULL');
    },
  }),
  myCase({
    id: 'MY-032',
    title: 'BLOB and VARBINARY keep all 256 byte values, including NUL and 0xFF',
    priority: 'p0',
    area: 'types',
    spec: TYPES_SPEC,
    timeoutMs: 10_000,
    async run(ctx) {
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const bufs = [all, Buffer.alloc(0), Buffer.from([0]), Buffer.from([0xff, 0x00, 0x27, 0x5c, 0x22]), Buffer.alloc(100_000, 0xab)];
      await roundTrip(ctx, 'my032_b', 'LONGBLOB', bufs.map((b) => ({ lit: `X'${b.toString('hex')}'`, param: b, expect: b.toString('hex') })), hex);
      await roundTrip(ctx, 'my032_vb', 'VARBINARY(300)', bufs.slice(0, 4).map((b) => ({ lit: `X'${b.toString('hex')}'`, param: b, expect: b.toString('hex') })), hex);
    },
  }),
  myCase({
    id: 'MY-033',
    title: 'BIT(1) and BIT(64) keep every bit over both protocols',
    priority: 'p1',
    area: 'types',
    spec: TYPES_SPEC,
    timeoutMs: 10_000,
    async run(ctx) {
      const b64 = ['ffffffffffffffff', '0000000000000001', '8000000000000000', '0000000000000000'];
      await roundTrip(ctx, 'my033_64', 'BIT(64)', b64.map((h) => ({ lit: `X'${h}'`, param: Buffer.from(h, 'hex'), expect: h })), hex);
      await roundTrip(ctx, 'my033_1', 'BIT(1)', [
        { lit: "b'1'", param: Buffer.from([1]), expect: '01' },
        { lit: "b'0'", param: Buffer.from([0]), expect: '00' },
      ], hex);
    },
  }),
  myCase({
    id: 'MY-034',
    title: 'ENUM and SET keep their members; SET members come back in definition order',
    priority: 'p1',
    area: 'types',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/set.html',
    timeoutMs: 10_000,
    async run(ctx) {
      await roundTrip(ctx, 'my034_e', "ENUM('small','medium','large','😀')", ['small', 'large', '😀'].map((v) => ({ lit: `'${v}'`, param: v, expect: v })), str);
      await roundTrip(
        ctx,
        'my034_s',
        "SET('a','b','c','d')",
        [
          { lit: "'d,a'", param: 'd,a', expect: 'a,d' },
          { lit: "''", param: '', expect: '' },
          { lit: "'a,b,c,d'", param: 'a,b,c,d', expect: 'a,b,c,d' },
        ],
        str,
      );
    },
  }),
  myCase({
    id: 'MY-035',
    title: 'JSON values round-trip semantically (nested objects, arrays, unicode, numbers) and invalid JSON is rejected',
    priority: 'p1',
    area: 'types',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/json.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const docs: unknown[] = [{ a: [1, 2.5, null, true], b: 'é😀', c: { d: {} } }, [], 'just a string', 42, null];
      const parse: Norm = (v) => (v === null ? null : typeof v === 'string' ? JSON.parse(v) : Buffer.isBuffer(v) ? JSON.parse(v.toString('utf8')) : v);
      await roundTrip(
        ctx,
        'my035',
        'JSON',
        docs.filter((d) => d !== null).map((d) => ({ lit: `'${JSON.stringify(d).replaceAll("'", "''")}'`, param: JSON.stringify(d), expect: d })),
        parse,
        isDeepStrictEqual,
        undefined,
        { jsonStrings: true },
      );
      const conn = await connect(ctx, { jsonStrings: true });
      const [r] = await rows<{ x: unknown }>(conn, `SELECT JSON_EXTRACT(v, '$.b') AS x FROM my035 WHERE id = 0`);
      eq(ctx, parse(r?.x), 'é😀', "JSON_EXTRACT(v, '$.b')");
      const err = await conn.query("INSERT INTO my035 VALUES (100, '{not json')").then(
        () => null,
        (e: { errno?: number }) => e,
      );
      check(ctx, err !== null, 'invalid JSON was accepted into a JSON column');
      ctx.log(`invalid JSON rejected with errno ${err.errno}`);
    },
  }),
  myCase({
    id: 'MY-036',
    title: 'A JSON column is described as MYSQL_TYPE_JSON (245) in the result set metadata',
    priority: 'p2',
    area: 'types',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/field__types_8h.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my036', 'v JSON');
      const [, fields] = await conn.query('SELECT v FROM my036');
      const t = (fields?.[0] as { columnType?: number; type?: number } | undefined)?.columnType;
      ctx.metric('columnType', t);
      eq(ctx, t, 245, 'column type of a JSON column');
    },
  }),
  myCase({
    id: 'MY-037',
    title: 'NULL in every column type comes back as NULL over both protocols (NULL bitmap)',
    priority: 'p0',
    area: 'types',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      const cols = ['TINYINT', 'BIGINT UNSIGNED', 'DECIMAL(10,2)', 'DOUBLE', 'DATE', 'DATETIME(6)', 'TIME', 'VARCHAR(5)', 'BLOB', 'BIT(8)', "ENUM('a')", 'JSON'];
      await createTable(conn, 'my037', `id INT PRIMARY KEY, ${cols.map((c, i) => `c${i} ${c} NULL`).join(', ')}`);
      await exec(conn, `INSERT INTO my037 (id) VALUES (1)`);
      await conn.execute(`INSERT INTO my037 VALUES (2, ${cols.map(() => '?').join(', ')})`, cols.map(() => null));
      await exec(conn, `INSERT INTO my037 (id, c0, c11) VALUES (3, 1, '[]')`);
      for (const [proto, list] of [
        ['text', await rows<Record<string, unknown>>(conn, 'SELECT * FROM my037 ORDER BY id')],
        ['binary', await xrows<Record<string, unknown>>(conn, 'SELECT * FROM my037 WHERE id > ? ORDER BY id', [0])],
      ] as const) {
        for (const r of list.slice(0, 2)) {
          for (let i = 0; i < cols.length; i++) eq(ctx, r[`c${i}`], null, `${proto} protocol, row ${String(r.id)}, ${cols[i]} column`);
        }
        const third = list[2];
        eq(ctx, [Number(third?.c0), third?.c1, third?.c5], [1, null, null], `${proto} protocol, a row with NULLs between values`);
      }
    },
  }),
  myCase({
    id: 'MY-038',
    title: 'utf8mb4: 4-byte characters (emoji, CJK extension B) round-trip over both protocols and count as one character',
    priority: 'p0',
    area: 'charset',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/charset-unicode-utf8mb4.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const vals = ['😀', 'héllo wörld', '𠜎𠜱𠝹', '👩‍👩‍👧‍👦 family', 'Ω≈ç√∫'];
      await roundTrip(ctx, 'my038', 'VARCHAR(50) CHARACTER SET utf8mb4', vals.map((v) => ({ lit: `'${v}'`, param: v, expect: v })), str);
      const conn = await connect(ctx);
      const [r] = await rows<{ c: number; b: number }>(conn, "SELECT CHAR_LENGTH('😀') AS c, LENGTH('😀') AS b");
      eq(ctx, [Number(r?.c), Number(r?.b)], [1, 4], "CHAR_LENGTH / LENGTH of '😀'");
      const [x] = await xrows<{ v: string }>(conn, 'SELECT CONCAT(?, ?) AS v', ['😀', '𠜎']);
      eq(ctx, x?.v, '😀𠜎', 'CONCAT of 4-byte characters as parameters');
    },
  }),
  myCase({
    id: 'MY-039',
    title: 'Collations: utf8mb4_bin is case- and accent-sensitive, utf8mb4_unicode_ci is not, and ORDER BY follows the collation',
    priority: 'p1',
    area: 'charset',
    spec: 'https://dev.mysql.com/doc/refman/8.0/en/charset-collation-names.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      const [r] = await rows<Record<string, number>>(
        conn,
        "SELECT 'a' = 'A' COLLATE utf8mb4_bin AS bin_case, 'a' = 'A' COLLATE utf8mb4_unicode_ci AS ci_case, 'e' = 'é' COLLATE utf8mb4_unicode_ci AS ci_accent, 'e' = 'é' COLLATE utf8mb4_bin AS bin_accent",
      );
      eq(ctx, [r?.bin_case, r?.ci_case, r?.ci_accent, r?.bin_accent].map(Number), [0, 1, 1, 0], 'comparisons under utf8mb4_bin / utf8mb4_unicode_ci');
      await createTable(conn, 'my039', 'v VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci UNIQUE');
      await exec(conn, "INSERT INTO my039 VALUES ('b'), ('A'), ('c')");
      const ordered = await rows<{ v: string }>(conn, 'SELECT v FROM my039 ORDER BY v');
      eq(ctx, ordered.map((x) => x.v), ['A', 'b', 'c'], 'ORDER BY under utf8mb4_unicode_ci');
      const bin = await rows<{ v: string }>(conn, 'SELECT v FROM my039 ORDER BY v COLLATE utf8mb4_bin');
      eq(ctx, bin.map((x) => x.v), ['A', 'b', 'c'], 'ORDER BY under utf8mb4_bin');
      const dup = await conn.query("INSERT INTO my039 VALUES ('a')").then(
        () => null,
        (e: { errno?: number }) => e,
      );
      eq(ctx, dup?.errno, 1062, "inserting 'a' next to 'A' in a case-insensitive UNIQUE column");
    },
  }),
  myCase({
    id: 'MY-040',
    title: 'Result set metadata reports the utf8mb4 character set for text columns and binary (63) for BLOBs',
    priority: 'p1',
    area: 'charset',
    spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_column_definition.html',
    timeoutMs: 10_000,
    async run(ctx) {
      const conn = await connect(ctx);
      await createTable(conn, 'my040', 'v VARCHAR(10) CHARACTER SET utf8mb4, b BLOB');
      const [, fields] = await conn.query('SELECT v, b FROM my040');
      const f = fields as Array<{ name: string; characterSet?: number }>;
      const [set] = await rows<{ c: string }>(conn, 'SELECT CHARACTER_SET_NAME AS c FROM information_schema.COLLATIONS WHERE ID = ?', [f[0]?.characterSet ?? -1]);
      eq(ctx, set?.c, 'utf8mb4', 'character set of a utf8mb4 VARCHAR column in the result set header');
      eq(ctx, f[1]?.characterSet, 63, 'character set id of a BLOB column (binary)');
    },
  }),
];
