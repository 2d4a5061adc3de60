// Helpers shared by the behaviour cases (errors, transactions, notify, cancel, streaming, catalog).
import assert from 'node:assert/strict';
import type { Client, QueryConfig } from 'pg';
import { sqlstate, within, type PgContext } from '../../_internal/case-kit.js';

/** The fields of a PostgreSQL ErrorResponse that `pg` exposes on its error. */
export interface PgServerError extends Error {
  code: string;
  severity?: string;
  detail?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

const describeSql = (q: string | QueryConfig): string => (typeof q === 'string' ? q : q.text).replace(/\s+/g, ' ').slice(0, 120);

/**
 * Runs `query` and requires it to fail with SQLSTATE `expected`, severity ERROR and a
 * non-empty message. A non-server error (lost connection…) is rethrown (the harness reports
 * it as `error`). Returns the server error for further checks.
 */
export async function expectError(
  client: Client,
  query: string | QueryConfig,
  expected: string,
  what: string,
  values?: unknown[],
): Promise<PgServerError> {
  let err: unknown;
  let ok = false;
  try {
    await client.query(query as string, values);
    ok = true;
  } catch (e) {
    err = e;
  }
  if (ok) assert.fail(`${what}: "${describeSql(query)}" must fail with SQLSTATE ${expected}, but it succeeded`);
  return checkError(err, expected, what);
}

/** Requires `err` to be a server error with SQLSTATE `expected`, severity ERROR and a message. */
export function checkError(err: unknown, expected: string, what: string): PgServerError {
  const code = sqlstate(err);
  if (code === undefined) throw err; // not a server error: the harness reports it as error
  const e = err as PgServerError;
  assert.equal(code, expected, `${what}: expected SQLSTATE ${expected}, got ${code} (${e.message})`);
  assert.equal(e.severity, 'ERROR', `${what}: the ErrorResponse must carry severity ERROR, got ${JSON.stringify(e.severity)}`);
  assert.ok(typeof e.message === 'string' && e.message.trim() !== '', `${what}: the ErrorResponse must carry a message`);
  return e;
}

/** Runs a query that must answer within `ms`; fails the case naming who waited and why. */
export async function answered<T>(ctx: PgContext, p: Promise<T>, ms: number, what: string): Promise<T> {
  const r = await within(p, ms);
  if (r.timedOut) return ctx.fail(`${what} got no answer within ${ms} ms`);
  return r.value;
}

/** Settles a promise into a value or an error, so it can be raced and inspected later. */
export function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Resolves after `ms` milliseconds (or at once when `signal` is aborted). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Waits (at most `ms`) for `pending`, a query of a second session issued while `holder`
 * has an open transaction. When no answer comes (an endpoint that serialises sessions,
 * like PGlite behind pglite-socket), the holder is rolled back so the queued query can
 * finish, the second session is rolled back too, and the case fails naming what waited.
 */
export async function secondSession<T>(
  ctx: PgContext,
  pending: Promise<T>,
  holder: Client,
  second: Client,
  ms: number,
  what: string,
): Promise<T> {
  const guarded = settle(pending);
  const r = await within(guarded, ms);
  if (!r.timedOut) {
    if (r.value.ok) return r.value.value;
    throw r.value.error;
  }
  await within(holder.query('ROLLBACK').catch(() => undefined), 3_000);
  await within(guarded, 3_000);
  await within(second.query('ROLLBACK').catch(() => undefined), 3_000);
  return ctx.fail(`${what} got no answer within ${ms} ms while another session held an open transaction (the endpoint does not run sessions concurrently)`);
}
