import { setMaxListeners } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { CaseContext, CaseDefinition } from '@helios-conformance/core';
import { closeConnection, type ConnectOptions, type MyTarget } from '../adapter.js';

/** Context of a MySQL case. */
export type Ctx = CaseContext<MyTarget>;
/** A MySQL case definition. */
export type MyCase = CaseDefinition<MyTarget>;

/** Suite version that introduced the first catalog. */
export const V010 = '0.1.0';

/** Defines a case introduced in 0.1.0 unless `since` says otherwise. */
export function myCase(def: Omit<MyCase, 'since'> & { since?: string }): MyCase {
  return { since: V010, ...def } as MyCase;
}

/** Opens a mysql2 connection in the run's namespace, bound to the case signal and closed after the case. */
export async function connect(ctx: Ctx, extra?: Partial<ConnectionOptions>, o: Omit<ConnectOptions, 'extra' | 'signal'> = {}): Promise<Connection> {
  setMaxListeners(200, ctx.signal);
  const conn = await ctx.target.connect({ ...o, signal: ctx.signal, ...(extra ? { extra } : {}) });
  ctx.defer(() => closeConnection(conn));
  return conn;
}

/** Text-protocol query returning rows. */
export async function rows<R = Record<string, unknown>>(conn: Connection, sql: string, params?: unknown[]): Promise<R[]> {
  const [r] = await conn.query(sql, params);
  return r as R[];
}

/** Binary-protocol (prepared) statement returning rows. */
export async function xrows<R = Record<string, unknown>>(conn: Connection, sql: string, params?: unknown[]): Promise<R[]> {
  const [r] = await conn.execute(sql, params as never);
  return r as R[];
}

/** The OK-packet fields of a statement without a result set. */
export interface Ok {
  affectedRows: number;
  insertId: number | string;
  changedRows?: number;
  warningStatus: number;
  serverStatus?: number;
  info?: string;
}

/** Runs a statement (text protocol) and returns its OK packet. */
export async function exec(conn: Connection, sql: string, params?: unknown[]): Promise<Ok> {
  const [r] = await conn.query(sql, params);
  return r as unknown as Ok;
}

/** Runs a statement (binary protocol) and returns its OK packet. */
export async function xexec(conn: Connection, sql: string, params?: unknown[]): Promise<Ok> {
  const [r] = await conn.execute(sql, params as never);
  return r as unknown as Ok;
}

/** A server error as mysql2 / mariadb raise it. */
export interface ServerError extends Error {
  errno?: number;
  sqlState?: string;
  code?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

/** Fails the case unless `cond` holds. */
export function check(ctx: Ctx, cond: unknown, message: string): asserts cond {
  if (!cond) ctx.fail(message);
}

const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : Buffer.isBuffer(x) ? `0x${x.toString('hex')}` : x)) ?? String(v);

/** Fails the case unless `actual` deep-equals `expected`. */
export function eq(ctx: Ctx, actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) ctx.fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/**
 * Expects `work` to be rejected by the server with one of `errnos` (and `sqlState` when
 * given). Returns the error; fails the case when it succeeded or failed differently.
 */
export async function expectError(
  ctx: Ctx,
  work: Promise<unknown> | (() => Promise<unknown>),
  errnos: number | readonly number[],
  sqlState: string | readonly string[] | undefined,
  what: string,
): Promise<ServerError> {
  const list = typeof errnos === 'number' ? [errnos] : errnos;
  const states = sqlState === undefined ? undefined : typeof sqlState === 'string' ? [sqlState] : sqlState;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    const err = e as ServerError;
    if (typeof err.errno !== 'number' || !list.includes(err.errno)) {
      ctx.fail(`${what}: expected error ${list.join(' or ')}, got ${err.errno ?? err.code ?? ''} ${err.sqlState ?? ''}: ${err.message}`);
    }
    if (states && !states.includes(err.sqlState ?? '')) {
      ctx.fail(`${what}: error ${err.errno} came with SQLSTATE ${err.sqlState ?? '(none)'}, expected ${states.join(' or ')}`);
    }
    return err;
  }
  return ctx.fail(`${what}: expected error ${list.join(' or ')}, but the statement succeeded`);
}

/** Resolves after `ms`, or rejects when the case is aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Creates a table in the run's namespace (dropped with it). */
export async function createTable(conn: Connection, name: string, body: string, options = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4'): Promise<void> {
  await conn.query(`DROP TABLE IF EXISTS \`${name}\``);
  await conn.query(`CREATE TABLE \`${name}\` (${body}) ${options}`);
}

/** Name of a user a case may create: `hc_<runId>_<suffix>` (dropped by the case and again at close). */
export function runUser(ctx: Ctx, suffix: string): string {
  return `hc_${ctx.target.runId}_${suffix}`;
}

/** Waits until `probe` returns true (polling every `everyMs`), or fails with `what`. */
export async function waitFor(ctx: Ctx, probe: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await probe()) return;
    await sleep(everyMs, ctx.signal);
  }
  ctx.fail(`${what} (waited ${timeoutMs} ms)`);
}
