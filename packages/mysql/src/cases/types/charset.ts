import assert from 'node:assert/strict';
import { expectSqlError } from '@helios-conformance/sql/mysql';
import { connect, createTable, defineMysqlCase, exec, rows, xrows } from '../../_internal/case-kit.js';
import { roundTrip, str } from '../../_internal/round-trip.js';

/** MY-038: 4-byte UTF-8. */
export const utf8mb4 = defineMysqlCase({
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
    assert.deepEqual([Number(r?.c), Number(r?.b)], [1, 4], "CHAR_LENGTH / LENGTH of '😀'");
    const [x] = await xrows<{ v: string }>(conn, 'SELECT CONCAT(?, ?) AS v', ['😀', '𠜎']);
    assert.equal(x?.v, '😀𠜎', 'CONCAT of 4-byte characters as parameters');
  },
});

/** MY-039: comparisons, ordering and uniqueness follow the collation. */
export const collations = defineMysqlCase({
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
    assert.deepEqual([r?.bin_case, r?.ci_case, r?.ci_accent, r?.bin_accent].map(Number), [0, 1, 1, 0], 'comparisons under utf8mb4_bin / utf8mb4_unicode_ci');

    await createTable(conn, 'my039', 'v VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci UNIQUE');
    await exec(conn, "INSERT INTO my039 VALUES ('b'), ('A'), ('c')");
    const ordered = await rows<{ v: string }>(conn, 'SELECT v FROM my039 ORDER BY v');
    assert.deepEqual(ordered.map((x) => x.v), ['A', 'b', 'c'], 'ORDER BY under utf8mb4_unicode_ci');
    const bin = await rows<{ v: string }>(conn, 'SELECT v FROM my039 ORDER BY v COLLATE utf8mb4_bin');
    assert.deepEqual(bin.map((x) => x.v), ['A', 'b', 'c'], 'ORDER BY under utf8mb4_bin');
    await expectSqlError(exec(conn, "INSERT INTO my039 VALUES ('a')"), { errno: 1062 }, "inserting 'a' next to 'A' in a case-insensitive UNIQUE column");
  },
});

/** MY-040: the character set ids in column definitions. */
export const columnCharsets = defineMysqlCase({
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
    assert.equal(set?.c, 'utf8mb4', 'character set of a utf8mb4 VARCHAR column in the result set header');
    assert.equal(f[1]?.characterSet, 63, 'character set id of a BLOB column (binary)');
  },
});
