// The plumbing of the MySQL cases: sessions bound to the case (signal, cleanup, namespace), the
// statement helpers, waiting with a deadline, temporary users and the second driver. A case body
// keeps only its statements and its checks.
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { Kysely } from 'kysely';
import type * as MariadbModule from 'mariadb';
import { defineCase, type Case, type CaseContext, type CaseDefinition } from '@helios-conformance/core';
import { sleep } from '@helios-conformance/sql';
import { closeConnection, type ConnectOptions, type MysqlServerError, type MyTarget } from '@helios-conformance/sql/mysql';
import { loadKysely, loadMariadb } from './drivers.js';

/** Resolves after `ms`, or rejects when the case is aborted. */
export { sleep } from '@helios-conformance/sql';

/** Context of a MySQL case. */
export type Ctx = CaseContext<MyTarget>;
/** A MySQL case, as stored in the catalog. */
export type MyCase = Case<MyTarget>;

/** Suite version that introduced the first catalog. */
export const V010 = '0.1.0';

/** core's `defineCase` bound to {@link MyTarget}; `since` is 0.1.0 unless the case says otherwise. */
export function defineMysqlCase(def: Omit<CaseDefinition<MyTarget>, 'since'> & { since?: string }): MyCase {
  return defineCase<MyTarget>({ since: V010, ...def });
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

/**
 * The error `work` was rejected with, or null when it succeeded; never rejects. For outcomes a
 * case inspects itself (any refusal, a lost connection, one of two racing sessions).
 */
export async function rejectionOf(work: Promise<unknown> | (() => Promise<unknown>)): Promise<MysqlServerError | null> {
  try {
    await (typeof work === 'function' ? work() : work);
    return null;
  } catch (e) {
    return (e ?? new Error('rejected with nothing')) as MysqlServerError;
  }
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
  assert.fail(`${what} (waited ${timeoutMs} ms)`);
}

/** How many of the server threads `ids` are still in the process list. */
export async function liveThreads(conn: Connection, ids: readonly number[]): Promise<number> {
  const [r] = await rows<{ n: string }>(conn, `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID IN (${ids.map(Number).join(',')})`);
  return Number(r?.n);
}

/**
 * Creates a user `hc_<run>_<suffix>` for the case (dropped after it) with SELECT on the
 * namespace. `identified` lists alternative spellings (MySQL's `IDENTIFIED WITH … BY`, MariaDB's
 * `IDENTIFIED VIA … USING`): the first one the server parses is used, so the choice comes from
 * what the server accepts.
 */
export async function tempUser(ctx: Ctx, suffix: string, identified: string | string[], extra = ''): Promise<string> {
  const admin = await connect(ctx);
  const user = runUser(ctx, suffix);
  await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
  ctx.defer(() => admin.query(`DROP USER IF EXISTS '${user}'@'%'`));
  const spellings = typeof identified === 'string' ? [identified] : identified;
  for (let i = 0; i < spellings.length; i++) {
    try {
      await admin.query(`CREATE USER '${user}'@'%' ${spellings[i]} ${extra}`);
      ctx.log(`created the user with: ${spellings[i]}`);
      break;
    } catch (e) {
      if ((e as MysqlServerError).errno !== 1064 || i === spellings.length - 1) throw e;
    }
  }
  await admin.query(`GRANT SELECT ON \`${ctx.target.namespace}\`.* TO '${user}'@'%'`);
  return user;
}

/** Logs in as `user` (mysql2, the run's TLS settings unless `extra` overrides them); closed after the case. */
export async function loginAs(ctx: Ctx, user: string, password: string, extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const conn = await ctx.target.connect({ signal: ctx.signal, extra: { user, password, ...extra } });
  ctx.defer(() => closeConnection(conn));
  return conn;
}

/**
 * Opens a connection with the MariaDB connector (the second driver) to the run's namespace, with
 * the run's TLS settings; `options` override (user, password, type mapping). Destroyed when the
 * case is aborted, ended after it.
 */
export async function connectMariadb(ctx: Ctx, options: Partial<MariadbModule.ConnectionConfig> = {}): Promise<MariadbModule.Connection> {
  const mariadb = await loadMariadb();
  const c = ctx.target.connection;
  const conn = await mariadb.createConnection({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: ctx.target.namespace,
    ...(c.ssl ? { ssl: c.ssl as never } : {}),
    connectTimeout: c.connectTimeoutMs,
    ...options,
  });
  ctx.defer(() => conn.end().catch(() => conn.destroy()));
  ctx.signal.addEventListener('abort', () => conn.destroy(), { once: true });
  return conn;
}

/** Kysely over a mysql2 (callback) pool of `connectionLimit` connections to the run's namespace; destroyed after the case. */
export async function openKysely<DB>(ctx: Ctx, connectionLimit: number): Promise<Kysely<DB>> {
  const { Kysely, MysqlDialect } = await loadKysely();
  const cb = await import('mysql2');
  const createPool = (cb as unknown as { default?: typeof cb }).default?.createPool ?? cb.createPool;
  const db = new Kysely<DB>({ dialect: new MysqlDialect({ pool: createPool({ ...ctx.target.mysql2Options(), connectionLimit } as never) }) });
  ctx.defer(() => db.destroy());
  return db;
}

/**
 * True when `work` (a statement waiting for a lock) is still running after `ms`; it keeps
 * running either way, and its failure is never left unhandled.
 */
export async function blockedFor(ctx: Ctx, work: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms, ctx.signal);
  return !settled;
}
