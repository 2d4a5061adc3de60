import { createRng } from '@helios-conformance/core';
import type { AnomalyType } from './checker/types.js';
import type { AppendMop, History, Mop, Op, ReadMop } from './history.js';

/** Options of {@link generateHistory}. */
export interface GenerateOptions {
  /** Seed; the same options give the same history. */
  seed: number;
  /** Number of transactions (before injected ones). */
  txns: number;
  /** Concurrent clients (processes), default 10. */
  clients?: number;
  /** Keys in use at any time, default 10. */
  keys?: number;
  /**
   * Appends after which a key is retired and replaced by a fresh one (Elle's max-writes-per-key),
   * default 32. Keeps lists, and so reads, short however long the history is.
   */
  maxWritesPerKey?: number;
  /** Most micro-operations per transaction, default 5 (each has 1 to this many). */
  maxOpsPerTxn?: number;
  /** Probability that a micro-operation is a read, default 0.5. */
  readRatio?: number;
  /** Probability that a transaction fails (aborts, no effect), default 0. */
  failRate?: number;
  /** Probability that a transaction ends `info` (unknown outcome; it commits or not, 50/50), default 0. */
  infoRate?: number;
  /**
   * The simulated store's isolation: `serializable` (default) applies each transaction atomically
   * at its completion; `snapshot-isolation` reads from the snapshot taken at invocation and aborts
   * a transaction (first committer wins) when a key it appends to changed since, so histories show
   * write skew (G2-item) but never G-single or lost updates.
   */
  isolation?: 'serializable' | 'snapshot-isolation';
  /** Anomalies to splice in, each on fresh keys at a random point of the history. */
  inject?: readonly AnomalyType[];
}

/** Where an injected anomaly ended up. */
export interface InjectedAnomaly {
  /** The class injected. */
  type: AnomalyType;
  /** Transactions (ids as in `T<id>`) the checker should name for it, e.g. the cycle members. */
  txns: number[];
  /** The fresh keys it uses. */
  keys: number[];
}

/** A generated history and what was injected into it. */
export interface GeneratedHistory {
  /** Invocations and completions, indexed 0…n-1. */
  history: History;
  /** One entry per `inject` element. */
  injected: InjectedAnomaly[];
}

interface PatternTxn {
  /** Process offset within the pattern. */
  p: number;
  status: 'ok' | 'fail';
  mops: Mop[];
  /** Whether the checker should name this transaction. */
  member: boolean;
}

/** A small history that exhibits exactly one anomaly class, on keys x and y. */
function pattern(type: AnomalyType, x: number, y: number): PatternTxn[] {
  const a = (k: number, v: number): AppendMop => ['append', k, v];
  const r = (k: number, l: number[]): ReadMop => ['r', k, l];
  const t = (p: number, mops: Mop[], member: boolean, status: 'ok' | 'fail' = 'ok'): PatternTxn => ({ p, mops, member, status });
  switch (type) {
    case 'G0':
      return [t(0, [a(x, 1), a(y, 1)], true), t(1, [a(x, 2), a(y, 2)], true), t(2, [r(x, [1, 2]), r(y, [2, 1])], false)];
    case 'G1a':
      return [t(0, [a(x, 1)], true, 'fail'), t(1, [r(x, [1])], true)];
    case 'G1b':
      return [t(0, [a(x, 1), a(x, 2)], true), t(1, [r(x, [1])], true)];
    case 'G1c':
      return [t(0, [a(x, 1), r(y, [1])], true), t(1, [a(y, 1), r(x, [1])], true)];
    case 'G-single':
      return [t(0, [a(x, 1), a(y, 1)], true), t(1, [a(x, 2), r(y, [])], true), t(2, [r(x, [1, 2]), r(y, [1])], false)];
    case 'G2-item':
      return [t(0, [r(x, []), r(y, []), a(x, 1)], true), t(1, [r(x, []), r(y, []), a(y, 1)], true), t(2, [r(x, [1]), r(y, [1])], false)];
    case 'lost-update':
      return [t(0, [a(x, 0)], false), t(1, [r(x, [0]), a(x, 1)], true), t(2, [r(x, [0]), a(x, 2)], true)];
    case 'internal':
      return [t(0, [a(x, 1), r(x, [])], true)];
    case 'incompatible-order':
      return [t(0, [a(x, 1)], false), t(1, [a(x, 2)], false), t(2, [r(x, [1, 2])], true), t(3, [r(x, [2, 1])], true)];
    case 'duplicate-elements':
      return [t(0, [a(x, 1)], false), t(1, [r(x, [1, 1])], true)];
    case 'garbage-read':
      return [t(0, [r(x, [9])], true)];
  }
}

/**
 * A synthetic list-append history from a simulated serializable in-memory store: `clients`
 * processes each run one transaction at a time; a transaction's micro-operations are chosen at
 * invocation and applied atomically at its completion, so every generated history (before
 * injection) is serializable, even strictly. Failed transactions have no effect; `info` ones take
 * effect or not at random, and their completions carry no read results.
 */
export function generateHistory(options: GenerateOptions): GeneratedHistory {
  const clients = options.clients ?? 10;
  const keys = options.keys ?? 10;
  const maxWrites = options.maxWritesPerKey ?? 32;
  const maxOps = options.maxOpsPerTxn ?? 5;
  const readRatio = options.readRatio ?? 0.5;
  const failRate = options.failRate ?? 0;
  const infoRate = options.infoRate ?? 0;
  const total = options.txns;
  for (const [name, v, min] of [['clients', clients, 1], ['keys', keys, 1], ['maxWritesPerKey', maxWrites, 1], ['maxOpsPerTxn', maxOps, 1], ['txns', total, 0]] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  }
  for (const [name, v] of [['readRatio', readRatio], ['failRate', failRate], ['infoRate', infoRate]] as const) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${v}`);
  }
  if (failRate + infoRate > 1) throw new RangeError('failRate + infoRate must be <= 1');

  const rng = createRng(options.seed).fork('list-append-history');
  const store = new Map<number, number[]>();
  const active: number[] = [];
  const writes: number[] = [];
  let nextKey = 0;
  for (let i = 0; i < keys; i++) {
    active.push(nextKey++);
    writes.push(0);
  }
  let nextValue = 1;
  const si = (options.isolation ?? 'serializable') === 'snapshot-isolation';
  const ops: Op[] = [];
  const pending: (Op | null)[] = new Array<Op | null>(clients).fill(null);
  // Snapshot isolation: lists only grow, so a snapshot of a key is its length at invocation.
  const snapLens: (Map<number, number> | null)[] = new Array<Map<number, number> | null>(clients).fill(null);
  const busy: number[] = [];
  let started = 0;
  let done = 0;

  const invoke = (c: number): void => {
    const n = rng.int(1, maxOps);
    const mops = new Array<Mop>(n); // exact size: pushed arrays keep spare capacity, which adds up over a million txns
    for (let i = 0; i < n; i++) {
      const slot = rng.int(0, keys - 1);
      const k = active[slot] as number;
      if (rng.next() < readRatio) mops[i] = ['r', k, null];
      else {
        mops[i] = ['append', k, nextValue++];
        const w = (writes[slot] as number) + 1;
        if (w >= maxWrites) {
          active[slot] = nextKey++;
          writes[slot] = 0;
        } else writes[slot] = w;
      }
    }
    const op: Op = { type: 'invoke', process: c, index: 0, value: mops };
    if (si) {
      const lens = new Map<number, number>();
      for (const m of mops) lens.set(m[1] as number, store.get(m[1] as number)?.length ?? 0);
      snapLens[c] = lens;
    }
    ops.push(op);
    pending[c] = op;
    busy.push(c);
    started++;
  };

  // Reads of an unchanged list share one immutable snapshot: a million-transaction history stays small.
  const snapshots = new Map<number, readonly number[]>();
  const EMPTY: readonly number[] = Object.freeze([]);
  const apply = (mops: Mop[], record: boolean): Mop[] => {
    const out: Mop[] = record ? new Array<Mop>(mops.length) : mops;
    for (let i = 0; i < mops.length; i++) {
      const m = mops[i] as Mop;
      const k = m[1] as number;
      let list = store.get(k);
      if (m[0] === 'append') {
        if (list === undefined) store.set(k, (list = []));
        list.push(m[2]);
        snapshots.delete(k);
        if (record) out[i] = m;
      } else if (record) {
        let snap = snapshots.get(k);
        if (snap === undefined) {
          snap = list === undefined ? EMPTY : list.slice();
          snapshots.set(k, snap);
        }
        out[i] = ['r', k, snap];
      }
    }
    return out;
  };

  // Snapshot isolation: reads see the snapshot plus the txn's own appends; commit applies the appends.
  const applySnapshot = (mops: Mop[], lens: Map<number, number>): Mop[] | null => {
    for (const m of mops) {
      if (m[0] === 'append' && (store.get(m[1] as number)?.length ?? 0) !== lens.get(m[1] as number)) return null;
    }
    const own = new Map<number, number[]>();
    const out = new Array<Mop>(mops.length);
    for (let i = 0; i < mops.length; i++) {
      const m = mops[i] as Mop;
      const k = m[1] as number;
      if (m[0] === 'append') {
        let o = own.get(k);
        if (o === undefined) own.set(k, (o = []));
        o.push(m[2]);
        out[i] = m;
      } else {
        const base = (store.get(k) ?? []).slice(0, lens.get(k) ?? 0);
        out[i] = ['r', k, [...base, ...(own.get(k) ?? [])]];
      }
    }
    for (const m of mops) {
      if (m[0] !== 'append') continue;
      let list = store.get(m[1] as number);
      if (list === undefined) store.set(m[1] as number, (list = []));
      list.push(m[2]);
      snapshots.delete(m[1] as number);
    }
    return out;
  };

  const complete = (bi: number): void => {
    const c = busy[bi] as number;
    busy[bi] = busy[busy.length - 1] as number;
    busy.pop();
    const inv = pending[c] as Op;
    pending[c] = null;
    const u = rng.next();
    let op: Op;
    const lens = snapLens[c] ?? null;
    snapLens[c] = null;
    if (u < failRate) op = { type: 'fail', process: c, index: 0, value: inv.value };
    else if (lens !== null) {
      // Snapshot isolation: unknown outcomes are not simulated; a write-write conflict aborts.
      const out = applySnapshot(inv.value, lens);
      op = out === null ? { type: 'fail', process: c, index: 0, value: inv.value } : { type: 'ok', process: c, index: 0, value: out };
    }
    else if (u < failRate + infoRate) {
      if (rng.next() < 0.5) apply(inv.value, false);
      op = { type: 'info', process: c, index: 0, value: inv.value };
    } else op = { type: 'ok', process: c, index: 0, value: apply(inv.value, true) };
    ops.push(op);
    done++;
  };

  while (done < total) {
    const c = rng.int(0, clients - 1);
    if (pending[c] === null && started < total) invoke(c);
    else if (busy.length > 0) complete(pending[c] !== null ? busy.indexOf(c) : rng.int(0, busy.length - 1));
  }

  // Splice each injected pattern, contiguously, at a random point, on fresh keys and processes.
  const inject = options.inject ?? [];
  const spliced: { at: number; ops: Op[]; members: Op[]; type: AnomalyType; keys: number[] }[] = [];
  for (let j = 0; j < inject.length; j++) {
    const type = inject[j] as AnomalyType;
    const x = nextKey++;
    const y = nextKey++;
    const base = clients + 1 + j * 8;
    const pops: Op[] = [];
    const members: Op[] = [];
    for (const pt of pattern(type, x, y)) {
      const process = base + pt.p;
      pops.push({ type: 'invoke', process, index: 0, value: pt.mops.map((m) => (m[0] === 'r' ? (['r', m[1], null] as ReadMop) : m)) });
      const fin: Op = { type: pt.status, process, index: 0, value: pt.mops };
      pops.push(fin);
      if (pt.member) members.push(fin);
    }
    spliced.push({ at: rng.int(0, ops.length), ops: pops, members, type, keys: type === 'G0' || type === 'G1c' || type === 'G-single' || type === 'G2-item' ? [x, y] : [x] });
  }
  let history: Op[] = ops;
  if (spliced.length > 0) {
    const sorted = [...spliced].sort((p, q) => p.at - q.at);
    history = [];
    let s = 0;
    for (let i = 0; i <= ops.length; i++) {
      while (s < sorted.length && (sorted[s] as (typeof sorted)[number]).at === i) history.push(...(sorted[s++] as (typeof sorted)[number]).ops);
      if (i < ops.length) history.push(ops[i] as Op);
    }
  }
  for (let i = 0; i < history.length; i++) (history[i] as Op).index = i;
  return {
    history,
    injected: spliced.map((s) => ({ type: s.type, txns: s.members.map((o) => o.index), keys: s.keys })),
  };
}
