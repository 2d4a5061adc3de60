// The acknowledged-write ledger: N clients insert rows with unique ids through the client-facing
// DSN, each insert its own (autocommit) transaction. A write is acknowledged only when the server
// answered the INSERT's commit; an error that proves nothing was committed makes it `failed`; a
// timeout or a lost connection makes it `in-doubt` (it may or may not have committed). After a
// fault the ids are read back from whatever is primary then: an acknowledged id that is missing
// is a lost write (RPO), a `failed` id that is present is a phantom. In-doubt ids are counted apart.
import type { Client } from 'pg';
import { settle, sleep, within } from '@helios-conformance/sql';
import { closeClient, destroyClient, type PgTarget } from '@helios-conformance/sql/postgres';

export type Outcome = 'ack' | 'failed' | 'in-doubt';

/** One write the ledger attempted. */
export interface LedgerEntry {
  id: number;
  client: number;
  /** Epoch ms when the INSERT was sent and when its answer (or the deadline) came. */
  start: number;
  end: number;
  outcome: Outcome;
  /** The backend's port (inet_server_port()) for an acknowledged write: which node took it. */
  port?: number;
  /** SQLSTATE or error text of a failed / in-doubt write. */
  error?: string;
}

/** Options of {@link startWriter}. */
export interface WriterOptions {
  /** Concurrent clients (default 4). */
  clients?: number;
  /** Client deadline of one INSERT, commit included (default 2000 ms): a commit hanging longer is in-doubt. */
  opTimeoutMs?: number;
  /** Pause between two writes of one client (default 10 ms). */
  paceMs?: number;
}

/** A running writer. */
export interface Writer {
  readonly entries: readonly LedgerEntry[];
  /** Stops every client (bounded) and returns the ledger. */
  stop(): Promise<readonly LedgerEntry[]>;
}

const IN_DOUBT_CLASSES = /^(08|57P|XX)/;

/** Creates the ledger table (in the run schema of `target`). */
export async function createLedger(target: PgTarget, table: string): Promise<void> {
  const c = await target.connect();
  try {
    await c.query(`CREATE TABLE ${target.qualify(table)} (id bigint PRIMARY KEY, client int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  } finally {
    await closeClient(c);
  }
}

/** Starts `clients` writers inserting into `table` through `target` until stopped. */
export function startWriter(target: PgTarget, table: string, o: WriterOptions = {}): Writer {
  const clients = o.clients ?? 4;
  const opTimeoutMs = o.opTimeoutMs ?? 2_000;
  const paceMs = o.paceMs ?? 10;
  const entries: LedgerEntry[] = [];
  let nextId = 1;
  let stopped = false;
  const sql = `INSERT INTO ${target.qualify(table)} (id, client) VALUES ($1, $2) RETURNING inet_server_port() AS port`;

  const loop = async (n: number): Promise<void> => {
    let client: Client | undefined;
    while (!stopped) {
      if (!client) {
        const r = await within(settle(target.connect()), opTimeoutMs);
        if (r.timedOut || !r.value.ok) {
          await sleep(50);
          continue;
        }
        client = r.value.value;
        client.on('error', () => undefined);
      }
      const id = nextId++;
      const start = Date.now();
      const r = await within(settle(client.query<{ port: number }>(sql, [id, n])), opTimeoutMs);
      const end = Date.now();
      if (r.timedOut) {
        entries.push({ id, client: n, start, end, outcome: 'in-doubt', error: `no answer within ${opTimeoutMs} ms` });
        destroyClient(client);
        client = undefined;
      } else if (r.value.ok) {
        entries.push({ id, client: n, start, end, outcome: 'ack', port: Number(r.value.value.rows[0]?.port) });
      } else {
        const code = (r.value.error as { code?: unknown }).code;
        const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
        if (sqlstate && !IN_DOUBT_CLASSES.test(sqlstate)) {
          entries.push({ id, client: n, start, end, outcome: 'failed', error: sqlstate });
        } else {
          entries.push({ id, client: n, start, end, outcome: 'in-doubt', error: sqlstate ?? String((r.value.error as Error).message ?? r.value.error).slice(0, 120) });
          destroyClient(client);
          client = undefined;
        }
      }
      await sleep(paceMs);
    }
    if (client) await closeClient(client, 1_000);
  };
  const running = Array.from({ length: clients }, (_, n) => loop(n));
  return {
    entries,
    async stop() {
      stopped = true;
      await within(Promise.all(running), opTimeoutMs + 3_000);
      return entries;
    },
  };
}

/** What the read-back found. */
export interface LedgerVerdict {
  attempted: number;
  acked: number;
  failed: number;
  inDoubt: number;
  /** Acknowledged ids missing after the fault: the RPO, in writes. */
  lost: number[];
  /** Writes reported as not committed that are present. */
  phantoms: number[];
  inDoubtPresent: number;
  inDoubtMissing: number;
}

/** Reads the ledger's ids back through `target` (the primary now) and judges every write. */
export async function readBack(target: PgTarget, table: string, entries: readonly LedgerEntry[], timeoutMs = 10_000): Promise<LedgerVerdict> {
  const c = await target.connect();
  let ids: Set<number>;
  try {
    const r = await within(c.query<{ id: string }>(`SELECT id FROM ${target.qualify(table)}`), timeoutMs);
    if (r.timedOut) throw new Error(`reading the ledger back got no answer within ${timeoutMs} ms`);
    ids = new Set(r.value.rows.map((x) => Number(x.id)));
  } finally {
    await closeClient(c);
  }
  const v: LedgerVerdict = { attempted: entries.length, acked: 0, failed: 0, inDoubt: 0, lost: [], phantoms: [], inDoubtPresent: 0, inDoubtMissing: 0 };
  for (const e of entries) {
    if (e.outcome === 'ack') {
      v.acked++;
      if (!ids.has(e.id)) v.lost.push(e.id);
    } else if (e.outcome === 'failed') {
      v.failed++;
      if (ids.has(e.id)) v.phantoms.push(e.id);
    } else {
      v.inDoubt++;
      if (ids.has(e.id)) v.inDoubtPresent++;
      else v.inDoubtMissing++;
    }
  }
  return v;
}

/** Per 250 ms bucket and node (or outcome), how many writes ended there: the case's timeline. */
export function timeline(entries: readonly LedgerEntry[], t0: number, nodeOf: (port: number | undefined) => string, bucketMs = 250): Array<{ t: number; counts: Record<string, number> }> {
  const buckets = new Map<number, Record<string, number>>();
  for (const e of entries) {
    const b = Math.floor((e.end - t0) / bucketMs) * bucketMs;
    const key = e.outcome === 'ack' ? `ack@${nodeOf(e.port)}` : e.outcome;
    const m = buckets.get(b) ?? {};
    m[key] = (m[key] ?? 0) + 1;
    buckets.set(b, m);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, counts]) => ({ t, counts }));
}
