import type { Client } from 'pg';
import { definePgCase, openSession, sqlstate, type PgContext } from '../../_internal/case-kit.js';
import { rawRow, row, same, stillAlive } from '../../_internal/value-checks.js';
import { bin, copyIn, copyOut, decodeBinaryCopy, describeBytes, encodeBinaryCopy, type BinaryField } from '../../_internal/copy-kit.js';

const COPY_SPEC = 'https://www.postgresql.org/docs/current/sql-copy.html';

/** Splits bytes into pieces of `size` (cutting through multi-byte characters on purpose). */
function pieces(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

/**
 * Runs a COPY FROM STDIN that must fail with SQLSTATE `expected`: a success or another code
 * fails the case; an error without a SQLSTATE (lost connection) is rethrown as an error.
 */
async function expectCopyError(
  ctx: PgContext,
  client: Client,
  sql: string,
  chunks: Iterable<Buffer | string>,
  expected: string,
  what: string,
): Promise<void> {
  let n: number;
  try {
    n = await copyIn(client, sql, chunks, ctx.signal);
  } catch (e) {
    const code = sqlstate(e);
    // No SQLSTATE, or a connection-class one (08xxx: the session is gone): an error, not a verdict.
    if (code === undefined || code.startsWith('08')) throw e;
    const message = (e as Error).message;
    if (code !== expected) ctx.fail(`${what}: expected SQLSTATE ${expected}, got ${code} (${message})`);
    const where = (e as { where?: string }).where;
    ctx.log(`${what}: ${code} ${message}${where ? ` [${where}]` : ''}`);
    return;
  }
  ctx.fail(`${what}: expected SQLSTATE ${expected}, but the COPY succeeded (COPY ${n})`);
}

/** PG-045: COPY FROM STDIN, CSV: quoted fields, embedded delimiters/quotes/newlines, NULL vs empty string. */
export const copyInCsv = definePgCase({
  id: 'PG-045',
  title: 'COPY FROM STDIN (FORMAT csv) loads quoted fields with commas, quotes and line breaks; unquoted empty is NULL, "" is \'\'',
  priority: 'p1',
  area: 'copy',
  since: '0.1.0',
  spec: COPY_SPEC,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-045');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg045_t')} (id int PRIMARY KEY, label text, note text)`);
    const csv = Buffer.from(
      'id,label,note\n1,"a,b","say ""hi"""\n2,,""\n3,"multi\nline",plain\n4, spaced ,"\\N"\n5,ünï 😀,"x\r\ny"\n',
      'utf8',
    );
    // 7-byte CopyData messages: fields, quotes and UTF-8 characters are cut across messages.
    const n = await copyIn(client, `COPY ${ctx.target.qualify('pg045_t')} FROM STDIN (FORMAT csv, HEADER true)`, pieces(csv, 7), ctx.signal);
    same(n, 5, 'row count in the COPY command tag (the header is not a row)');

    const opts = Buffer.from("6;NA;NA\n7;\"NA\";'q'\n", 'utf8');
    const n2 = await copyIn(client, `COPY ${ctx.target.qualify('pg045_t')} FROM STDIN (FORMAT csv, DELIMITER ';', NULL 'NA')`, [opts], ctx.signal);
    same(n2, 2, "row count of the COPY with DELIMITER ';' and NULL 'NA'");

    const r = await client.query<{ id: number; label: string | null; note: string | null }>(`SELECT id, label, note FROM ${ctx.target.qualify('pg045_t')} ORDER BY id`);
    same(r.rows, [
      { id: 1, label: 'a,b', note: 'say "hi"' },
      { id: 2, label: null, note: '' },
      { id: 3, label: 'multi\nline', note: 'plain' },
      { id: 4, label: ' spaced ', note: '\\N' },
      { id: 5, label: 'ünï 😀', note: 'x\r\ny' },
      { id: 6, label: null, note: null },
      { id: 7, label: 'NA', note: "'q'" },
    ], 'rows loaded from CSV');
  },
});

/** PG-046: binary COPY FROM STDIN of rows encoded by the client; a bad signature or field count fails with 22P04. */
export const copyInBinary = definePgCase({
  id: 'PG-046',
  title: 'binary COPY FROM STDIN loads client-encoded tuples exactly; a bad signature or field count fails with 22P04',
  priority: 'p2',
  area: 'copy',
  since: '0.1.0',
  spec: COPY_SPEC,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-046');
    await client.query("SET DateStyle = 'ISO, MDY'");
    await client.query("SET TIME ZONE 'UTC'");
    await client.query("SET bytea_output = 'hex'");
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg046_t')} (i int4, n int8, b boolean, t text, raw bytea, f float8, d date, ts timestamptz, u uuid, j jsonb)`);
    const tuples: BinaryField[][] = [
      [bin.int4(1), bin.int8(-9223372036854775808n), bin.bool(true), bin.text('tab\tnew\nline \\ 😀'), Buffer.from([0, 1, 0xfe, 0xff]), bin.float8(0.1),
        bin.date(8_766), bin.timestamptz(1_000_001n), bin.uuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), bin.jsonb('{"a": [1, null]}')],
      [bin.int4(2), null, null, null, null, null, null, null, null, null],
      [bin.int4(-2147483648), bin.int8(9223372036854775807n), bin.bool(false), bin.text(''), Buffer.alloc(0), bin.float8(-Infinity),
        bin.date(-730_119), bin.timestamptz(-1n), bin.uuid('ffffffff-ffff-ffff-ffff-ffffffffffff'), bin.jsonb('"x"')],
    ];
    const payload = encodeBinaryCopy(tuples);
    const n = await copyIn(client, `COPY ${ctx.target.qualify('pg046_t')} FROM STDIN (FORMAT binary)`, pieces(payload, 64), ctx.signal);
    same(n, 3, 'row count in the COPY command tag');

    const r = await client.query<Record<string, string | null>>(
      `SELECT i::text, n::text, b::text, t, raw::text, f::text, d::text, ts::text, u::text, j::text FROM ${ctx.target.qualify('pg046_t')} ORDER BY i DESC`,
    );
    same(r.rows, [
      { i: '2', n: null, b: null, t: null, raw: null, f: null, d: null, ts: null, u: null, j: null },
      { i: '1', n: '-9223372036854775808', b: 'true', t: 'tab\tnew\nline \\ 😀', raw: '\\x0001feff', f: '0.1', d: '2024-01-01', ts: '2000-01-01 00:00:01.000001+00', u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', j: '{"a": [1, null]}' },
      { i: '-2147483648', n: '9223372036854775807', b: 'false', t: '', raw: '\\x', f: '-Infinity', d: '0001-01-01', ts: '1999-12-31 23:59:59.999999+00', u: 'ffffffff-ffff-ffff-ffff-ffffffffffff', j: '"x"' },
    ], 'binary-loaded rows read back as text');

    // Re-export in binary: every field must come back as the bytes that were sent.
    const out = await copyOut(client, `COPY (SELECT * FROM ${ctx.target.qualify('pg046_t')} ORDER BY i = 2, i DESC) TO STDOUT (FORMAT binary)`, ctx.signal);
    const back = decodeBinaryCopy(out.bytes).tuples;
    const order = [tuples[0], tuples[2], tuples[1]];
    for (let t = 0; t < order.length; t++) {
      for (let c = 0; c < 10; c++) {
        const w = order[t]?.[c] ?? null;
        const g = back[t]?.[c] ?? null;
        const ok = g === null || w === null ? g === w : g.equals(w);
        if (!ok) ctx.fail(`re-exported tuple ${t + 1}, field ${c + 1}: expected ${w?.toString('hex') ?? 'NULL'}, got ${g?.toString('hex') ?? 'NULL'}`);
      }
    }

    const badSig = Buffer.from(payload);
    badSig[10] = 0x01; // the signature's last byte must be \0
    await expectCopyError(ctx, client, `COPY ${ctx.target.qualify('pg046_t')} FROM STDIN (FORMAT binary)`, [badSig], '22P04', 'binary COPY with a wrong signature');
    await stillAlive(client, 'a rejected binary COPY');
    const short = encodeBinaryCopy([[bin.int4(9), bin.int8(9n)]]);
    await expectCopyError(ctx, client, `COPY ${ctx.target.qualify('pg046_t')} FROM STDIN (FORMAT binary)`, [short], '22P04', 'binary COPY tuple with 2 fields for a 10-column table');
    const count = await row<{ n: number }>(client, `SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg046_t')}`);
    same(count.n, 3, 'rows in pg046_t after two rejected binary COPYs');
  },
});

const ERR_ROWS = 3_000;
const BAD_LINE = 2_000;

/** PG-047: a bad row in the middle of COPY: 22P02, nothing committed, the session usable. */
export const copyInError = definePgCase({
  id: 'PG-047',
  title: 'a bad row in the middle of COPY FROM STDIN fails with 22P02, commits nothing and leaves the session usable',
  priority: 'p1',
  area: 'copy',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-047');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg047_t')} (id int PRIMARY KEY, v int NOT NULL)`);
    function* lines(): Generator<string> {
      let chunk = '';
      for (let i = 1; i <= ERR_ROWS; i++) {
        chunk += `${i}\t${i === BAD_LINE ? 'abc' : i * 2}\n`;
        if (i % 100 === 0) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    await expectCopyError(ctx, client, `COPY ${ctx.target.qualify('pg047_t')} FROM STDIN`, lines(), '22P02', `COPY of ${ERR_ROWS} rows with 'abc' for an int on line ${BAD_LINE}`);
    await stillAlive(client, 'a failed COPY');
    const none = await row<{ n: number }>(client, `SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg047_t')}`);
    same(none.n, 0, `rows in pg047_t after the failed COPY (the ${BAD_LINE - 1} good rows before the bad one must not be committed)`);

    // The same session can COPY again.
    const n = await copyIn(client, `COPY ${ctx.target.qualify('pg047_t')} FROM STDIN`, ['1\t10\n2\t20\n', '3\t30\n'], ctx.signal);
    same(n, 3, 'row count of a good COPY after the failed one');

    // Inside a transaction: the failed COPY aborts it (25P02) and ROLLBACK undoes the earlier insert.
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${ctx.target.qualify('pg047_t')} VALUES (4, 40)`);
    await expectCopyError(ctx, client, `COPY ${ctx.target.qualify('pg047_t')} FROM STDIN`, ['5\t50\n6\tsix\n'], '22P02', "COPY with 'six' for an int inside a transaction");
    let code: string | undefined;
    try {
      await client.query('SELECT 1');
    } catch (e) {
      code = sqlstate(e);
      if (code === undefined) throw e;
    }
    if (code !== '25P02') ctx.fail(`a statement after a failed COPY inside a transaction: expected SQLSTATE 25P02, got ${code ?? 'success'}`);
    await client.query('ROLLBACK');
    const r = await client.query<{ id: number; v: number }>(`SELECT id, v FROM ${ctx.target.qualify('pg047_t')} ORDER BY id`);
    same(r.rows, [{ id: 1, v: 10 }, { id: 2, v: 20 }, { id: 3, v: 30 }], 'rows after ROLLBACK of the transaction with the failed COPY');
  },
});

/** PG-048: text and CSV COPY of many types re-import to equal rows and re-export to identical bytes. */
export const copyRoundTrip = definePgCase({
  id: 'PG-048',
  title: 'text and CSV COPY out and back in reproduce equal rows and byte-identical re-exports (16 types)',
  priority: 'p1',
  area: 'copy',
  since: '0.1.0',
  spec: COPY_SPEC,
  timeoutMs: 20_000,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-048');
    await client.query("SET DateStyle = 'ISO, MDY'");
    await client.query("SET TIME ZONE 'UTC'");
    await client.query("SET IntervalStyle = 'postgres'");
    await client.query('SET extra_float_digits = 1');
    const src = ctx.target.qualify('pg048_src');
    const cols = `id int, big int8, num numeric(30,20), f float8, t text, raw bytea, flag boolean, d date, ts timestamptz, iv interval,
      u uuid, j jsonb, ia int[], ta text[], r int4range, nothing text`;
    for (const name of ['pg048_src', 'pg048_txt', 'pg048_csv']) await client.query(`CREATE TABLE ${ctx.target.qualify(name)} (${cols})`);
    await client.query(`INSERT INTO ${src}
      SELECT g, (g * 12345678901)::int8 * (CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END), (g::numeric / 7)::numeric(30,20),
        CASE g % 5 WHEN 0 THEN 'NaN'::float8 WHEN 1 THEN -0::float8 WHEN 2 THEN 'Infinity'::float8 ELSE g / 3.0::float8 END,
        'r' || g || chr(9) || chr(10) || chr(13) || '\\' || 'N,"' || chr(1000 + g) || CASE WHEN g % 7 = 0 THEN '😀' ELSE '' END,
        decode(md5(g::text), 'hex') || '\\x000a0d5c2c22'::bytea, g % 3 = 0, '2000-01-01'::date + g * 1000,
        '2000-01-01 00:00:00+00'::timestamptz + g * interval '1 day 1 second 1 microsecond',
        make_interval(months => g, days => -g, secs => g * 1.000001), md5(g::text)::uuid,
        jsonb_build_object('g', g, 's', 'q"' || chr(10), 'a', jsonb_build_array(g, NULL, true)),
        ARRAY[g, NULL, -g], ARRAY['a b', NULL, 'x"y\\z', '', 'NULL'], int4range(g, g + 10, '[]'), NULL
      FROM generate_series(1, 200) AS g`);
    await client.query(`UPDATE ${src} SET big = NULL, num = NULL, f = NULL, t = NULL, raw = NULL, flag = NULL, d = NULL, ts = NULL, iv = NULL, u = NULL, j = NULL, ia = NULL, ta = NULL, r = NULL WHERE id % 10 = 0`);

    for (const [fmt, name] of [['text', 'pg048_txt'], ['csv', 'pg048_csv']] as const) {
      const dst = ctx.target.qualify(name);
      const opts = fmt === 'csv' ? ' (FORMAT csv)' : '';
      const first = await copyOut(client, `COPY (SELECT * FROM ${src} ORDER BY id) TO STDOUT${opts}`, ctx.signal);
      same(first.rowCount, 200, `row count of COPY TO STDOUT (${fmt})`);
      const n = await copyIn(client, `COPY ${dst} FROM STDIN${opts}`, pieces(first.bytes, 8192), ctx.signal);
      same(n, 200, `row count of COPY FROM STDIN (${fmt})`);
      const diff = await rawRow(client, `SELECT (SELECT count(*) FROM (SELECT * FROM ${src} EXCEPT ALL SELECT * FROM ${dst}) a) AS missing,
          (SELECT count(*) FROM (SELECT * FROM ${dst} EXCEPT ALL SELECT * FROM ${src}) b) AS extra,
          (SELECT min(id) FROM (SELECT * FROM ${src} EXCEPT ALL SELECT * FROM ${dst}) c) AS first_missing`);
      if (diff.missing !== '0' || diff.extra !== '0') {
        ctx.fail(`${fmt} COPY round trip: ${diff.missing} source rows have no equal copy and ${diff.extra} copied rows have no equal source (first differing id ${diff.first_missing})`);
      }
      const second = await copyOut(client, `COPY (SELECT * FROM ${dst} ORDER BY id) TO STDOUT${opts}`, ctx.signal);
      if (!second.bytes.equals(first.bytes)) ctx.fail(`${fmt} COPY re-export differs from the first export: ${describeBytes(second.bytes, first.bytes)}`);
      ctx.metric(`${fmt}Bytes`, first.bytes.length);
    }
  },
});
