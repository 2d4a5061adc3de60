import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { definePgCase, openSession } from '../../_internal/case-kit.js';
import { loadCopyStreams } from '../../_internal/drivers.js';
import { same } from '../../_internal/value-checks.js';
import { BINARY_SIGNATURE, bin, copyOut, decodeBinaryCopy, describeBytes, type BinaryField } from '../../_internal/copy-kit.js';

const COPY_SPEC = 'https://www.postgresql.org/docs/current/sql-copy.html';

/** PG-040: COPY TO STDOUT, text format: exact bytes, escapes and \N. */
export const copyOutText = definePgCase({
  id: 'PG-040',
  title: 'COPY TO STDOUT (text) sends the exact expected bytes: tabs, \\N for NULL, backslash escapes',
  priority: 'p1',
  area: 'copy',
  since: '0.1.0',
  spec: COPY_SPEC,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-040');
    await client.query("SET bytea_output = 'hex'");
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg040_t')} (id int PRIMARY KEY, label text, note text, amount numeric, flag boolean, raw bytea)`);
    await client.query(
      `INSERT INTO ${ctx.target.qualify('pg040_t')} VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12), ($13, $14, $15, $16, $17, $18),
        ($19, $20, $21, $22, $23, $24), ($25, $26, $27, $28, $29, $30)`,
      [
        1, 'plain', 'x', '1.50', true, Buffer.from([0x00, 0xff]),
        2, 'tab\there', null, '-0.001', false, null,
        3, 'line\nbreak and back\\slash', '', '0', null, Buffer.alloc(0),
        4, 'naïve ☃ 😀', 'cr\rhere', null, true, Buffer.from('\\'),
        5, '\\N', 'vt\vbs\bff\f', '100000000000000000000', false, Buffer.from('A'),
      ],
    );
    const { bytes, rowCount } = await copyOut(client, `COPY ${ctx.target.qualify('pg040_t')} TO STDOUT`, ctx.signal);
    const want = Buffer.from(
      [
        '1\tplain\tx\t1.50\tt\t\\\\x00ff\n',
        '2\ttab\\there\t\\N\t-0.001\tf\t\\N\n',
        '3\tline\\nbreak and back\\\\slash\t\t0\t\\N\t\\\\x\n',
        '4\tnaïve ☃ 😀\tcr\\rhere\t\\N\tt\t\\\\x5c\n',
        '5\t\\\\N\tvt\\vbs\\bff\\f\t100000000000000000000\tf\t\\\\x41\n',
      ].join(''),
      'utf8',
    );
    if (!bytes.equals(want)) ctx.fail(`COPY pg040_t TO STDOUT: ${describeBytes(bytes, want)}`);
    same(rowCount, 5, 'row count in the COPY command tag');
  },
});

/** PG-041: COPY TO STDOUT, CSV: header, quoting rules, NULL vs empty string, FORCE_QUOTE. */
export const copyOutCsv = definePgCase({
  id: 'PG-041',
  title: 'COPY TO STDOUT (FORMAT csv, HEADER) sends the exact expected bytes: quoting, NULL as nothing, \'\' as "", FORCE_QUOTE',
  priority: 'p1',
  area: 'copy',
  since: '0.1.0',
  spec: COPY_SPEC,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-041');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg041_t')} (id int PRIMARY KEY, label text, note text)`);
    const rows: Array<[number, string | null, string | null]> = [
      [1, 'plain', 'x'],
      [2, 'a,b', null],
      [3, 'say "hi"', ''],
      [4, 'multi\nline', ' padded '],
      [5, 'back\\slash', 'tab\there'],
      [6, 'cr\rx', 'ünï 😀'],
    ];
    for (const r of rows) await client.query(`INSERT INTO ${ctx.target.qualify('pg041_t')} VALUES ($1, $2, $3)`, r);
    const { bytes, rowCount } = await copyOut(client, `COPY ${ctx.target.qualify('pg041_t')} TO STDOUT (FORMAT csv, HEADER true)`, ctx.signal);
    const want = Buffer.from(
      'id,label,note\n1,plain,x\n2,"a,b",\n3,"say ""hi""",""\n4,"multi\nline", padded \n5,back\\slash,tab\there\n6,"cr\rx",ünï 😀\n',
      'utf8',
    );
    if (!bytes.equals(want)) ctx.fail(`COPY … (FORMAT csv, HEADER true): ${describeBytes(bytes, want)}`);
    same(rowCount, 6, 'row count in the COPY command tag (the header is not a row)');

    const forced = await copyOut(client, `COPY (SELECT * FROM ${ctx.target.qualify('pg041_t')} WHERE id <= 3 ORDER BY id) TO STDOUT (FORMAT csv, FORCE_QUOTE *, DELIMITER ';')`, ctx.signal);
    const wantForced = Buffer.from('"1";"plain";"x"\n"2";"a,b";\n"3";"say ""hi""";""\n', 'utf8');
    if (!forced.bytes.equals(wantForced)) ctx.fail(`COPY … (FORMAT csv, FORCE_QUOTE *, DELIMITER ';'): ${describeBytes(forced.bytes, wantForced)}`);
  },
});

/** PG-042: COPY (query) TO STDOUT with options; empty result. */
export const copyOutQuery = definePgCase({
  id: 'PG-042',
  title: 'COPY (SELECT …) TO STDOUT with DELIMITER and NULL options sends the query\'s rows in order; an empty result sends nothing',
  priority: 'p1',
  area: 'copy',
  since: '0.1.0',
  spec: COPY_SPEC,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-042');
    const sql = `COPY (SELECT g AS n, g::bigint * g AS sq, CASE WHEN g % 3 = 0 THEN NULL ELSE 'v|' || g END AS label
        FROM generate_series(1, 1000) AS g WHERE g % 2 = 1 ORDER BY g DESC) TO STDOUT (DELIMITER '|', NULL '<null>')`;
    const { bytes, rowCount } = await copyOut(client, sql, ctx.signal);
    let want = '';
    for (let g = 999; g >= 1; g -= 2) want += `${g}|${g * g}|${g % 3 === 0 ? '<null>' : `v\\|${g}`}\n`;
    const wantBuf = Buffer.from(want, 'utf8');
    if (!bytes.equals(wantBuf)) ctx.fail(`COPY (SELECT …) TO STDOUT (DELIMITER '|', NULL '<null>'): ${describeBytes(bytes, wantBuf)}`);
    same(rowCount, 500, 'row count in the COPY command tag');

    const empty = await copyOut(client, 'COPY (SELECT 1 WHERE false) TO STDOUT', ctx.signal);
    same(empty.bytes.length, 0, 'bytes sent by COPY of an empty result');
    same(empty.rowCount, 0, 'row count of COPY of an empty result');
    const after = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM generate_series(1, 7)');
    same(after.rows[0]?.n, 7, 'a query on the same session after two COPY TO STDOUT');
  },
});

/** PG-043: binary COPY TO STDOUT: signature, header, tuples in each type's binary send format. */
export const copyOutBinary = definePgCase({
  id: 'PG-043',
  title: 'binary COPY TO STDOUT: the PGCOPY\\n\\377\\r\\n\\0 header, then tuples in each type\'s binary send format',
  priority: 'p2',
  area: 'copy',
  since: '0.1.0',
  spec: COPY_SPEC,
  async run(ctx) {
    const client = await openSession(ctx, 'hc-pg-043');
    await client.query(`CREATE TABLE ${ctx.target.qualify('pg043_t')} (k int2, i int4, n int8, f float8, b boolean, t text, d date, ts timestamptz, u uuid, raw bytea, j jsonb)`);
    await client.query(`INSERT INTO ${ctx.target.qualify('pg043_t')} VALUES
      (1, 2147483647, -9223372036854775808, -0.5, true, 'héllo 😀', '2000-01-02', '2000-01-01 00:00:01.000001+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff', '{"a": 1}'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (-32768, -2147483648, 9223372036854775807, 'Infinity', false, '', '1999-12-31', '1970-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000', '', '[]')`);
    const { bytes, rowCount } = await copyOut(client, `COPY (SELECT * FROM ${ctx.target.qualify('pg043_t')} ORDER BY k DESC) TO STDOUT (FORMAT binary)`, ctx.signal);
    same(rowCount, 3, 'row count in the COPY command tag');
    if (!bytes.subarray(0, 11).equals(BINARY_SIGNATURE)) {
      ctx.fail(`binary COPY signature: expected 50 47 43 4f 50 59 0a ff 0d 0a 00, got ${bytes.subarray(0, 11).toString('hex')}`);
    }
    let decoded;
    try {
      decoded = decodeBinaryCopy(bytes);
    } catch (e) {
      return ctx.fail(`malformed binary COPY stream: ${(e as Error).message}`);
    }
    // Bits 0-15 are critical flags, bit 16 means OIDs are included: none may be set here.
    if ((decoded.flags & 0x1ffff) !== 0) ctx.fail(`binary COPY flags: expected bits 0-16 clear, got 0x${decoded.flags.toString(16)}`);
    ctx.log(`header extension: ${decoded.headerExtension.length} bytes`);
    const want: BinaryField[][] = [
      [bin.int2(2), null, null, null, null, null, null, null, null, null, null],
      [bin.int2(1), bin.int4(2147483647), bin.int8(-9223372036854775808n), bin.float8(-0.5), bin.bool(true), bin.text('héllo 😀'), bin.date(1),
        bin.timestamptz(1_000_001n), bin.uuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), Buffer.from([0x00, 0xff]), bin.jsonb('{"a": 1}')],
      [bin.int2(-32768), bin.int4(-2147483648), bin.int8(9223372036854775807n), bin.float8(Infinity), bin.bool(false), bin.text(''), bin.date(-1),
        bin.timestamptz(-946_684_800_000_000n), bin.uuid('00000000-0000-0000-0000-000000000000'), Buffer.alloc(0), bin.jsonb('[]')],
    ];
    const cols = ['k int2', 'i int4', 'n int8', 'f float8', 'b bool', 't text', 'd date', 'ts timestamptz', 'u uuid', 'raw bytea', 'j jsonb'];
    same(decoded.tuples.length, 3, 'tuples in the binary COPY stream');
    for (let r = 0; r < want.length; r++) {
      const got = decoded.tuples[r] ?? [];
      same(got.length, cols.length, `field count of tuple ${r + 1}`);
      for (let c = 0; c < cols.length; c++) {
        const g = got[c] ?? null;
        const w = want[r]?.[c] ?? null;
        const ok = g === null || w === null ? g === w : g.equals(w);
        if (!ok) ctx.fail(`tuple ${r + 1}, column ${cols[c]}: expected ${w === null ? 'NULL (-1)' : w.toString('hex')}, got ${g === null ? 'NULL (-1)' : g.toString('hex')}`);
      }
    }
  },
});

const STREAM_ROWS = 100_000;

/** PG-044: a large COPY TO STDOUT streams completely and in order, also to a slow reader. */
export const copyOutStream = definePgCase({
  id: 'PG-044',
  title: 'COPY TO STDOUT of 100,000 rows to a slow reader delivers every row once and in order',
  priority: 'p1',
  area: 'copy',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY',
  timeoutMs: 30_000,
  async run(ctx) {
    const { to } = await loadCopyStreams();
    const client = await openSession(ctx, 'hc-pg-044');
    const stream = client.query(to(`COPY (SELECT g, md5(g::text) FROM generate_series(1, ${STREAM_ROWS}) AS g ORDER BY g) TO STDOUT`));
    const got = createHash('md5');
    let bytes = 0;
    let chunks = 0;
    let tail = '';
    let nextRow = 1;
    let firstBad: string | undefined;
    const t0 = performance.now();
    // A reader that stalls now and then, so the server (or a proxy) must honour TCP back-pressure.
    await pipeline(
      stream,
      new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _enc, cb) {
          got.update(chunk);
          bytes += chunk.length;
          const text = tail + chunk.toString('latin1');
          const lines = text.split('\n');
          tail = lines.pop() ?? '';
          for (const line of lines) {
            if (firstBad === undefined && line !== `${nextRow}\t${createHash('md5').update(String(nextRow)).digest('hex')}`) {
              firstBad = `row ${nextRow}: got ${JSON.stringify(line.slice(0, 80))}`;
            }
            nextRow++;
          }
          if (++chunks % 50 === 0) setTimeout(cb, 5);
          else cb();
        },
      }),
      { signal: ctx.signal },
    );
    ctx.metric('copyOutMs', Math.round(performance.now() - t0));
    ctx.metric('bytes', bytes);
    if (firstBad !== undefined) ctx.fail(`COPY TO STDOUT stream: the first wrong line is ${firstBad}`);
    if (tail !== '') ctx.fail(`COPY TO STDOUT stream ended inside a line: ${JSON.stringify(tail.slice(0, 80))}`);
    same(nextRow - 1, STREAM_ROWS, 'lines received');
    const want = createHash('md5');
    for (let g = 1; g <= STREAM_ROWS; g++) want.update(`${g}\t${createHash('md5').update(String(g)).digest('hex')}\n`);
    same(got.digest('hex'), want.digest('hex'), 'md5 of the whole COPY stream');
    same(stream.rowCount, STREAM_ROWS, 'row count in the COPY command tag');
    const after = await client.query<{ one: number }>('SELECT 1 AS one');
    same(after.rows[0]?.one, 1, 'a query on the same session after the COPY');
  },
});
