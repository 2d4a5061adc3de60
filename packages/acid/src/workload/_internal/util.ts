import { setMaxListeners } from 'node:events';
import type { SqlEndpoint, SqlSession } from '@helios-conformance/sql';

/** A signal that aborts with `parent` or after `ms`, whichever comes first. */
export function within(parent: AbortSignal | undefined, ms: number): AbortSignal {
  const t = AbortSignal.timeout(Math.max(1, Math.floor(ms)));
  const s = parent ? AbortSignal.any([parent, t]) : t;
  // Many statements share one parent signal; each adds a listener for its own lifetime.
  setMaxListeners(0, s);
  if (parent) setMaxListeners(0, parent);
  return s;
}

/** Resolves after `ms` (early, without rejecting, when `signal` aborts). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Session settings that bound how long a statement waits for a row lock, so a lock wait ends as
 * a classified lock timeout (a known failure) long before the client's own deadline fires (an
 * unknown outcome). Dialect SQL, like the upsert statements: the session contract has none.
 */
export async function boundLockWaits(session: SqlSession, lockWaitMs: number, signal?: AbortSignal): Promise<void> {
  if (session.dialect === 'postgres') {
    await session.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockWaitMs))}`, [], signal);
  } else {
    await session.query(`SET SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(lockWaitMs / 1000))}`, [], signal);
  }
}

/** Opens a session with bounded lock waits; closes it again if the setting fails. */
export async function openBounded(endpoint: SqlEndpoint, lockWaitMs: number, signal?: AbortSignal): Promise<SqlSession> {
  const s = await endpoint.open(signal);
  try {
    await boundLockWaits(s, lockWaitMs, signal);
  } catch (e) {
    await s.close();
    throw e;
  }
  return s;
}

/**
 * A workload client's way to (re)open its session: a failed open is logged and retried after
 * 200 ms (undefined tells the client to loop again); the fifth failure in a row ends the client.
 */
export function sessionOpener(label: string, open: () => Promise<SqlSession>, log: (m: string) => void, signal?: AbortSignal): () => Promise<SqlSession | undefined> {
  let failures = 0;
  return async () => {
    try {
      const s = await open();
      failures = 0;
      return s;
    } catch (e) {
      if (++failures >= 5) throw new Error(`${label} could not open a session 5 times in a row: ${messageOf(e)}`);
      log(`${label}: open failed (${messageOf(e)}), retrying`);
      await pause(200, signal);
      return undefined;
    }
  };
}

/**
 * Runs `count` concurrent clients to the end, then rethrows the first one's failure: waiting for
 * all of them first means no client is still writing when the caller reads or drops the table.
 */
export async function runClients(count: number, client: (index: number) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => client(i)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** `CREATE TABLE` column type for arbitrary-length text in each dialect. */
export function textType(endpoint: SqlEndpoint): string {
  return endpoint.dialect === 'postgres' ? 'text' : 'longtext';
}

/** A short random suffix for table names, so two runs of one case in a namespace never collide. */
export function tableSuffix(rng: { int(min: number, max: number): number }): string {
  return rng.int(0, 36 ** 6 - 1).toString(36).padStart(6, '0');
}

/** Drops a table from a fresh session; never throws (cleanup must not hide the verdict). */
export async function dropTables(endpoint: SqlEndpoint, tables: readonly string[], timeoutMs = 10_000): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  let s: SqlSession | undefined;
  try {
    s = await endpoint.open(signal);
    for (const t of tables) await s.query(`DROP TABLE IF EXISTS ${endpoint.qualify(t)}`, [], signal);
  } catch {
    // the namespace is dropped when the endpoint closes; a leftover table goes with it
  } finally {
    await s?.close();
  }
}

/** An error's message, for logs. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
