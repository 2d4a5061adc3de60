import { setMaxListeners } from 'node:events';
import type { ClassifiedError } from '../errors.js';
import type { IsolationLevel, SqlDialect, SqlEndpoint, SqlResult, SqlSession } from '../session.js';
import { settleWithin, sleep } from '../time.js';

/** Levels a begin() is tried with at open; `snapshot` has no syntax in either wire family. */
export const PROBED_LEVELS: readonly IsolationLevel[] = ['read uncommitted', 'read committed', 'repeatable read', 'serializable'];

/**
 * Raised when a caller's signal aborted a statement. The session is destroyed with it: whether
 * the statement took effect is unknown, so the connection must never be reused.
 */
export class SessionAbortedError extends Error {
  override readonly name = 'SessionAbortedError';
  readonly code = 'HC_ABORTED';
  constructor(reason: unknown) {
    super(`statement aborted, session destroyed: ${reason instanceof Error ? reason.message : String(reason ?? 'aborted')}`);
  }
}

/**
 * Runs `fn` so that an abort of `signal` rejects at once and destroys the session; the driver's
 * own promise is left to settle (it rejects when the socket goes).
 */
export function guarded<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, destroy: () => void): Promise<T> {
  if (!signal) return fn();
  if (signal.aborted) {
    destroy();
    return Promise.reject(new SessionAbortedError(signal.reason));
  }
  setMaxListeners(0, signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      destroy();
      reject(new SessionAbortedError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let p: Promise<T>;
    try {
      p = fn();
    } catch (e) {
      signal.removeEventListener('abort', onAbort);
      reject(e);
      return;
    }
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Column names lower-cased so cases read `row.value` whatever the dialect reports. */
export function lowerKeys(rows: readonly unknown[]): Record<string, unknown>[] {
  return rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r as Record<string, unknown>)) out[k.toLowerCase()] = v;
    return out;
  });
}

/** An empty result, for statements the server answered without rows. */
export const NO_ROWS: SqlResult = Object.freeze({ rows: [], affected: undefined });

/**
 * Rewrites `?` placeholders to `$1, $2, …` for PostgreSQL, leaving `?` inside string
 * literals, quoted identifiers, dollar-quoted bodies and comments alone (so `'a?b'` and
 * the jsonb `?` operator written as `'?'` text survive).
 */
export function rewritePlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? sql.length : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close === -1 ? sql.length : close + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && /[A-Za-z_$]/.test(next ?? '') && !/[\w]/.test(sql[i - 1] ?? '')) {
      const m = /^\$([A-Za-z_]\w*)?\$/.exec(sql.slice(i));
      if (m) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        const end = close === -1 ? sql.length : close + tag.length;
        out += sql.slice(i, end);
        i = end;
      } else {
        out += c;
        i++;
      }
    } else if (c === '?') {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the literal that opens at `start` with `quote` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/**
 * Tries begin(level) + rollback for every level on one throwaway session: a level the server
 * rejects is absent from the result. A session lost while probing ends the probe early.
 */
export async function probeLevels(session: SqlSession, signal?: AbortSignal): Promise<IsolationLevel[]> {
  const accepted: IsolationLevel[] = [];
  for (const level of PROBED_LEVELS) {
    try {
      await session.begin(level, signal);
      await session.query('SELECT 1 AS one', [], signal);
      accepted.push(level);
    } catch {
      // rejected: the level stays absent
    } finally {
      await session.rollback(signal);
    }
  }
  return accepted;
}

/**
 * What both families' sessions share: the registry bookkeeping and the rules that rollback never
 * throws, close never hangs and destroy is immediate. Subclasses bring the wire calls.
 */
export abstract class RegisteredSession implements SqlSession {
  abstract readonly dialect: SqlDialect;
  #gone = false;
  constructor(
    readonly backendId: number,
    private readonly registry: SessionRegistry<SqlSession>,
  ) {}

  abstract query(sql: string, params?: readonly unknown[], signal?: AbortSignal): Promise<SqlResult>;
  abstract begin(level: IsolationLevel, signal?: AbortSignal): Promise<void>;
  abstract commit(signal?: AbortSignal): Promise<void>;
  /** A polite goodbye to the server, bounded in time. */
  protected abstract closeTransport(): Promise<void>;
  /** Drops the socket without a goodbye; must not throw. */
  protected abstract destroyTransport(): void;

  /** For the subclass to call when the transport reports its end. */
  protected markGone(): void {
    this.#gone = true;
  }

  async rollback(signal?: AbortSignal): Promise<void> {
    if (this.#gone) return;
    try {
      await this.query('ROLLBACK', [], signal);
    } catch {
      // A session that cannot roll back cannot be trusted either.
      this.destroy();
    }
  }

  async close(): Promise<void> {
    this.registry.delete(this);
    await this.closeTransport();
    this.#gone = true;
  }

  destroy(): void {
    this.registry.delete(this);
    this.#gone = true;
    this.destroyTransport();
  }
}

/** The sessions an endpoint opened and has not seen closed, for its close() to clean up. */
export class SessionRegistry<S> {
  readonly #open = new Set<S>();
  add(s: S): void {
    this.#open.add(s);
  }
  delete(s: S): void {
    this.#open.delete(s);
  }
  drain(): S[] {
    const all = [...this.#open];
    this.#open.clear();
    return all;
  }
}

/** What one wire family contributes to {@link assembleEndpoint}. */
export interface EndpointParts<S extends SqlSession> {
  dialect: SqlDialect;
  target: { readonly namespace: string; qualify(table: string): string };
  /** What the endpoint reported as its version. */
  server: string;
  registry: SessionRegistry<S>;
  open(signal?: AbortSignal): Promise<S>;
  killSession(backendId: number, signal?: AbortSignal): Promise<void>;
  classify(error: unknown): ClassifiedError;
  /** Drops the namespace and closes the target's own connections. */
  closeTarget(): Promise<void>;
}

/**
 * The part of an endpoint both families share: the level probe on one throwaway session, and a
 * close() that ends leftover sessions before it drops the namespace.
 */
export async function assembleEndpoint<S extends SqlSession>(parts: EndpointParts<S>, signal?: AbortSignal): Promise<SqlEndpoint> {
  const { registry, killSession, closeTarget } = parts;
  const probe = await parts.open(signal).catch(async (e: unknown) => {
    await closeTarget().catch(() => undefined);
    throw e;
  });
  let levels: IsolationLevel[];
  try {
    levels = await probeLevels(probe, signal);
  } finally {
    await probe.close();
  }

  let closed: Promise<void> | undefined;
  return {
    dialect: parts.dialect,
    namespace: parts.target.namespace,
    server: parts.server,
    qualify: (table) => parts.target.qualify(table),
    open: parts.open,
    levels: Object.freeze(levels),
    classify: parts.classify,
    killSession,
    async probe(sig?: AbortSignal) {
      const s = await parts.open(sig);
      try {
        await s.query('SELECT 1 AS one', [], sig);
      } finally {
        await settleWithin(s.close(), 1_000);
      }
    },
    close() {
      closed ??= (async () => {
        const left = registry.drain();
        // Kill leftovers server-side first: a backend waiting on a row lock would not notice its
        // socket closing, and its locks would hold up the DROP SCHEMA / DROP DATABASE.
        if (left.length) await settleWithin(Promise.all(left.map((s) => killSession(s.backendId).catch(() => undefined))), 5_000);
        for (const s of left) s.destroy();
        await settleWithin(closeTarget(), 20_000);
      })();
      return closed;
    },
  };
}

/**
 * Asks `gone()` every 20 ms, at most `tries` times: a killed backend lingers while it rolls back,
 * and its locks hold until it has left the server's session list.
 */
export async function waitUntilGone(gone: () => Promise<boolean>, tries: number, signal?: AbortSignal): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await gone()) return;
    await sleep(20, signal);
  }
}
