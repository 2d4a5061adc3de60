// Helpers shared by the COPY and type cases (PG-040..PG-068). Never exported from the package.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { Client, CustomTypesConfig, QueryResult } from 'pg';
import { sqlstate } from './case-kit.js';

/** A value as a short, unambiguous string for failure messages (shows -0, NaN, Buffers, bigint). */
export function show(v: unknown): string {
  return inspect(v, { depth: 4, breakLength: Infinity, maxStringLength: 400, maxArrayLength: 40 });
}

/** Deep strict equality (Object.is for primitives, so -0 and NaN are told apart); fails with "what: expected X, got Y". */
export function same(actual: unknown, expected: unknown, what: string): void {
  let ok = true;
  try {
    assert.deepStrictEqual(actual, expected);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new assert.AssertionError({ message: `${what}: expected ${show(expected)}, got ${show(actual)}`, actual, expected, operator: 'deepStrictEqual' });
  }
}

/** Every type parser replaced by the identity: values arrive exactly as the server sent them in text format. */
const RAW_TYPES = { getTypeParser: () => (v: string) => v } as unknown as CustomTypesConfig;

/** First row of a query with the driver's usual type parsing. */
export async function row<T extends Record<string, unknown> = Record<string, unknown>>(client: Client, sql: string, params: unknown[] = []): Promise<T> {
  const r = await client.query<T>(sql, params);
  const first = r.rows[0];
  if (first === undefined) throw new assert.AssertionError({ message: `"${sql}" returned no row` });
  return first;
}

/** First row of a query with every column as the exact text the server sent (no type parsing). */
export async function rawRow(client: Client, sql: string, params: unknown[] = []): Promise<Record<string, string | null>> {
  const r: QueryResult<Record<string, string | null>> = await client.query({ text: sql, values: params, types: RAW_TYPES });
  const first = r.rows[0];
  if (first === undefined) throw new assert.AssertionError({ message: `"${sql}" returned no row` });
  return first;
}

/** Checks every column of `actual` against `expected` (by name), one message per mismatch. */
export function sameColumns(actual: Record<string, unknown>, expected: Record<string, unknown>, what: string): void {
  for (const [k, v] of Object.entries(expected)) same(actual[k], v, `${what}, column ${k}`);
}

/**
 * Runs `sql` and requires it to fail with SQLSTATE `expected`. A success or another SQLSTATE
 * is a failed assertion naming both; an error without a SQLSTATE (lost connection…) is rethrown.
 * Returns the server's message.
 */
export async function expectSqlstate(client: Client, sql: string, params: unknown[], expected: string, what: string): Promise<string> {
  let code: string | undefined;
  let message = '';
  try {
    await client.query(sql, params);
  } catch (e) {
    code = sqlstate(e);
    message = (e as Error).message;
    // No SQLSTATE, or a connection-class one (08xxx: the session is gone): not a verdict on the value.
    if (code === undefined || code.startsWith('08')) throw e;
  }
  if (code === undefined) throw new assert.AssertionError({ message: `${what}: expected SQLSTATE ${expected}, but "${sql}" succeeded` });
  if (code !== expected) throw new assert.AssertionError({ message: `${what}: expected SQLSTATE ${expected}, got ${code} (${message})` });
  return message;
}

/** Requires that the session still answers a trivial query after an error. */
export async function stillAlive(client: Client, after: string): Promise<void> {
  const r = await client.query<{ ok: number }>('SELECT 41 + 1 AS ok');
  same(r.rows[0]?.ok, 42, `the session must still answer after ${after}`);
}
