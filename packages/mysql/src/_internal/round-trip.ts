// The type round trip of the types and charset cases: every sample inserted as a literal (text
// protocol) and as a bound parameter (binary protocol), read back over both protocols.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { ConnectionOptions } from 'mysql2/promise';
import { connect, createTable, exec, rows, xrows, type Ctx } from './case-kit.js';

/** One value of a round trip: an SQL literal, the same value as a bound parameter, and what must come back. */
export interface Sample {
  lit: string;
  param: unknown;
  expect: unknown;
}

/** Turns what a driver returned into the form a sample's `expect` is written in. */
export type Norm = (v: unknown) => unknown;

/** Text (a Buffer read as UTF-8). */
export const str: Norm = (v) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
/** Bytes as hex. */
export const hex: Norm = (v) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('hex') : `not bytes: ${String(v)}`);
/** A number. */
export const num: Norm = (v) => (v === null ? null : Number(v));
/** Pads the fraction of a temporal string to `fsp` digits (drivers drop zero fractions in the binary protocol). */
export const frac =
  (fsp: number): Norm =>
  (v) => {
    if (v === null) return null;
    const s = String(v);
    if (fsp === 0) return s.replace(/\.0+$/, '');
    const [whole, f = ''] = s.split('.');
    return `${whole}.${f.padEnd(fsp, '0')}`;
  };

/** Equal within a relative tolerance (floating point). */
export const relClose =
  (tol: number) =>
  (a: unknown, b: unknown): boolean => {
    const x = Number(a);
    const y = Number(b);
    if (x === y) return true;
    return Math.abs(x - y) <= tol * Math.max(Math.abs(x), Math.abs(y));
  };

/** Options of {@link roundTrip}. */
export interface RoundTripOptions {
  /** Decides equality (deep equality by default). */
  same?: (a: unknown, b: unknown) => boolean;
  /** A statement run on the session first (e.g. SET time_zone). */
  setup?: string;
  /** mysql2 options of the session (e.g. jsonStrings). */
  extra?: Partial<ConnectionOptions>;
}

/**
 * Inserts every sample twice (as a literal over the text protocol and as a bound parameter
 * over the binary protocol), reads all rows back over both protocols, and compares each
 * normalized value with what is expected.
 */
export async function roundTrip(ctx: Ctx, table: string, columnType: string, samples: Sample[], norm: Norm, o: RoundTripOptions = {}): Promise<void> {
  const same = o.same ?? isDeepStrictEqual;
  const conn = await connect(ctx, o.extra);
  if (o.setup) await exec(conn, o.setup);
  await createTable(conn, table, `id INT PRIMARY KEY, v ${columnType}`);
  for (const [i, s] of samples.entries()) {
    await exec(conn, `INSERT INTO ${table} VALUES (${i * 2}, ${s.lit})`);
    await conn.execute(`INSERT INTO ${table} VALUES (?, ?)`, [i * 2 + 1, s.param] as never);
  }
  const text = await rows<{ id: number; v: unknown }>(conn, `SELECT id, v FROM ${table} ORDER BY id`);
  const bin = await xrows<{ id: number; v: unknown }>(conn, `SELECT id, v FROM ${table} WHERE id >= ? ORDER BY id`, [0]);
  assert.equal(text.length, samples.length * 2, `${columnType}: rows read back`);
  for (const [proto, list] of [['text', text], ['binary', bin]] as const) {
    for (const r of list) {
      const s = samples[Math.floor(Number(r.id) / 2)] as Sample;
      const how = Number(r.id) % 2 === 0 ? 'literal' : 'bound parameter';
      const got = norm(r.v);
      if (!same(got, s.expect)) {
        assert.fail(`${columnType} ${s.lit} (inserted as ${how}) read over the ${proto} protocol: expected ${JSON.stringify(s.expect)}, got ${JSON.stringify(got)}`);
      }
    }
  }
}

/** The minimum, maximum, ±1 and 0 of an integer type, as literals and parameters (BIGINT as strings). */
export function intSamples(bits: number, unsigned: boolean): Sample[] {
  const max = unsigned ? 2n ** BigInt(bits) - 1n : 2n ** BigInt(bits - 1) - 1n;
  const min = unsigned ? 0n : -(2n ** BigInt(bits - 1));
  const p = (n: bigint): unknown => (bits === 64 ? n.toString() : Number(n));
  return [min, max, unsigned ? 1n : -1n, 0n].map((n) => ({ lit: n.toString(), param: p(n), expect: n.toString() }));
}
