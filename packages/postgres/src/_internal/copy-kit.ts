// COPY helpers for PG-040..PG-048: run COPY TO STDOUT / FROM STDIN with pg-copy-streams, and
// encode/decode the binary COPY format. Never exported from the package.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { loadCopyStreams } from './drivers.js';

/** The 11-byte signature that starts every binary COPY file: `PGCOPY\n\377\r\n\0`. */
export const BINARY_SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);

/** Runs a `COPY … TO STDOUT` and collects every byte; `rowCount` is what CommandComplete said. */
export async function copyOut(client: Client, sql: string, signal: AbortSignal): Promise<{ bytes: Buffer; rowCount: number }> {
  const { to } = await loadCopyStreams();
  const stream = client.query(to(sql));
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
    { signal },
  );
  return { bytes: Buffer.concat(chunks), rowCount: stream.rowCount };
}

/** Runs a `COPY … FROM STDIN`, feeding `chunks` one CopyData message at a time; returns CommandComplete's row count. */
export async function copyIn(client: Client, sql: string, chunks: Iterable<Buffer | string>, signal: AbortSignal): Promise<number> {
  const { from } = await loadCopyStreams();
  const stream = client.query(from(sql));
  await pipeline(Readable.from(chunks, { objectMode: false }), stream, { signal });
  return stream.rowCount;
}

/** The index of the first differing byte of two buffers, or -1 when they are equal. */
export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** "expected X, got Y" for two byte strings, pointing at the first difference. */
export function describeBytes(got: Buffer, want: Buffer, encoding: BufferEncoding = 'utf8'): string {
  const at = firstDifference(got, want);
  const around = (b: Buffer): string => JSON.stringify(b.subarray(Math.max(0, at - 20), at + 20).toString(encoding));
  return `${got.length} bytes where ${want.length} were expected; first difference at byte ${at}: expected …${around(want)}…, got …${around(got)}…`;
}

/** One field of a binary COPY tuple: its raw bytes, or null for SQL NULL (length -1). */
export type BinaryField = Buffer | null;

/** What a binary COPY stream decodes to. */
export interface BinaryCopy {
  flags: number;
  headerExtension: Buffer;
  tuples: BinaryField[][];
}

/**
 * Decodes a binary COPY stream (signature, flags, header extension, tuples, trailer -1).
 * Throws an Error naming the offset of anything malformed.
 */
export function decodeBinaryCopy(buf: Buffer): BinaryCopy {
  if (buf.length < 19 || !buf.subarray(0, 11).equals(BINARY_SIGNATURE)) {
    throw new Error(`binary COPY must start with the signature PGCOPY\\n\\377\\r\\n\\0, got ${JSON.stringify(buf.subarray(0, 11).toString('latin1'))}`);
  }
  const flags = buf.readInt32BE(11);
  const extLen = buf.readInt32BE(15);
  if (extLen < 0 || 19 + extLen > buf.length) throw new Error(`binary COPY header extension length ${extLen} is out of bounds`);
  const headerExtension = buf.subarray(19, 19 + extLen);
  let off = 19 + extLen;
  const tuples: BinaryField[][] = [];
  for (;;) {
    if (off + 2 > buf.length) throw new Error(`binary COPY ended at byte ${off} without the trailer (-1)`);
    const n = buf.readInt16BE(off);
    off += 2;
    if (n === -1) break;
    if (n < 0) throw new Error(`binary COPY tuple at byte ${off - 2} has field count ${n}`);
    const fields: BinaryField[] = [];
    for (let i = 0; i < n; i++) {
      if (off + 4 > buf.length) throw new Error(`binary COPY truncated in a field length at byte ${off}`);
      const len = buf.readInt32BE(off);
      off += 4;
      if (len === -1) {
        fields.push(null);
        continue;
      }
      if (len < 0 || off + len > buf.length) throw new Error(`binary COPY field length ${len} at byte ${off - 4} is out of bounds`);
      fields.push(buf.subarray(off, off + len));
      off += len;
    }
    tuples.push(fields);
  }
  if (off !== buf.length) throw new Error(`binary COPY has ${buf.length - off} bytes after the trailer`);
  return { flags, headerExtension, tuples };
}

/** Encodes tuples (already binary-encoded fields) as a binary COPY stream with no OIDs and no header extension. */
export function encodeBinaryCopy(tuples: BinaryField[][]): Buffer {
  const parts: Buffer[] = [BINARY_SIGNATURE, Buffer.alloc(8)];
  for (const t of tuples) {
    const n = Buffer.alloc(2);
    n.writeInt16BE(t.length);
    parts.push(n);
    for (const f of t) {
      const len = Buffer.alloc(4);
      len.writeInt32BE(f === null ? -1 : f.length);
      parts.push(len);
      if (f !== null) parts.push(f);
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

/** Binary send formats of a few base types (the `typsend` functions). */
export const bin = {
  int2(v: number): Buffer {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return b;
  },
  int4(v: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  },
  int8(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return b;
  },
  float8(v: number): Buffer {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return b;
  },
  bool(v: boolean): Buffer {
    return Buffer.from([v ? 1 : 0]);
  },
  text(v: string): Buffer {
    return Buffer.from(v, 'utf8');
  },
  /** Days since 2000-01-01. */
  date(daysSince2000: number): Buffer {
    return bin.int4(daysSince2000);
  },
  /** Microseconds since 2000-01-01 00:00:00 UTC. */
  timestamptz(microsSince2000: bigint): Buffer {
    return bin.int8(microsSince2000);
  },
  uuid(v: string): Buffer {
    return Buffer.from(v.replaceAll('-', ''), 'hex');
  },
  /** jsonb: a version byte (1), then the JSON text. */
  jsonb(text: string): Buffer {
    return Buffer.concat([Buffer.from([1]), Buffer.from(text, 'utf8')]);
  },
};
