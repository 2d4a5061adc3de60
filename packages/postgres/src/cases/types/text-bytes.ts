import { createHash } from 'node:crypto';
import { definePgCase, openSession } from '../../_internal/case-kit.js';
import { expectSqlstate, rawRow, row, same, sameColumns, stillAlive } from '../../_internal/value-checks.js';

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

/** PG-053: boolean input spellings, output on the wire ('t'/'f') and as text. */
export const booleans = definePgCase({
  id: 'PG-053',
  title: 'boolean accepts its input spellings and sends \'t\'/\'f\'; other input fails with 22P02',
  priority: 'p0',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/datatype-boolean.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-053');
    const truthy = ['t', 'true', 'TRUE', 'yes', 'on', '1', 'y', ' true '];
    const falsy = ['f', 'false', 'False', 'no', 'off', '0', 'n'];
    for (const [inputs, want] of [[truthy, true], [falsy, false]] as const) {
      for (const s of inputs) {
        const r = await row<{ v: boolean }>(client, 'SELECT $1::boolean AS v', [s]);
        same(r.v, want, `boolean input ${JSON.stringify(s)}`);
      }
    }
    const js = await client.query<{ a: boolean; b: boolean; n: boolean | null }>('SELECT $1::boolean AS a, $2::boolean AS b, $3::boolean AS n', [true, false, null]);
    same(js.fields.map((f) => f.dataTypeID), [16, 16, 16], 'RowDescription type OID of boolean');
    same(js.rows[0], { a: true, b: false, n: null }, 'JS true/false/null as boolean parameters');
    const raw = await rawRow(client, 'SELECT true AS t, false AS f, true::text AS t_text, NOT $1::boolean AS not_t', ['on']);
    sameColumns(raw, { t: 't', f: 'f', t_text: 'true', not_t: 'f' }, 'boolean text output (wire format and ::text)');
    await expectSqlstate(client, 'SELECT $1::boolean', ['maybe'], '22P02', "boolean input 'maybe'");
    await expectSqlstate(client, 'SELECT $1::boolean', ['2'], '22P02', "boolean input '2'");
    await stillAlive(client, 'invalid boolean input');
  },
});

/** PG-054: text with multi-byte UTF-8 (4-byte emoji, combining marks, ZWJ sequences) arrives byte-exact. */
export const unicodeText = definePgCase({
  id: 'PG-054',
  title: 'text with 2- to 4-byte UTF-8 (emoji, combining marks, ZWJ) round-trips byte-exact, counted in code points',
  priority: 'p0',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/multibyte.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-054');
    const enc = await row<{ client_encoding: string }>(client, 'SHOW client_encoding');
    same(enc.client_encoding, 'UTF8', 'client_encoding the driver asked for');
    const samples: Array<[string, number, number]> = [
      // [text, code points, UTF-8 bytes]
      ['naïve café', 10, 12],
      ['e\u0301', 2, 3], // e + COMBINING ACUTE ACCENT: stays two code points
      ['\u00e9', 1, 2], // precomposed é: a different string
      ['😀', 1, 4],
      ['👩‍👩‍👧', 5, 18], // WOMAN ZWJ WOMAN ZWJ GIRL
      ['中文字符', 4, 12],
      ['עברית and العربية', 17, 29],
      ['𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u{10FFFF}', 9, 33],
    ];
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg054_t')} (k int PRIMARY KEY, v text)`);
    for (let k = 0; k < samples.length; k++) await client.query(`INSERT INTO ${ctx.target.qualify('pg054_t')} VALUES ($1, $2)`, [k, samples[k]?.[0]]);
    const r = await client.query<{ v: string; chars: number; octets: number; md5: string; first: string }>(
      `SELECT v, char_length(v) AS chars, octet_length(v) AS octets, md5(v) AS md5, substr(v, 1, 1) AS first FROM ${ctx.target.qualify('pg054_t')} ORDER BY k`,
    );
    for (let k = 0; k < samples.length; k++) {
      const [text, chars, octets] = samples[k] ?? ['', 0, 0];
      const got = r.rows[k];
      same(got?.v, text, `text value #${k} read back`);
      same(got?.md5, md5(Buffer.from(text, 'utf8')), `md5 of the stored bytes of value #${k} (${JSON.stringify(text)})`);
      same(got?.chars, chars, `char_length of ${JSON.stringify(text)}`);
      same(got?.octets, octets, `octet_length of ${JSON.stringify(text)}`);
      same(got?.first, String.fromCodePoint(text.codePointAt(0) ?? 0), `substr(v, 1, 1) of ${JSON.stringify(text)} (one code point)`);
    }
    const cmp = await row<{ eq: boolean; literal: string }>(client, "SELECT $1::text = $2::text AS eq, 'x😀y' AS literal", ['e\u0301', '\u00e9']);
    same(cmp.eq, false, 'decomposed e+U+0301 compared with precomposed U+00E9 (no normalization)');
    same(cmp.literal, 'x😀y', 'a 4-byte character inside a SQL literal of the query text');
  },
});

/** PG-055: invalid UTF-8 is refused with 22021, whether it arrives as a binary parameter or is converted on the server. */
export const invalidUtf8 = definePgCase({
  id: 'PG-055',
  title: 'invalid UTF-8 in a text parameter (truncated, surrogate, overlong, beyond U+10FFFF) fails with SQLSTATE 22021',
  priority: 'p1',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/multibyte.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-055');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg055_t')} (v text)`);
    // pg sends a Buffer parameter in binary format: textrecv must verify the encoding.
    const bad: Array<[number[], string]> = [
      [[0x61, 0xc3, 0x28], 'truncated 2-byte sequence C3 28'],
      [[0xed, 0xa0, 0x80], 'UTF-8-encoded surrogate ED A0 80'],
      [[0xc0, 0xaf], 'overlong encoding C0 AF'],
      [[0xf4, 0x90, 0x80, 0x80], 'code point beyond U+10FFFF (F4 90 80 80)'],
      [[0xff], 'byte FF'],
    ];
    for (const [bytes, what] of bad) {
      const msg = await expectSqlstate(client, `INSERT INTO ${ctx.target.qualify('pg055_t')} VALUES ($1::text)`, [Buffer.from(bytes)], '22021', `${what} as a binary text parameter`);
      ctx.log(`${what}: ${msg}`);
    }
    await expectSqlstate(client, "SELECT convert_from('\\xc328'::bytea, 'UTF8')", [], '22021', "convert_from('\\xc328', 'UTF8')");
    await stillAlive(client, 'invalid UTF-8 input');
    // The same path accepts valid UTF-8 (so the rejections above are about the bytes).
    const ok = await row<{ v: string }>(client, 'SELECT $1::text AS v', [Buffer.from('h\u00e9😀', 'utf8')]);
    same(ok.v, 'h\u00e9😀', 'valid UTF-8 sent as a binary text parameter');
    const n = await row<{ n: number }>(client, `SELECT count(*)::int AS n FROM ${ctx.target.qualify('pg055_t')}`);
    same(n.n, 0, 'rows stored after five rejected inserts');
  },
});

/** PG-056: bytea holds all 256 byte values; hex output, escape input and output. */
export const byteaAllBytes = definePgCase({
  id: 'PG-056',
  title: 'bytea round-trips all 256 byte values; hex and escape formats in and out',
  priority: 'p0',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/datatype-binary.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-056');
    await client.query("SET bytea_output = 'hex'");
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const rev = Buffer.from(all).reverse();
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg056_t')} (k int PRIMARY KEY, v bytea)`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg056_t')} VALUES (1, $1), (2, $2), (3, $3)`, [all, rev, Buffer.alloc(0)]);
    const r = await client.query<{ v: Buffer; len: number; md5: string }>(`SELECT v, length(v) AS len, md5(v) AS md5 FROM ${ctx.target.qualify('pg056_t')} ORDER BY k`);
    same(r.fields[0]?.dataTypeID, 17, 'RowDescription type OID of bytea');
    same(r.rows.map((x) => x.len), [256, 256, 0], 'length() of the stored values');
    same(r.rows.map((x) => x.md5), [md5(all), md5(rev), md5(Buffer.alloc(0))], 'md5() of the stored bytes');
    same(r.rows[0]?.v, all, 'bytes 00..FF read back');
    same(r.rows[1]?.v, rev, 'bytes FF..00 read back');
    same(r.rows[2]?.v, Buffer.alloc(0), 'the empty bytea read back');

    const raw = await rawRow(client, `SELECT v FROM ${ctx.target.qualify('pg056_t')} WHERE k = 1`);
    same(raw.v, `\\x${all.toString('hex')}`, 'hex text output of bytes 00..FF');
    const inp = await rawRow(client, "SELECT $1::bytea AS hex_in, '\\000a\\377\\\\'::bytea AS esc_in", ['\\x00ff7F']);
    sameColumns(inp, { hex_in: '\\x00ff7f', esc_in: '\\x0061ff5c' }, 'hex and escape bytea input');
    await client.query("SET bytea_output = 'escape'");
    const esc = await rawRow(client, "SELECT '\\x0061ff5c0a'::bytea AS v");
    same(esc.v, '\\000a\\377\\\\\\012', 'escape text output of 00 61 FF 5C 0A');
    await client.query("SET bytea_output = 'hex'");
    await expectSqlstate(client, 'SELECT $1::bytea', ['\\x0g'], '22023', 'invalid hex digit in bytea input');
  },
});

/** PG-062: uuid input forms, canonical output, ordering, uniqueness, generation. */
export const uuids = definePgCase({
  id: 'PG-062',
  title: 'uuid accepts its input variants, outputs canonical lower case and enforces uniqueness; bad input fails with 22P02',
  priority: 'p0',
  area: 'types',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/datatype-uuid.html',
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-062');
    const canonical = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    for (const form of ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', 'a0eebc999c0b4ef8bb6d6bb9bd380a11', 'a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11']) {
      const r = await client.query<{ v: string }>('SELECT $1::uuid AS v', [form]);
      same(r.fields[0]?.dataTypeID, 2950, 'RowDescription type OID of uuid');
      same(r.rows[0]?.v, canonical, `uuid input ${form}`);
    }
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg062_t')} (id uuid PRIMARY KEY)`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg062_t')} VALUES ($1), ($2), ($3)`, [canonical, '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff']);
    const ord = await client.query<{ id: string }>(`SELECT id FROM ${ctx.target.qualify('pg062_t')} ORDER BY id`);
    same(ord.rows.map((x) => x.id), ['00000000-0000-0000-0000-000000000000', canonical, 'ffffffff-ffff-ffff-ffff-ffffffffffff'], 'uuid ordering');
    await expectSqlstate(client, `INSERT INTO ${ctx.target.qualify('pg062_t')} VALUES ($1)`, [canonical.toUpperCase()], '23505', 'the same uuid in upper case into a primary key');
    await expectSqlstate(client, 'SELECT $1::uuid', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1'], '22P02', 'uuid input with 31 hex digits');
    await expectSqlstate(client, 'SELECT $1::uuid', ['g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'], '22P02', "uuid input with a 'g'");
    const gen = await row<{ a: string; b: string }>(client, 'SELECT gen_random_uuid()::text AS a, gen_random_uuid()::text AS b');
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    if (!v4.test(gen.a) || !v4.test(gen.b) || gen.a === gen.b) ctx.fail(`gen_random_uuid() must give two distinct version-4 UUIDs, got ${gen.a} and ${gen.b}`);
  },
});
