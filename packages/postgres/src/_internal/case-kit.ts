// The plumbing of the case bodies: opening sessions tied to the case, waiting with a deadline,
// racing a second session. A case reads as its statements and checks; what it waits for and how
// it cleans up lives here. Never exported from the package.
import type { Client } from 'pg';
import { defineCase, type Case, type CaseContext, type CaseDefinition } from '@helios-conformance/core';
import { settle, within, type Settled } from '@helios-conformance/sql';
import { checkSqlError, closeClient, type PgTarget } from '@helios-conformance/sql/postgres';
import { openWireSession, type WireSession, type WireSessionOptions } from '@helios-conformance/sql/pg-wire';

export { settle, sleep, within, type Settled } from '@helios-conformance/sql';

/** The context every PostgreSQL case receives. */
export type PgContext = CaseContext<PgTarget>;

/** `defineCase` bound to {@link PgTarget}. */
export function definePgCase(def: CaseDefinition<PgTarget>): Case<PgTarget> {
  return defineCase<PgTarget>(def);
}

/**
 * Opens a new `pg` session in the run's namespace, tied to the case: aborting the case
 * destroys it, and it is closed when the case ends (pass or fail).
 */
export async function openSession(ctx: PgContext, applicationName?: string): Promise<Client> {
  const client = await ctx.target.connect({ signal: ctx.signal, applicationName });
  ctx.defer(() => closeClient(client));
  return client;
}

/**
 * Opens a raw wire session (`@helios-conformance/sql/pg-wire`) with the target's connection
 * options, tied to the case: aborting the case destroys the socket, and it is closed when the
 * case ends. `search_path` is set to the run's namespace unless `searchPath: false`.
 */
export async function openWire(ctx: PgContext, o: WireSessionOptions & { searchPath?: boolean } = {}): Promise<WireSession> {
  const { searchPath, ...rest } = o;
  const s = await openWireSession(ctx.target.connection, { signal: ctx.signal, ...rest });
  ctx.defer(() => s.conn.close());
  if (searchPath !== false) await s.conn.queryRows(`SET search_path TO "${ctx.target.namespace.replaceAll('"', '""')}"`);
  return s;
}

/** The SQLSTATE of a driver error, or undefined. */
export function sqlstate(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Waits at most `ms` for `p`; no answer by then fails the case with "`what` got no answer within `ms` ms". */
export async function answered<T>(ctx: PgContext, p: Promise<T>, ms: number, what: string): Promise<T> {
  const r = await within(p, ms);
  if (r.timedOut) return ctx.fail(`${what} got no answer within ${ms} ms`);
  return r.value;
}

/**
 * Waits (at most `ms`) for `pending`, a query of a second session issued while `holder`
 * has an open transaction. When no answer comes (an endpoint that serialises sessions,
 * like PGlite behind pglite-socket), the holder is rolled back so the queued query can
 * finish, the second session is rolled back too, and the case fails naming what waited.
 */
export async function secondSession<T>(ctx: PgContext, pending: Promise<T>, holder: Client, second: Client, ms: number, what: string): Promise<T> {
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
/** Transactions of named sessions run statement by statement, in the order a scenario gives. */
export interface Interleaving<K extends string> {
  /**
   * Runs `sql` in `who`'s transaction, unless that transaction was already aborted. An error must
   * be the abort the scenario allows (its SQLSTATE, severity ERROR): it is recorded and `who` rolls
   * back. A statement that gets no answer within the wait fails the case, after rolling back the
   * other sessions and then `who` (an endpoint that does not run sessions concurrently).
   */
  step(who: K, sql: string): Promise<void>;
  /** The sessions whose transaction was aborted, with the statement that was refused. */
  readonly aborted: ReadonlyMap<K, string>;
}

/** Interleaves the transactions of `sessions`; `abortCode` is the one SQLSTATE a statement may fail with. */
export function interleave<K extends string>(ctx: PgContext, sessions: Record<K, Client>, o: { waitMs: number; abortCode: string }): Interleaving<K> {
  const aborted = new Map<K, string>();
  const names = Object.keys(sessions) as K[];
  return {
    aborted,
    async step(who, sql) {
      if (aborted.has(who)) return;
      const c = sessions[who];
      const r = await within(settle(c.query(sql)), o.waitMs);
      if (r.timedOut) {
        for (const other of names.filter((n) => n !== who)) await within(sessions[other].query('ROLLBACK').catch(() => undefined), 3_000);
        await within(c.query('ROLLBACK').catch(() => undefined), 3_000);
        return ctx.fail(`transaction ${who}'s "${sql}" got no answer within ${o.waitMs} ms while the other transaction was open (the endpoint does not run sessions concurrently)`);
      }
      if (r.value.ok) return;
      checkSqlError(r.value.error, o.abortCode, `transaction ${who}'s "${sql}"`);
      aborted.set(who, sql);
      await c.query('ROLLBACK');
    },
  };
}

/**
 * The first of several pending outcomes to arrive within `ms` (e.g. two sessions each waiting
 * for the other's lock), with who it was; undefined when none arrived in time.
 */
export async function firstOf<K extends string, T>(pending: Record<K, Promise<Settled<T>>>, ms: number): Promise<{ who: K; outcome: Settled<T> } | undefined> {
  const tagged = (Object.keys(pending) as K[]).map((who) => pending[who].then((outcome) => ({ who, outcome })));
  const r = await within(Promise.race(tagged), ms);
  return r.timedOut ? undefined : r.value;
}
