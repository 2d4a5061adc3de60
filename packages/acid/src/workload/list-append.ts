import type { Rng } from '@helios-conformance/core';
import { checkListAppend } from '../checker/index.js';
import type { CheckResult } from '../checker/index.js';
import type { History, Mop, Op } from '../history.js';
import { ABORT_KINDS, type IsolationLevel, type SqlEndpoint, type SqlErrorKind, type SqlSession } from '@helios-conformance/sql';
import { dropTables, openBounded, runClients, sessionOpener, tableSuffix, textType, within } from './_internal/util.js';

/** Options of {@link runListAppend}. */
export interface ListAppendOptions {
  endpoint: SqlEndpoint;
  /** Isolation level every transaction begins at. */
  level: IsolationLevel;
  /** Concurrent clients, one session each. */
  clients: number;
  /** Keys (rows) the transactions choose from; few keys mean contention. */
  keys: number;
  /** Transactions to attempt in total (all clients together). */
  txns: number;
  /** Most micro-operations per transaction (default 5); each has 1 to this many. */
  maxOpsPerTxn?: number;
  /** Probability that a micro-operation is a read (default 0.5). */
  readRatio?: number;
  /** Source of every random choice (pass the case's `ctx.rng`). */
  rng: Rng;
  /** Aborts the run (pass `ctx.signal`); every statement also has its own deadline. */
  signal?: AbortSignal;
  /** No transaction starts after this many milliseconds (the run ends with what it has). */
  durationMs: number;
  /** Deadline of one statement or COMMIT (default 5000 ms). */
  statementTimeoutMs?: number;
  /** How long a statement may wait for a row lock before the server ends it (default 2000 ms). */
  lockWaitMs?: number;
  /** Keep the table after the run (default false: it is dropped). */
  keepTable?: boolean;
  /** Called with progress notes (setup problems, reconnects). */
  log?: (message: string) => void;
}

/** What {@link runListAppend} observed and what the checker made of it. */
export interface ListAppendRun {
  level: IsolationLevel;
  clients: number;
  keys: number;
  /** The recorded history (invoke / ok / fail / info), in real-time order. */
  history: History;
  /** The list-append checker's verdict on the history. */
  result: CheckResult;
  /** Transactions invoked. */
  attempted: number;
  /** Errors seen, by kind (`serialization-failure`, `deadlock`, …), in statements and commits. */
  errors: Partial<Record<SqlErrorKind, number>>;
  /** Sessions opened again after one was lost. */
  reconnects: number;
  durationMs: number;
  /** The table used (unqualified). */
  table: string;
}

interface Outcome {
  type: 'ok' | 'fail' | 'info';
  value: Mop[];
  kind?: SqlErrorKind;
  /** The session can no longer be used (lost, aborted mid-statement). */
  dead: boolean;
}

/** Parses the stored comma-separated list; `null` (no row yet) is the empty list. */
export function parseList(v: unknown): number[] {
  if (v === null || v === undefined) return [];
  const s = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  if (s === '') return [];
  return s.split(',').map((x) => Number(x));
}

/** The upsert that appends `value` to key `k`'s list, in the endpoint's dialect. */
export function appendSql(endpoint: SqlEndpoint, table: string): string {
  const t = endpoint.qualify(table);
  return endpoint.dialect === 'postgres'
    ? `INSERT INTO ${t} AS t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = t.v || ',' || excluded.v`
    : `INSERT INTO ${t} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))`;
}

/**
 * Runs an Elle-style list-append workload against `endpoint` and checks the history.
 *
 * Each key is a row `(k int primary key, v text)` whose value is a comma-separated list;
 * an append is one upsert that concatenates, a read selects the row. Clients run
 * transactions of 1–`maxOpsPerTxn` random reads and appends at `level` until `txns` were
 * attempted or `durationMs` passed. Every transaction is recorded as an invocation and a
 * completion: `ok` when COMMIT was acknowledged; `fail` when it is known not to have taken
 * effect (an error before COMMIT was sent, or a serialization failure, deadlock or lock
 * timeout reported for COMMIT); `info` when COMMIT's outcome is unknown (timeout, lost
 * connection, any other error), which the checker never counts as failed.
 */
export async function runListAppend(o: ListAppendOptions): Promise<ListAppendRun> {
  const { endpoint, level, rng } = o;
  const maxOps = o.maxOpsPerTxn ?? 5;
  const readRatio = o.readRatio ?? 0.5;
  const stmtMs = o.statementTimeoutMs ?? 5_000;
  const lockWaitMs = o.lockWaitMs ?? 2_000;
  const log = o.log ?? (() => undefined);
  const table = `la_${tableSuffix(rng)}`;
  const q = endpoint.qualify(table);
  const started = performance.now();
  const stopAt = Date.now() + o.durationMs;

  const setup = await endpoint.open(within(o.signal, stmtMs * 2));
  try {
    await setup.query(`CREATE TABLE ${q} (k int PRIMARY KEY, v ${textType(endpoint)})`, [], within(o.signal, stmtMs * 2));
  } finally {
    await setup.close();
  }

  const history: History = [];
  const errors: Partial<Record<SqlErrorKind, number>> = {};
  const readSql = `SELECT v FROM ${q} WHERE k = ?`;
  const upsert = appendSql(endpoint, table);
  let attempted = 0;
  let nextValue = 1;
  let reconnects = 0;
  const push = (op: Omit<Op, 'index'>): void => {
    history.push({ ...op, index: history.length, f: 'txn' });
  };
  const countError = (kind: SqlErrorKind): void => {
    errors[kind] = (errors[kind] ?? 0) + 1;
  };

  const nextTxn = (): Mop[] => {
    const n = rng.int(1, maxOps);
    const mops: Mop[] = [];
    for (let i = 0; i < n; i++) {
      const k = rng.int(0, o.keys - 1);
      mops.push(rng.chance(readRatio) ? ['r', k, null] : ['append', k, nextValue++]);
    }
    return mops;
  };

  const runTxn = async (s: SqlSession, mops: Mop[]): Promise<Outcome> => {
    const done: Mop[] = [];
    let phase: 'body' | 'commit' = 'body';
    try {
      await s.begin(level, within(o.signal, stmtMs));
      for (const m of mops) {
        if (m[0] === 'r') {
          const r = await s.query(readSql, [m[1]], within(o.signal, stmtMs));
          done.push(['r', m[1], parseList(r.rows[0]?.v)]);
        } else {
          await s.query(upsert, [m[1], String(m[2])], within(o.signal, stmtMs));
          done.push(m);
        }
      }
      phase = 'commit';
      await s.commit(within(o.signal, stmtMs));
      return { type: 'ok', value: done, dead: false };
    } catch (e) {
      const c = endpoint.classify(e);
      countError(c.kind);
      const dead = c.kind === 'connection-lost';
      if (phase === 'body') {
        // COMMIT was never sent: whatever the error, the server rolls the transaction back.
        if (!dead) await s.rollback(within(undefined, stmtMs));
        return { type: 'fail', value: mops, kind: c.kind, dead };
      }
      // PostgreSQL's "COMMIT answered ROLLBACK" (25P02) is as definite as an abort.
      if (ABORT_KINDS.has(c.kind) || c.code === '25P02') {
        if (!dead) await s.rollback(within(undefined, stmtMs));
        return { type: 'fail', value: mops, kind: c.kind, dead };
      }
      // Anything else during COMMIT: it may or may not have happened.
      return { type: 'info', value: mops, kind: c.kind, dead: true };
    }
  };

  const client = async (index: number): Promise<void> => {
    let process = index;
    let session: SqlSession | undefined;
    const reopen = sessionOpener(`client ${index}`, () => openBounded(endpoint, lockWaitMs, within(o.signal, stmtMs * 2)), log, o.signal);
    try {
      while (attempted < o.txns && Date.now() < stopAt && !o.signal?.aborted) {
        session ??= await reopen();
        if (!session) continue;
        attempted++;
        const mops = nextTxn();
        push({ type: 'invoke', process, value: mops });
        const out = await runTxn(session, mops);
        push({ type: out.type, process, value: out.value });
        // Like Jepsen, a process whose call ended in doubt is retired; its successor gets a new number.
        if (out.type === 'info') process += o.clients;
        if (out.dead) {
          session.destroy();
          session = undefined;
          reconnects++;
        }
      }
    } finally {
      await session?.close();
    }
  };

  try {
    await runClients(o.clients, client);
  } finally {
    if (!o.keepTable) await dropTables(endpoint, [table]);
  }
  const result = checkListAppend(history);
  return {
    level,
    clients: o.clients,
    keys: o.keys,
    history,
    result,
    attempted,
    errors,
    reconnects,
    durationMs: Math.round(performance.now() - started),
    table,
  };
}
