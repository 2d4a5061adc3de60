// The acknowledged-write ledger: N clients write through the client-facing DSN, each write its own
// (autocommit) transaction. Most writes insert a row with a unique id; some UPDATE one of the
// client's own acknowledged rows to a new version (a number the client chose, one higher on every
// attempt), some DELETE one of them. A write is acknowledged only when the server answered its
// commit; an error that proves nothing was committed makes it `failed`; a timeout or a lost
// connection makes it `in-doubt` (it may or may not have committed). After a fault the rows are read
// back from whatever is primary then and every write is judged (see {@link judgeLedger}): an
// acknowledged insert that is missing is lost (RPO), an acknowledged delete whose row is present is a
// resurrected row, a row older than its last acknowledged update is stale, a write reported failed
// that took effect is a phantom. In-doubt writes are counted apart, never as lost or as kept.
import type { Client } from 'pg';
import { settle, sleep, within } from '@helios-conformance/sql';
import { closeConnection, type MyTarget } from '@helios-conformance/sql/mysql';
import { closeClient, destroyClient, type PgTarget } from '@helios-conformance/sql/postgres';
import { queryNode } from './_internal/nodes.js';

export type Outcome = 'ack' | 'failed' | 'in-doubt';
export type Op = 'insert' | 'update' | 'delete';

/** One write the ledger attempted. */
export interface LedgerEntry {
  /** The row written: inserts get a fresh id, updates and deletes name one of the client's acknowledged rows. */
  id: number;
  /** Absent on entries of older ledgers: an insert. */
  op?: Op;
  /** The version an update sets (inserts write version 0). */
  version?: number;
  client: number;
  /** Epoch ms when the statement was sent and when its answer (or the deadline) came. */
  start: number;
  end: number;
  outcome: Outcome;
  /** The backend's port (inet_server_port()) for an acknowledged write: which node took it. */
  port?: number;
  /** Rows an acknowledged update or delete touched (0: the row was not there). */
  rows?: number;
  /** SQLSTATE or error text of a failed / in-doubt write. */
  error?: string;
}

/** Options of {@link startWriter}. */
export interface WriterOptions {
  /** Concurrent clients (default 4). */
  clients?: number;
  /** Client deadline of one statement, commit included (default 2000 ms): a commit hanging longer is in-doubt. */
  opTimeoutMs?: number;
  /** Pause between two writes of one client (default 10 ms). */
  paceMs?: number;
  /** Share of writes that update an acknowledged row (default 0.25; 0 with `deleteShare` 0: inserts only). */
  updateShare?: number;
  /** Share of writes that delete an acknowledged row (default 0.125). */
  deleteShare?: number;
  /** Uniform [0, 1) source for the mix and the row choice (default Math.random; pass ctx.rng for replays). */
  random?: () => number;
}

/** A writer; stopped and resumed over the same ledger (ids, rows and versions carry on). */
export interface Writer {
  readonly entries: readonly LedgerEntry[];
  /** Writes sent whose answer has not come yet, as in-doubt entries (for judging a read taken meanwhile). */
  pending(): LedgerEntry[];
  /** Stops every client (bounded) and returns the ledger. Idempotent. */
  stop(): Promise<readonly LedgerEntry[]>;
  /** Starts the clients again after {@link stop} (no-op while running). */
  resume(): void;
  readonly running: boolean;
}

const IN_DOUBT_CLASSES = /^(08|57P|XX)/;

/** The run's session of either wire family: PostgreSQL (PgTarget) or MySQL / MariaDB (MyTarget). */
export type LedgerTarget = PgTarget | MyTarget;

/** One connection of the writer, whatever the family. */
interface LedgerConn {
  /** Rows of a query, or `[{ n: affected rows }]` of a write without a result set. */
  query(sql: string, params?: readonly unknown[]): Promise<Array<Record<string, unknown>>>;
  /** The port of the node this connection is on (the node's identity in the ledger). */
  port: number | undefined;
  destroy(): void;
  close(ms: number): Promise<void>;
}

interface LedgerDb {
  family: 'postgres' | 'mysql';
  qualify(table: string): string;
  open(): Promise<LedgerConn>;
  sql: Record<Op, string> & { create: string; read: string };
  /** Parameters of each write, in the order its statement takes them. */
  params(op: Op, id: number, client: number, version: number | undefined): unknown[];
  /**
   * A server error that proves the write did not happen (`failed`, with its code), or undefined
   * when the outcome is unknown (`in-doubt`: the connection is dropped).
   */
  refusal(error: unknown): string | undefined;
}

const isMy = (t: LedgerTarget): t is MyTarget => 'namespace' in t && typeof (t as MyTarget).mysql2Options === 'function';

function ledgerDb(target: LedgerTarget, table: string): LedgerDb {
  const t = target.qualify(table);
  if (isMy(target)) {
    return {
      family: 'mysql',
      qualify: (x) => target.qualify(x),
      async open() {
        const c = await target.connect();
        c.on('error', () => undefined);
        // A connection stays on one node (a router forwards whole connections): ask once which.
        const [r] = await c.query('SELECT @@port AS port');
        return {
          port: Number((r as Array<{ port: number }>)[0]?.port),
          async query(q, params) {
            const [rows] = await c.query(q, params as unknown[]);
            return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [{ n: (rows as { affectedRows?: number }).affectedRows ?? 0 }];
          },
          destroy: () => c.destroy(),
          close: (ms) => closeConnection(c, ms),
        };
      },
      sql: {
        // InnoDB with a primary key: what Galera replicates.
        create: `CREATE TABLE ${t} (id bigint PRIMARY KEY, client int NOT NULL, version int NOT NULL DEFAULT 0, at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`,
        insert: `INSERT INTO ${t} (id, client) VALUES (?, ?)`,
        update: `UPDATE ${t} SET version = ?, at = CURRENT_TIMESTAMP(6) WHERE id = ?`,
        delete: `DELETE FROM ${t} WHERE id = ?`,
        read: `SELECT id, version FROM ${t}`,
      },
      params: (op, id, client, version) => (op === 'insert' ? [id, client] : op === 'update' ? [version, id] : [id]),
      refusal(error) {
        const e = error as { errno?: unknown; sqlState?: unknown };
        // Server errors (errno < 2000) answer the statement: it was refused or rolled back (1047
        // without quorum, 1213 a certification conflict). 1180 (error during COMMIT) and client-side
        // errors (lost connection, timeouts) leave the outcome unknown.
        if (typeof e?.errno === 'number' && e.errno < 2000 && e.errno !== 1180) return `${e.errno}${typeof e.sqlState === 'string' ? ` (${e.sqlState})` : ''}`;
        return undefined;
      },
    };
  }
  return {
    family: 'postgres',
    qualify: (x) => target.qualify(x),
    async open() {
      const c = await target.connect();
      c.on('error', () => undefined);
      return {
        port: undefined,
        query: async (q, params) => (await c.query(q, params as unknown[])).rows as Array<Record<string, unknown>>,
        destroy: () => destroyClient(c),
        close: (ms) => closeClient(c, ms),
      };
    },
    sql: {
      create: `CREATE TABLE ${t} (id bigint PRIMARY KEY, client int NOT NULL, version int NOT NULL DEFAULT 0, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
      insert: `INSERT INTO ${t} (id, client) VALUES ($1, $2) RETURNING inet_server_port() AS port, 1 AS n`,
      // Through a CTE so that the answer names the node (and the row count) also when no row matched.
      update: `WITH w AS (UPDATE ${t} SET version = $2, at = clock_timestamp() WHERE id = $1 RETURNING 1) SELECT inet_server_port() AS port, (SELECT count(*) FROM w)::int AS n`,
      delete: `WITH w AS (DELETE FROM ${t} WHERE id = $1 RETURNING 1) SELECT inet_server_port() AS port, (SELECT count(*) FROM w)::int AS n`,
      read: `SELECT id, version FROM ${t}`,
    },
    params: (op, id, client, version) => (op === 'insert' ? [id, client] : op === 'update' ? [id, version] : [id]),
    refusal(error) {
      const code = (error as { code?: unknown }).code;
      const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
      return sqlstate && !IN_DOUBT_CLASSES.test(sqlstate) ? sqlstate : undefined;
    },
  };
}

/** Creates the ledger table (in the run schema of `target`). */
export async function createLedger(target: LedgerTarget, table: string): Promise<void> {
  const db = ledgerDb(target, table);
  const c = await db.open();
  try {
    await c.query(db.sql.create);
  } finally {
    await c.close(2_000);
  }
}

/** Starts `clients` writers on `table` through `target` until stopped. */
export function startWriter(target: LedgerTarget, table: string, o: WriterOptions = {}): Writer {
  const db = ledgerDb(target, table);
  const clients = o.clients ?? 4;
  const opTimeoutMs = o.opTimeoutMs ?? 2_000;
  const paceMs = o.paceMs ?? 10;
  const updateShare = o.updateShare ?? 0.25;
  const deleteShare = o.deleteShare ?? 0.125;
  const random = o.random ?? Math.random;
  const entries: LedgerEntry[] = [];
  const inFlight = new Set<LedgerEntry>();
  let nextId = 1;
  let stopped = true;
  let running: Promise<unknown> = Promise.resolve();
  const sql = db.sql;
  // Per client: its acknowledged rows still expected present (only their owner touches them, one
  // write at a time, so the order of a row's writes is the order they were sent) and the next version.
  const live: number[][] = Array.from({ length: clients }, () => []);
  const nextVersion = new Map<number, number>();

  const loop = async (n: number): Promise<void> => {
    let client: LedgerConn | undefined;
    const rows = live[n] as number[];
    while (!stopped) {
      if (!client) {
        const opening = db.open();
        const r = await within(settle(opening), opTimeoutMs);
        if (r.timedOut || !r.value.ok) {
          // A connection that opens after its deadline is dropped, never leaked.
          if (r.timedOut) void opening.then((c) => c.destroy(), () => undefined);
          await sleep(50);
          continue;
        }
        client = r.value.value;
      }
      const dice = random();
      const op: Op = rows.length && dice < updateShare ? 'update' : rows.length && dice < updateShare + deleteShare ? 'delete' : 'insert';
      const pick = op === 'insert' ? -1 : Math.floor(random() * rows.length);
      const id = op === 'insert' ? nextId++ : (rows[pick] as number);
      const version = op === 'update' ? (nextVersion.get(id) ?? 1) : undefined;
      if (version !== undefined) nextVersion.set(id, version + 1);
      const params = db.params(op, id, n, version);
      const e: LedgerEntry = { id, op, ...(version !== undefined ? { version } : {}), client: n, start: Date.now(), end: 0, outcome: 'in-doubt' };
      inFlight.add(e);
      const r = await within(settle(client.query(sql[op], params)), opTimeoutMs);
      e.end = Date.now();
      inFlight.delete(e);
      if (r.timedOut) {
        e.error = `no answer within ${opTimeoutMs} ms`;
        client.destroy();
        client = undefined;
      } else if (r.value.ok) {
        const row = r.value.value[0];
        e.outcome = 'ack';
        e.port = client.port ?? Number(row?.port);
        if (op !== 'insert') e.rows = Number(row?.n);
      } else {
        const refused = db.refusal(r.value.error);
        if (refused) {
          e.outcome = 'failed';
          e.error = refused;
        } else {
          const code = (r.value.error as { code?: unknown }).code;
          e.error = (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined) ?? String((r.value.error as Error).message ?? r.value.error).slice(0, 120);
          client.destroy();
          client = undefined;
        }
      }
      entries.push(e);
      // The row pool: an acknowledged insert joins it; a delete that may have happened, or any write
      // that found the row gone, takes it out (its state is then judged, never written again).
      if (op === 'insert' && e.outcome === 'ack') rows.push(id);
      else if (op !== 'insert' && (e.outcome !== 'failed' && (op === 'delete' || e.rows === 0))) {
        const at = rows.indexOf(id);
        if (at >= 0) rows.splice(at, 1);
      }
      await sleep(paceMs);
    }
    if (client) await client.close(1_000);
  };
  const writer: Writer = {
    entries,
    pending: () => [...inFlight].map((e) => ({ ...e })),
    get running() {
      return !stopped;
    },
    resume() {
      if (!stopped) return;
      stopped = false;
      running = Promise.all(Array.from({ length: clients }, (_, n) => loop(n)));
    },
    async stop() {
      stopped = true;
      await within(running, opTimeoutMs + 3_000);
      return entries;
    },
  };
  writer.resume();
  return writer;
}

/** What the read-back found. */
export interface LedgerVerdict {
  attempted: number;
  acked: number;
  failed: number;
  inDoubt: number;
  /** The same counts per kind of write. */
  byOp: Record<Op, { ack: number; failed: number; inDoubt: number }>;
  /** Acknowledged inserts missing after the fault (and never deleted, even in doubt): the RPO, in writes. */
  lost: number[];
  /** Rows present although their DELETE was acknowledged. */
  resurrected: number[];
  /** Rows whose version is older than their last acknowledged UPDATE (`found` < `expected`). */
  stale: Array<{ id: number; found: number; expected: number }>;
  /** Rows present from an insert reported failed, or at a version only an update reported failed wrote. */
  phantoms: number[];
  /** In-doubt inserts found present / missing. */
  inDoubtPresent: number;
  inDoubtMissing: number;
}

const opOf = (e: LedgerEntry): Op => e.op ?? 'insert';

/**
 * Judges every write of `entries` against the rows read back (`rows`: id → version). Pure, so the
 * judging is tested on crafted ledgers. Rows the ledger does not know are ignored.
 */
export function judgeLedger(entries: readonly LedgerEntry[], rows: ReadonlyMap<number, number>): LedgerVerdict {
  const v: LedgerVerdict = {
    attempted: entries.length,
    acked: 0,
    failed: 0,
    inDoubt: 0,
    byOp: { insert: { ack: 0, failed: 0, inDoubt: 0 }, update: { ack: 0, failed: 0, inDoubt: 0 }, delete: { ack: 0, failed: 0, inDoubt: 0 } },
    lost: [],
    resurrected: [],
    stale: [],
    phantoms: [],
    inDoubtPresent: 0,
    inDoubtMissing: 0,
  };
  const byRow = new Map<number, LedgerEntry[]>();
  for (const e of entries) {
    const k = e.outcome === 'ack' ? 'ack' : e.outcome === 'failed' ? 'failed' : 'inDoubt';
    v[k === 'ack' ? 'acked' : k]++;
    v.byOp[opOf(e)][k]++;
    const list = byRow.get(e.id);
    if (list) list.push(e);
    else byRow.set(e.id, [e]);
  }
  for (const [id, list] of byRow) {
    const present = rows.has(id);
    const found = rows.get(id);
    const insert = list.find((e) => opOf(e) === 'insert');
    const deletes = list.filter((e) => opOf(e) === 'delete');
    const ackedDelete = deletes.some((e) => e.outcome === 'ack');
    const maybeDeleted = deletes.some((e) => e.outcome !== 'failed');
    if (insert?.outcome === 'ack' && !present && !maybeDeleted) v.lost.push(id);
    if (insert?.outcome === 'failed' && present) v.phantoms.push(id);
    if (insert?.outcome === 'in-doubt') {
      if (present) v.inDoubtPresent++;
      else v.inDoubtMissing++;
    }
    if (ackedDelete && present) v.resurrected.push(id);
    if (present && found !== undefined && !ackedDelete) {
      // The last acknowledged version (an update that found no row set none); a later in-doubt
      // update may have committed too, so its version is fine as well.
      const expected = Math.max(0, ...list.filter((e) => opOf(e) === 'update' && e.outcome === 'ack' && e.rows !== 0).map((e) => e.version ?? 0));
      if (found < expected) v.stale.push({ id, found, expected });
      else if (found > expected && list.some((e) => opOf(e) === 'update' && e.outcome === 'failed' && e.version === found)) v.phantoms.push(id);
    }
  }
  for (const k of ['lost', 'resurrected', 'phantoms'] as const) v[k].sort((a, b) => a - b);
  v.stale.sort((a, b) => a.id - b.id);
  return v;
}

/**
 * The ledger as a read that started at `readStart` can judge it: writes answered after that, and
 * writes still in flight, may or may not be in what the read saw, so they count as in-doubt.
 */
export function asOfRead(entries: readonly LedgerEntry[], pending: readonly LedgerEntry[], readStart: number): LedgerEntry[] {
  return [...entries.map((e) => (e.end >= readStart && e.outcome !== 'in-doubt' ? { ...e, outcome: 'in-doubt' as const } : e)), ...pending.map((e) => ({ ...e, outcome: 'in-doubt' as const }))];
}

/** Reads id → version of every row of the (qualified) ledger table over `client`. */
export async function readRows(client: Client, qualifiedTable: string, timeoutMs = 10_000): Promise<Map<number, number>> {
  const r = await within(client.query<{ id: string; version: number }>(`SELECT id, version FROM ${qualifiedTable}`), timeoutMs);
  if (r.timedOut) throw new Error(`reading the ledger back got no answer within ${timeoutMs} ms`);
  return new Map(r.value.rows.map((x) => [Number(x.id), Number(x.version)]));
}

/** Reads the ledger back through `target` (the primary now) and judges every write. */
export async function readBack(target: LedgerTarget, table: string, entries: readonly LedgerEntry[], timeoutMs = 10_000): Promise<LedgerVerdict> {
  const db = ledgerDb(target, table);
  const c = await db.open();
  let rows: Map<number, number>;
  try {
    // Galera certifies a commit on every node but applies it on the others afterwards: without a
    // causal read, the node the router picks may not have applied the last acknowledged UPDATE yet
    // (seen once: one stale row at load 9, on a cluster that lost nothing). The verdict is about what
    // the cluster holds, so the read waits for it; a server without the variable refuses the SET.
    if (db.family === 'mysql') await within(c.query('SET SESSION wsrep_sync_wait = 1').catch(() => undefined), timeoutMs);
    const r = await within(c.query(db.sql.read), timeoutMs);
    if (r.timedOut) throw new Error(`reading the ledger back got no answer within ${timeoutMs} ms`);
    rows = new Map(r.value.map((x) => [Number(x.id), Number(x.version)]));
  } finally {
    await c.close(2_000);
  }
  return judgeLedger(entries, rows);
}

/**
 * Reads the ledger table on one node directly (its own DSN; a standby answers reads too), within
 * `timeoutMs` for connecting and reading. Rejects with the node's error.
 */
export async function readRowsOnNode(dsn: string, qualifiedTable: string, timeoutMs = 5_000): Promise<Map<number, number>> {
  const r = await queryNode(dsn, `SELECT id, version FROM ${qualifiedTable}`, timeoutMs);
  if (!r.ok) throw Object.assign(new Error(r.error), r.code ? { code: r.code } : {}, r.errno ? { errno: r.errno } : {});
  return new Map(r.rows.map((x) => [Number(x.id), Number(x.version)]));
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
