import type { Rng } from '@helios-conformance/core';
import { ABORT_KINDS, type IsolationLevel, type SqlEndpoint, type SqlErrorKind, type SqlSession } from '@helios-conformance/sql';
import { dropTables, openBounded, runClients, sessionOpener, tableSuffix, within } from './_internal/util.js';

/** Options of {@link runBank}. */
export interface BankOptions {
  endpoint: SqlEndpoint;
  /** Isolation level of every transfer and balance read. */
  level: IsolationLevel;
  /** Accounts, each opened with `initialBalance`. */
  accounts: number;
  initialBalance: number;
  /** Concurrent clients; each picks a transfer or a whole-table read per transaction. */
  clients: number;
  /** Probability that a client's next transaction is a whole-table read (default 0.3). */
  readRatio?: number;
  /** Largest amount moved by one transfer (default `initialBalance`, so overdrafts are tried). */
  maxAmount?: number;
  /** Transactions to attempt in total. */
  txns: number;
  /** No transaction starts after this many milliseconds. */
  durationMs: number;
  rng: Rng;
  signal?: AbortSignal;
  /** Deadline of one statement or COMMIT (default 5000 ms). */
  statementTimeoutMs?: number;
  /** How long a statement may wait for a row lock (default 2000 ms). */
  lockWaitMs?: number;
  log?: (message: string) => void;
}

/** A committed whole-table read that broke an invariant. */
export interface BadRead {
  total: number;
  balances: number[];
}

/** What {@link runBank} observed. */
export interface BankRun {
  level: IsolationLevel;
  accounts: number;
  expectedTotal: number;
  transfers: { committed: number; declined: number; aborted: number; unknown: number };
  reads: { committed: number; aborted: number; wrongTotal: number; negative: number };
  /** Up to 5 committed reads whose total was wrong or that saw a negative balance. */
  badReads: BadRead[];
  /** Balances read after every client stopped. */
  finalBalances: number[];
  finalTotal: number;
  errors: Partial<Record<SqlErrorKind, number>>;
  durationMs: number;
}

/** What the report's `sections.bank[level]` holds: the run's counts and invariant checks. */
export type BankVerdict = BankRun & { finalNegative: boolean };

/**
 * The bank workload: `accounts` rows `(id, balance)`; clients run transfers (read both
 * balances, refuse an overdraft, write both new balances as absolute values — the
 * read-modify-write a lost update or write skew breaks) and whole-table balance reads, all at
 * `level`. Money is only moved, never made: every committed read must see the same total, and
 * since transfers refuse overdrafts, no balance may ever be negative.
 */
export async function runBank(o: BankOptions): Promise<BankRun> {
  const { endpoint, level, rng } = o;
  const stmtMs = o.statementTimeoutMs ?? 5_000;
  const lockWaitMs = o.lockWaitMs ?? 2_000;
  const readRatio = o.readRatio ?? 0.3;
  const maxAmount = o.maxAmount ?? o.initialBalance;
  const log = o.log ?? (() => undefined);
  const table = `bank_${tableSuffix(rng)}`;
  const q = endpoint.qualify(table);
  const expectedTotal = o.accounts * o.initialBalance;
  const started = performance.now();
  const stopAt = Date.now() + o.durationMs;

  const run: BankRun = {
    level,
    accounts: o.accounts,
    expectedTotal,
    transfers: { committed: 0, declined: 0, aborted: 0, unknown: 0 },
    reads: { committed: 0, aborted: 0, wrongTotal: 0, negative: 0 },
    badReads: [],
    finalBalances: [],
    finalTotal: Number.NaN,
    errors: {},
    durationMs: 0,
  };
  const countError = (kind: SqlErrorKind): void => {
    run.errors[kind] = (run.errors[kind] ?? 0) + 1;
  };

  const setup = await endpoint.open(within(o.signal, stmtMs * 2));
  try {
    const sig = within(o.signal, stmtMs * 4);
    await setup.query(`CREATE TABLE ${q} (id int PRIMARY KEY, balance bigint NOT NULL)`, [], sig);
    const values = Array.from({ length: o.accounts }, () => '(?, ?)').join(', ');
    const params = Array.from({ length: o.accounts }, (_, i) => [i, o.initialBalance]).flat();
    await setup.query(`INSERT INTO ${q} (id, balance) VALUES ${values}`, params, sig);
  } finally {
    await setup.close();
  }

  const readAll = async (s: SqlSession, signal: AbortSignal): Promise<number[]> => {
    const r = await s.query(`SELECT id, balance FROM ${q} ORDER BY id`, [], signal);
    return r.rows.map((row) => Number(row.balance));
  };

  let attempted = 0;
  // Returns true when the session must be replaced.
  const transfer = async (s: SqlSession): Promise<boolean> => {
    const from = rng.int(0, o.accounts - 1);
    let to = rng.int(0, o.accounts - 2);
    if (to >= from) to++;
    const amount = rng.int(1, maxAmount);
    let phase: 'body' | 'commit' = 'body';
    try {
      await s.begin(level, within(o.signal, stmtMs));
      const r = await s.query(`SELECT id, balance FROM ${q} WHERE id IN (?, ?)`, [from, to], within(o.signal, stmtMs));
      const bal = new Map(r.rows.map((row) => [Number(row.id), Number(row.balance)]));
      const fromBal = bal.get(from);
      const toBal = bal.get(to);
      if (fromBal === undefined || toBal === undefined) throw new Error(`account ${fromBal === undefined ? from : to} vanished`);
      if (fromBal < amount) {
        run.transfers.declined++;
        await s.rollback(within(o.signal, stmtMs));
        return false;
      }
      await s.query(`UPDATE ${q} SET balance = ? WHERE id = ?`, [fromBal - amount, from], within(o.signal, stmtMs));
      await s.query(`UPDATE ${q} SET balance = ? WHERE id = ?`, [toBal + amount, to], within(o.signal, stmtMs));
      phase = 'commit';
      await s.commit(within(o.signal, stmtMs));
      run.transfers.committed++;
      return false;
    } catch (e) {
      const c = endpoint.classify(e);
      countError(c.kind);
      const dead = c.kind === 'connection-lost';
      if (phase === 'commit' && !ABORT_KINDS.has(c.kind) && c.code !== '25P02') {
        run.transfers.unknown++;
        return true;
      }
      run.transfers.aborted++;
      if (!dead) await s.rollback(within(undefined, stmtMs));
      return dead;
    }
  };

  const read = async (s: SqlSession): Promise<boolean> => {
    try {
      await s.begin(level, within(o.signal, stmtMs));
      const balances = await readAll(s, within(o.signal, stmtMs));
      await s.commit(within(o.signal, stmtMs));
      // Only a committed read counts: a serializable engine may abort a reader that saw a
      // state no serial order explains, and that abort is the guarantee working.
      run.reads.committed++;
      const total = balances.reduce((a, b) => a + b, 0);
      const negative = balances.some((b) => b < 0);
      if (total !== expectedTotal) run.reads.wrongTotal++;
      if (negative) run.reads.negative++;
      if ((total !== expectedTotal || negative) && run.badReads.length < 5) run.badReads.push({ total, balances });
      return false;
    } catch (e) {
      const c = endpoint.classify(e);
      countError(c.kind);
      run.reads.aborted++;
      const dead = c.kind === 'connection-lost';
      if (!dead) await s.rollback(within(undefined, stmtMs));
      return dead || !ABORT_KINDS.has(c.kind);
    }
  };

  const client = async (index: number): Promise<void> => {
    let session: SqlSession | undefined;
    const reopen = sessionOpener(`bank client ${index}`, () => openBounded(endpoint, lockWaitMs, within(o.signal, stmtMs * 2)), log, o.signal);
    try {
      while (attempted < o.txns && Date.now() < stopAt && !o.signal?.aborted) {
        session ??= await reopen();
        if (!session) continue;
        attempted++;
        const replace = rng.chance(readRatio) ? await read(session) : await transfer(session);
        if (replace) {
          session.destroy();
          session = undefined;
        }
      }
    } finally {
      await session?.close();
    }
  };

  try {
    await runClients(o.clients, client);
    const last = await endpoint.open(within(o.signal, stmtMs * 2));
    try {
      run.finalBalances = await readAll(last, within(o.signal, stmtMs * 2));
    } finally {
      await last.close();
    }
    run.finalTotal = run.finalBalances.reduce((a, b) => a + b, 0);
  } finally {
    await dropTables(endpoint, [table]);
  }
  run.durationMs = Math.round(performance.now() - started);
  return run;
}
