// The plumbing of the Snowflake cases: connections bound to the case (deadline, cleanup), the
// driver's callbacks as promises, waiting with a deadline. A case body keeps its statements and checks.
import { defineCase, type Case, type CaseContext, type CaseDefinition } from '@helios-conformance/core';
import type { SfConnection, SfError, SfExecuteOptions, SfStatement } from './driver.js';
import type { SnowflakeTarget } from '../target.js';

/** Context of a Snowflake case. */
export type Ctx = CaseContext<SnowflakeTarget>;
/** A Snowflake case as stored in the catalog. */
export type SfCase = Case<SnowflakeTarget>;

/** Suite version that introduced the first catalog. */
export const V010 = '0.1.0';

/** core's `defineCase` bound to {@link SnowflakeTarget}; `since` is 0.1.0 unless the case says otherwise. */
export function defineSnowflakeCase(def: Omit<CaseDefinition<SnowflakeTarget>, 'since'> & { since?: string }): SfCase {
  return defineCase<SnowflakeTarget>({ since: V010, ...def });
}

/** Resolves after `ms`, or rejects when the case is aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settles with `work`, or rejects with `what` when the case is aborted first. */
export function bounded<T>(ctx: Ctx, work: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(`${what}: no answer before the case deadline`));
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        ctx.signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/** A new snowflake-sdk connection in the run's schema, destroyed after the case. */
export async function connect(ctx: Ctx, overrides: Record<string, unknown> = {}): Promise<SfConnection> {
  const conn = await bounded(ctx, ctx.target.connect(overrides), 'login');
  ctx.defer(() => destroy(conn));
  return conn;
}

/** Destroys a connection (logout), bounded: a dead endpoint must not hold the cleanup. */
export function destroy(conn: SfConnection): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 3_000);
    try {
      conn.destroy(() => {
        clearTimeout(t);
        resolve();
      });
    } catch {
      clearTimeout(t);
      resolve();
    }
  });
}

/** The outcome of one `execute`. */
export interface Executed {
  stmt: SfStatement;
  rows: Array<Record<string, unknown>>;
}

/**
 * `connection.execute` as a promise: resolves with the statement and its rows (none with
 * `streamResult`), rejects with the driver's error. The statement is cancelled when the case is aborted.
 */
export function exec(ctx: Ctx, conn: SfConnection, sqlText: string, binds?: unknown[], extra: Omit<SfExecuteOptions, 'sqlText' | 'binds' | 'complete'> = {}): Promise<Executed> & { stmt: SfStatement } {
  let stmt!: SfStatement;
  const p = new Promise<Executed>((resolve, reject) => {
    stmt = conn.execute({
      sqlText,
      ...(binds ? { binds } : {}),
      ...extra,
      complete: (err, s, rows) => (err ? reject(err) : resolve({ stmt: s, rows: rows ?? [] })),
    });
  });
  const onAbort = (): void => stmt.cancel(() => undefined);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const done = bounded(ctx, p, `statement ${JSON.stringify(sqlText.slice(0, 60))}`).finally(() => ctx.signal.removeEventListener('abort', onAbort));
  return Object.assign(done, { stmt });
}

/** Rows `start`..`end` of a statement executed with `streamResult: true`. */
export function streamRows(ctx: Ctx, stmt: SfStatement, start?: number, end?: number): Promise<Array<Record<string, unknown>>> {
  return bounded(
    ctx,
    new Promise((resolve, reject) => {
      const rows: Array<Record<string, unknown>> = [];
      stmt
        .streamRows({ ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) })
        .on('data', (r: Record<string, unknown>) => rows.push(r))
        .on('error', (e: Error) => reject(e))
        .on('end', () => resolve(rows));
    }),
    'streamRows',
  );
}

/** The error `work` was rejected with, or null when it succeeded; never rejects. */
export async function rejectionOf(work: Promise<unknown>): Promise<SfError | null> {
  try {
    await work;
    return null;
  } catch (e) {
    return (e ?? new Error('rejected with nothing')) as SfError;
  }
}

/** A Snowflake error code as the driver gives it (a string like "002003" or a number) normalised to six digits. */
export function codeOf(e: SfError | null): string | undefined {
  if (!e || e.code === undefined || e.code === null) return undefined;
  return String(e.code).padStart(6, '0');
}
