// Telling a pooler in front of the server from the server itself, by what the endpoint does.
// Only the choice of a shipped expectations file (and the banner) uses this; verdicts never do.
import type { Client } from 'pg';
import { openWireSession, StartupError, type WireTarget } from '../pg-wire/index.js';
import { within } from '../time.js';

/** What was observed about a pooler between the client and the server. */
export interface PoolerFingerprint {
  /** The pooler, when its own answer names it (PgBouncer's "unsupported startup parameter"). */
  pooler: 'pgbouncer' | undefined;
  /** How server sessions are handed out, when observed. */
  mode: 'session' | 'transaction' | 'statement' | undefined;
}

/** A startup parameter PostgreSQL accepts (a custom placeholder setting) and PgBouncer refuses. */
const PROBE_PARAM = 'hc.fingerprint';
const STEP_MS = 3_000;

/**
 * PgBouncer refuses a startup parameter it does not know with its own FATAL 08P01
 * "unsupported startup parameter: …" (unless told to ignore it); PostgreSQL takes a custom
 * `x.y` parameter as a placeholder setting and logs in.
 */
async function refusedLikePgbouncer(target: Readonly<WireTarget>, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    const s = await openWireSession(target, { params: { [PROBE_PARAM]: '1' }, timeoutMs: STEP_MS, signal });
    s.conn.close();
    return false;
  } catch (e) {
    return e instanceof StartupError && e.fields.C === '08P01' && /unsupported startup parameter/i.test(e.fields.M ?? '');
  }
}

const pid = async (c: Client): Promise<number | undefined> => (await c.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]?.p;

/**
 * Transaction pooling hands a client another server session between its transactions: while a
 * second client holds a transaction open, the first client's next statement runs in a backend
 * other than its previous one (or the second client was given the first one's backend).
 */
async function poolMode(open: () => Promise<Client>, close: (c: Client) => Promise<void>): Promise<PoolerFingerprint['mode']> {
  const a = await open();
  let b: Client | undefined;
  try {
    b = await open();
    const a1 = await pid(a);
    try {
      await b.query('BEGIN');
    } catch {
      return 'statement'; // statement pooling refuses transactions
    }
    const b1 = await pid(b);
    const a2 = await pid(a);
    await b.query('ROLLBACK');
    return a1 !== a2 || b1 === a1 ? 'transaction' : 'session';
  } finally {
    if (b) await close(b);
    await close(a);
  }
}

/**
 * Observes whether the endpoint is PgBouncer and in which pooling mode, within a few seconds.
 * Never throws: what cannot be observed stays undefined.
 */
export async function fingerprintPooler(
  target: Readonly<WireTarget>,
  open: () => Promise<Client>,
  close: (c: Client) => Promise<void>,
  signal?: AbortSignal,
): Promise<PoolerFingerprint> {
  const none: PoolerFingerprint = { pooler: undefined, mode: undefined };
  const r = await within(
    (async (): Promise<PoolerFingerprint> => {
      if (!(await refusedLikePgbouncer(target, signal))) return none;
      return { pooler: 'pgbouncer', mode: await poolMode(open, close).catch(() => undefined) };
    })().catch(() => none),
    4 * STEP_MS,
  );
  return r.timedOut ? none : r.value;
}
