import { HistoryError, formatList, pairTxns, txnName, type History, type Key, type Mop, type Txn } from '../history.js';
import { ALL, BfsScratch, EdgeList, RW, WR, WW, buildCsr, induce, shortestPath, tarjan, type Csr } from './graph.js';
import { judgeModels } from './models.js';
import { ANOMALY_TYPES, type Anomaly, type AnomalyType, type CheckOptions, type CheckResult, type CycleStep } from './types.js';

const OK = 0;
const INFO = 1;
const FAIL = 2;
const NONE = 0x7fffffff;

/**
 * Checks an Elle list-append history and reports every anomaly it can prove, each as a minimal
 * explanation, plus the strongest consistency model the history is consistent with.
 *
 * Inference, per key: the longest list any committed read returned is the version order (every
 * other read must be a prefix of it, otherwise `incompatible-order`); a committed append that no
 * read observed comes after all of it. From that order: ww edges between consecutive appenders,
 * wr edges from the appender of a read's last element to the reader, rw edges from a reader to the
 * next appender it did not see. Failed transactions' appends are never treated as committed
 * (reading one is G1a); `info` transactions' appends count as committed when observed and are
 * otherwise ignored, and their reads are ignored.
 *
 * The phases run in this order, and the order is part of the result: it decides which anomalies
 * are kept under `maxAnomaliesPerType` and the edge order the cycle search walks.
 */
export function checkListAppend(history: History, options: CheckOptions = {}): CheckResult {
  const h = flatten(pairTxns(history));
  const found = new Findings(h, options.maxAnomaliesPerType ?? 100);
  const order = versionOrders(h, found);
  checkPrefixes(h, order, found);
  const edges = new EdgeList(Math.max(1024, h.mopCount * 2));
  addWriteEdges(h, order, edges);
  const lostUpdate = addReadEdges(h, order, edges, found);
  reportLostUpdates(h, order, lostUpdate, found);
  const cyclicComponents = reportCycles(h, edges, found, options.maxGSingleTries ?? 1000);
  return found.result({ edges: edges.length, cyclicComponents });
}

// ---- the history as typed arrays ----------------------------------------------------------------

/** Transactions and micro-operations flattened into typed arrays, with per-key bookkeeping. */
interface Flat {
  txns: Txn[];
  n: number;
  mopCount: number;
  keyCount: number;
  tStatus: Uint8Array;
  /** First mop of each transaction (`tStart[n]` = mopCount). */
  tStart: Int32Array;
  mops: Mop[];
  mopTxn: Int32Array;
  mopKey: Int32Array;
  mopRead: Uint8Array;
  /** Previous mop of the same txn on the same key, or -1. */
  prevSame: Int32Array;
  /** An append followed by another append of its txn to the key. */
  nonFinal: Uint8Array;
  /** An external read followed by an own append to the key (lost-update input). */
  readThenAppend: Uint8Array;
  /** An append's position in its key's version order; -1 until placed. */
  mopPos: Int32Array;
  keyNames: Key[];
  /** Per key: appended value → its append mop. */
  writers: Map<number, number>[];
  /** Per key: the committed read with the longest list, or -1. */
  longest: number[];
  ok: number;
  fail: number;
  info: number;
}

function flatten(txns: Txn[]): Flat {
  const n = txns.length;
  let mopCount = 0;
  for (let t = 0; t < n; t++) mopCount += (txns[t] as Txn).value.length;
  const tStatus = new Uint8Array(n);
  const tStart = new Int32Array(n + 1);
  const mops: Mop[] = new Array<Mop>(mopCount);
  const mopTxn = new Int32Array(mopCount);
  const mopKey = new Int32Array(mopCount);
  const mopRead = new Uint8Array(mopCount);
  const prevSame = new Int32Array(mopCount);
  const nonFinal = new Uint8Array(mopCount);
  const readThenAppend = new Uint8Array(mopCount);
  const mopPos = new Int32Array(mopCount).fill(-1);

  const keyIds = new Map<Key, number>();
  const keyNames: Key[] = [];
  const writers: Map<number, number>[] = [];
  const longest: number[] = [];
  let ok = 0;
  let fail = 0;
  let info = 0;

  let m = 0;
  for (let t = 0; t < n; t++) {
    const txn = txns[t] as Txn;
    const status = txn.status === 'ok' ? OK : txn.status === 'fail' ? FAIL : INFO;
    tStatus[t] = status;
    if (status === OK) ok++;
    else if (status === FAIL) fail++;
    else info++;
    tStart[t] = m;
    const start = m;
    const value = txn.value;
    for (let i = 0; i < value.length; i++, m++) {
      const mop = value[i] as Mop;
      mops[m] = mop;
      mopTxn[m] = t;
      const k = mop[1];
      let kid = keyIds.get(k);
      if (kid === undefined) {
        kid = keyNames.length;
        keyIds.set(k, kid);
        keyNames.push(k);
        writers.push(new Map());
        longest.push(-1);
      }
      mopKey[m] = kid;
      let prev = -1;
      for (let j = m - 1; j >= start; j--) {
        if (mopKey[j] === kid) {
          prev = j;
          break;
        }
      }
      prevSame[m] = prev;
      if (mop[0] === 'append') {
        const w = writers[kid] as Map<number, number>;
        if (w.has(mop[2])) {
          const other = mopTxn[w.get(mop[2]) as number] as number;
          throw new HistoryError(
            `value ${mop[2]} was appended to key ${String(k)} twice (${txnName((txns[other] as Txn).id)} and ${txnName(txn.id)}); list-append needs unique values per key`,
          );
        }
        w.set(mop[2], m);
        // Walk back over this txn's earlier mops on the key: mark the previous own append as
        // non-final, and the first mop if it was an external read (read-then-append, lost-update input).
        let j = prev;
        let markedPrevAppend = false;
        let first = -1;
        while (j !== -1) {
          if (!markedPrevAppend && mopRead[j] === 0) {
            nonFinal[j] = 1;
            markedPrevAppend = true;
          }
          first = j;
          j = prevSame[j] as number;
        }
        if (first !== -1 && mopRead[first] === 1 && status === OK) readThenAppend[first] = 1;
      } else {
        mopRead[m] = 1;
        const list = mop[2];
        if (status === OK && list !== null && list !== undefined) {
          const cur = longest[kid] as number;
          if (cur === -1 || list.length > ((mops[cur] as Mop)[2] as readonly number[]).length) longest[kid] = m;
        }
      }
    }
  }
  tStart[n] = m;
  return {
    txns,
    n,
    mopCount,
    keyCount: keyNames.length,
    tStatus,
    tStart,
    mops,
    mopTxn,
    mopKey,
    mopRead,
    prevSame,
    nonFinal,
    readThenAppend,
    mopPos,
    keyNames,
    writers,
    longest,
    ok,
    fail,
    info,
  };
}

const listOf = (h: Flat, mm: number): readonly number[] => (h.mops[mm] as Mop)[2] as readonly number[];
const valOf = (h: Flat, mm: number): number => (h.mops[mm] as Mop)[2] as number;
/** The id (`T<id>`) of transaction index `t`. */
const idOf = (h: Flat, t: number): number => (h.txns[t] as Txn).id;

// ---- what was found -----------------------------------------------------------------------------

/** Anomalies by type, each kept up to the per-type limit but always counted. */
class Findings {
  readonly anomalies: Anomaly[] = [];
  readonly counts: Partial<Record<AnomalyType, number>> = {};
  constructor(
    private readonly h: Flat,
    private readonly maxPerType: number,
  ) {}

  report(type: AnomalyType, make: () => Anomaly): void {
    const c = (this.counts[type] ?? 0) + 1;
    this.counts[type] = c;
    if (c <= this.maxPerType) this.anomalies.push(make());
  }

  /** Counts a finding without building its explanation. */
  count(type: AnomalyType): void {
    this.counts[type] = (this.counts[type] ?? 0) + 1;
  }

  result(graph: { edges: number; cyclicComponents: number }): CheckResult {
    const { h } = this;
    const found = new Set<AnomalyType>(Object.keys(this.counts) as AnomalyType[]);
    const anomalyTypes = ANOMALY_TYPES.filter((a) => found.has(a));
    const rank = new Map(ANOMALY_TYPES.map((a, i) => [a, i]));
    this.anomalies.sort((x, y) => (rank.get(x.type) as number) - (rank.get(y.type) as number));
    return {
      valid: anomalyTypes.length === 0,
      anomalies: this.anomalies,
      anomalyTypes,
      counts: this.counts,
      ...judgeModels(found),
      stats: { txns: h.n, ok: h.ok, fail: h.fail, info: h.info, keys: h.keyCount, mops: h.mopCount, ...graph },
    };
  }
}

// ---- per key: the version order from the longest read --------------------------------------------

/** Per key, the observed version order (from its longest committed read) and what it says. */
interface VersionOrder {
  /** Offsets of each key's order in `writerAt` (`wOff[k]`…`wOff[k + 1]`). */
  wOff: Int32Array;
  /** The append mop at each position; -1 for a value nobody appended (garbage). */
  writerAt: Int32Array;
  /** Per key: the first position written by a failed transaction, or NONE. */
  firstFailed: Int32Array;
  /** Per key: the first garbage position, or NONE. */
  firstGarbage: Int32Array;
  /** Keys whose order is incompatible or has duplicates: they give no edges. */
  badKey: Uint8Array;
  /** Per key: committed appends no read observed (they follow the whole order, in an unknown order). */
  unobserved: (number[] | undefined)[];
}

function versionOrders(h: Flat, found: Findings): VersionOrder {
  const { keyCount, longest, writers, mopPos, mopTxn, tStatus, mopCount, mopRead, mopKey } = h;
  const wOff = new Int32Array(keyCount + 1);
  for (let k = 0; k < keyCount; k++) {
    const lm = longest[k] as number;
    wOff[k + 1] = (wOff[k] as number) + (lm === -1 ? 0 : listOf(h, lm).length);
  }
  const writerAt = new Int32Array(wOff[keyCount] as number);
  const firstFailed = new Int32Array(keyCount).fill(NONE);
  const firstGarbage = new Int32Array(keyCount).fill(NONE);
  const badKey = new Uint8Array(keyCount);
  for (let k = 0; k < keyCount; k++) {
    const lm = longest[k] as number;
    if (lm === -1) continue;
    const L = listOf(h, lm);
    const off = wOff[k] as number;
    const w = writers[k] as Map<number, number>;
    let dupReported = false;
    for (let i = 0; i < L.length; i++) {
      const v = L[i] as number;
      const am = w.get(v);
      if (am === undefined) {
        writerAt[off + i] = -1;
        if ((firstGarbage[k] as number) === NONE) firstGarbage[k] = i;
        if (!dupReported && L.indexOf(v) !== i) {
          dupReported = true;
          reportDuplicates(h, badKey, found, k, lm);
        }
        continue;
      }
      writerAt[off + i] = am;
      if (mopPos[am] !== -1) {
        if (!dupReported) {
          dupReported = true;
          reportDuplicates(h, badKey, found, k, lm);
        }
        continue;
      }
      mopPos[am] = i;
      if (tStatus[mopTxn[am] as number] === FAIL && (firstFailed[k] as number) === NONE) firstFailed[k] = i;
    }
  }

  const unobserved: (number[] | undefined)[] = new Array<number[] | undefined>(keyCount);
  for (let a = 0; a < mopCount; a++) {
    if (mopRead[a] === 1 || mopPos[a] !== -1 || tStatus[mopTxn[a] as number] !== OK) continue;
    const k = mopKey[a] as number;
    (unobserved[k] ??= []).push(a);
  }
  return { wOff, writerAt, firstFailed, firstGarbage, badKey, unobserved };
}

/** A read of key `k` (mop `rm`) that lists a value twice: the key gives no edges. */
function reportDuplicates(h: Flat, badKey: Uint8Array, found: Findings, k: number, rm: number): void {
  badKey[k] = 1;
  const list = listOf(h, rm);
  const seen = new Set<number>();
  const dups = new Set<number>();
  for (const v of list) {
    if (seen.has(v)) dups.add(v);
    seen.add(v);
  }
  const d = [...dups];
  const reader = idOf(h, h.mopTxn[rm] as number);
  const key = h.keyNames[k] as Key;
  found.report('duplicate-elements', () => ({
    type: 'duplicate-elements',
    txns: [reader],
    key,
    explanation: `${txnName(reader)} read key ${String(key)} as ${formatList(list)}: ${d.join(', ')} ${d.length === 1 ? 'appears' : 'appear'} more than once though each value is appended once (duplicate elements)`,
  }));
}

/** Every committed read must be a prefix of its key's order; one that is not makes the key incompatible. */
function checkPrefixes(h: Flat, order: VersionOrder, found: Findings): void {
  const { mopCount, mopRead, tStatus, mopTxn, mops, mopKey, longest, keyNames } = h;
  const incompatibleSeen = new Uint8Array(h.keyCount);
  for (let r = 0; r < mopCount; r++) {
    if (mopRead[r] === 0 || tStatus[mopTxn[r] as number] !== OK) continue;
    const list = (mops[r] as Mop)[2] as readonly number[] | null;
    if (list === null || list === undefined) continue;
    const k = mopKey[r] as number;
    const lr = longest[k] as number;
    let prefix = true;
    if (lr !== r) {
      const L = listOf(h, lr);
      if (list.length > L.length) prefix = false;
      else {
        for (let i = 0; i < list.length; i++) {
          if (list[i] !== L[i]) {
            prefix = false;
            break;
          }
        }
      }
    }
    if (prefix) continue;
    order.badKey[k] = 1;
    // A non-prefix read may hold its own duplicates; the longest read's were checked above.
    if (new Set(list).size !== list.length) reportDuplicates(h, order.badKey, found, k, r);
    if (incompatibleSeen[k] === 1) {
      found.count('incompatible-order');
      continue;
    }
    incompatibleSeen[k] = 1;
    const a = idOf(h, mopTxn[r] as number);
    const b = idOf(h, mopTxn[lr] as number);
    const key = keyNames[k] as Key;
    found.report('incompatible-order', () => ({
      type: 'incompatible-order',
      txns: a === b ? [a] : [a, b],
      key,
      explanation: `${txnName(a)} read key ${String(key)} as ${formatList(list)} and ${txnName(b)} read it as ${formatList(listOf(h, lr))}: neither is a prefix of the other, so no single order of appends explains both (incompatible order)`,
    }));
  }
}

// ---- dependency edges and the single-transaction findings ----------------------------------------

/** ww edges: each appender to the next along a key's order, and the last one to every unobserved committed appender. */
function addWriteEdges(h: Flat, order: VersionOrder, edges: EdgeList): void {
  const { mopTxn, tStatus } = h;
  const { wOff, writerAt, badKey, unobserved } = order;
  for (let k = 0; k < h.keyCount; k++) {
    if (badKey[k] === 1) continue;
    const off = wOff[k] as number;
    const Llen = (wOff[k + 1] as number) - off;
    let prevA = Llen > 0 ? (writerAt[off] as number) : -1;
    for (let i = 1; i < Llen; i++) {
      const b = writerAt[off + i] as number;
      if (prevA !== -1 && b !== -1) {
        const ta = mopTxn[prevA] as number;
        const tb = mopTxn[b] as number;
        if (ta !== tb && tStatus[ta] !== FAIL && tStatus[tb] !== FAIL) edges.push(ta, tb, WW, prevA, b);
      }
      prevA = b;
    }
    const un = unobserved[k];
    if (un !== undefined && Llen > 0 && prevA !== -1) {
      const ta = mopTxn[prevA] as number;
      if (tStatus[ta] !== FAIL) {
        for (const u of un) {
          const tu = mopTxn[u] as number;
          if (tu !== ta) edges.push(ta, tu, WW, prevA, u);
        }
      }
    }
  }
}

/**
 * Per committed read: internal consistency (a read after the txn's own mops on the key), aborted
 * (G1a), garbage and intermediate (G1b) reads, and for an external read its wr edge from the last
 * appender it saw and rw edge(s) to the first appender it did not see. Returns the lost-update
 * candidates: key → read length → transactions that read that version and then appended.
 */
function addReadEdges(h: Flat, order: VersionOrder, edges: EdgeList, found: Findings): Map<number, Map<number, number[]>> {
  const { mopCount, mopRead, mopTxn, tStatus, mops, prevSame, mopKey, keyNames, nonFinal, readThenAppend } = h;
  const { wOff, writerAt, firstFailed, firstGarbage, badKey, unobserved } = order;
  const lostUpdate = new Map<number, Map<number, number[]>>();
  for (let r = 0; r < mopCount; r++) {
    if (mopRead[r] === 0) continue;
    const t = mopTxn[r] as number;
    if (tStatus[t] !== OK) continue;
    const list = (mops[r] as Mop)[2] as readonly number[] | null;
    if (list === null || list === undefined) continue;
    const internal = prevSame[r] !== -1;
    if (internal) checkInternal(h, found, r, t, list);
    const k = mopKey[r] as number;
    if (badKey[k] === 1) continue;
    const off = wOff[k] as number;
    const Llen = (wOff[k + 1] as number) - off;
    const len = list.length;
    if (len > (firstFailed[k] as number)) {
      const am = writerAt[off + (firstFailed[k] as number)] as number;
      const w = idOf(h, mopTxn[am] as number);
      const reader = idOf(h, t);
      const key = keyNames[k] as Key;
      found.report('G1a', () => ({
        type: 'G1a',
        txns: [reader, w],
        key,
        explanation: `${txnName(reader)} read key ${String(key)} as ${formatList(list)}, which includes ${valOf(h, am)} appended by ${txnName(w)}, a transaction that failed (aborted read, G1a)`,
      }));
    }
    if (len > (firstGarbage[k] as number)) {
      const reader = idOf(h, t);
      const key = keyNames[k] as Key;
      const v = list[firstGarbage[k] as number] as number;
      found.report('garbage-read', () => ({
        type: 'garbage-read',
        txns: [reader],
        key,
        explanation: `${txnName(reader)} read key ${String(key)} as ${formatList(list)}, which includes ${v}, a value no transaction appended (garbage read)`,
      }));
    }
    if (internal) continue; // internal reads only repeat what the txn already knew: no edges
    let lastWriter = -1;
    if (len > 0) {
      const wm = writerAt[off + len - 1] as number;
      if (wm !== -1) {
        const w = mopTxn[wm] as number;
        lastWriter = w;
        if (w !== t && tStatus[w] !== FAIL) {
          edges.push(w, t, WR, wm, r);
          if (nonFinal[wm] === 1) {
            const reader = idOf(h, t);
            const wt = idOf(h, w);
            const key = keyNames[k] as Key;
            found.report('G1b', () => ({
              type: 'G1b',
              txns: [reader, wt],
              key,
              explanation: `${txnName(reader)} read key ${String(key)} as ${formatList(list)}, ending in ${valOf(h, wm)}, but ${txnName(wt)} appended more to key ${String(key)} after ${valOf(h, wm)}: ${txnName(reader)} saw an intermediate state (intermediate read, G1b)`,
            }));
          }
        }
      }
    }
    let i = len;
    while (i < Llen) {
      const nm = writerAt[off + i] as number;
      if (nm === -1 || mopTxn[nm] === lastWriter) {
        i++;
        continue;
      }
      break;
    }
    if (i < Llen) {
      const nm = writerAt[off + i] as number;
      const nt = mopTxn[nm] as number;
      if (nt !== t && tStatus[nt] !== FAIL) edges.push(t, nt, RW, r, nm);
    } else {
      const un = unobserved[k];
      if (un !== undefined) {
        for (const u of un) {
          const tu = mopTxn[u] as number;
          if (tu !== t && tu !== lastWriter) edges.push(t, tu, RW, r, u);
        }
      }
    }
    if (readThenAppend[r] === 1) {
      let byLen = lostUpdate.get(k);
      if (byLen === undefined) lostUpdate.set(k, (byLen = new Map()));
      const group = byLen.get(len);
      if (group === undefined) byLen.set(len, [t]);
      else group.push(t);
    }
  }
  return lostUpdate;
}

/** A read after the txn's own reads/appends of the key must equal the last read plus the appends since. */
function checkInternal(h: Flat, found: Findings, r: number, t: number, list: readonly number[]): void {
  const { prevSame, mopRead, mops } = h;
  let base: readonly number[] | null = null;
  let ownCount = 0;
  let j = prevSame[r] as number;
  for (; j !== -1; j = prevSame[j] as number) {
    if (mopRead[j] === 1) {
      const l = (mops[j] as Mop)[2] as readonly number[] | null;
      if (l !== null && l !== undefined) {
        base = l;
        break;
      }
    } else ownCount++;
  }
  // Expected: base ++ own appends (in order), or, without an earlier read, anything ending in the own appends.
  const start = base === null ? list.length - ownCount : base.length;
  let good = start >= 0 && (base === null || list.length === base.length + ownCount);
  if (good && base !== null) {
    for (let i = 0; i < base.length; i++) {
      if (list[i] !== base[i]) {
        good = false;
        break;
      }
    }
  }
  if (good) {
    let pos = start + ownCount - 1;
    for (let jj = prevSame[r] as number; jj !== j; jj = prevSame[jj] as number) {
      if (mopRead[jj] === 1) continue;
      if (list[pos--] !== valOf(h, jj)) {
        good = false;
        break;
      }
    }
  }
  if (good) return;
  const own: number[] = [];
  for (let jj = prevSame[r] as number; jj !== j; jj = prevSame[jj] as number) if (mopRead[jj] === 0) own.push(valOf(h, jj));
  own.reverse();
  const expected = base !== null ? formatList([...base, ...own]) : `a list ending in ${formatList(own)}`;
  const id = idOf(h, t);
  const key = h.keyNames[h.mopKey[r] as number] as Key;
  found.report('internal', () => ({
    type: 'internal',
    txns: [id],
    key,
    explanation: `${txnName(id)} read key ${String(key)} as ${formatList(list)}, but its own earlier reads and appends imply ${expected} (internal inconsistency)`,
  }));
}

/** Two or more committed transactions that read the same version of a key and each appended to it. */
function reportLostUpdates(h: Flat, order: VersionOrder, lostUpdate: Map<number, Map<number, number[]>>, found: Findings): void {
  const { tStart, mopRead, mopKey, keyNames } = h;
  for (const [k, byLen] of lostUpdate) {
    for (const [len, group] of byLen) {
      if (group.length < 2) continue;
      const key = keyNames[k] as Key;
      const ids = group.map((t) => idOf(h, t));
      // The version they all read: the first `len` elements of the order.
      const off = order.wOff[k] as number;
      const version: number[] = [];
      for (let i = 0; i < len; i++) {
        const am = order.writerAt[off + i] as number;
        version.push(am === -1 ? NaN : valOf(h, am));
      }
      const appended = group.map((t) => {
        for (let mm = tStart[t] as number; mm < (tStart[t + 1] as number); mm++) {
          if (mopRead[mm] === 0 && mopKey[mm] === k) return valOf(h, mm);
        }
        return NaN;
      });
      found.report('lost-update', () => ({
        type: 'lost-update',
        txns: ids,
        key,
        explanation: `${ids.map(txnName).join(' and ')} ${ids.length === 2 ? 'both' : 'all'} read key ${String(key)} as ${formatList(version)} and each appended to it (${appended.join(', ')}): in any serial order one of them would have seen the other's append, so an update was lost (lost update)`,
      }));
    }
  }
}

// ---- cycles ---------------------------------------------------------------------------------------

/** One anomaly per cyclic strongly connected component: its most severe short cycle. Returns the number of such components. */
function reportCycles(h: Flat, edges: EdgeList, found: Findings, maxGSingleTries: number): number {
  const g = buildCsr(h.n, edges.length, edges.from, edges.to, edges.kind, null);
  const { cyclic } = tarjan(g, ALL);
  if (cyclic.length === 0) return 0;
  const local = new Int32Array(h.n).fill(-1);
  const scratch = new BfsScratch();
  for (const comp of cyclic) {
    const sub = induce(g, comp, local);
    const cyc = findCycle(sub.g, maxGSingleTries, scratch);
    const steps: CycleStep[] = cyc.map((slot) => describeEdge(h, edges, sub.g.edge[slot] as number));
    const rw = steps.filter((s) => s.type === 'rw').length;
    const type: AnomalyType = rw === 0 ? (steps.every((s) => s.type === 'ww') ? 'G0' : 'G1c') : rw === 1 ? 'G-single' : 'G2-item';
    const cycle = steps.map((s) => s.from);
    found.report(type, () => ({ type, txns: cycle.slice(), cycle, steps, explanation: explainCycle(type, steps) }));
  }
  return cyclic.length;
}

function describeEdge(h: Flat, edges: EdgeList, e: number): CycleStep {
  const kind = edges.kind[e] as number;
  const a = edges.a[e] as number;
  const b = edges.b[e] as number;
  const from = idOf(h, edges.from[e] as number);
  const to = idOf(h, edges.to[e] as number);
  const key = h.keyNames[h.mopKey[a] as number] as Key;
  if (kind === WW) return { from, to, type: 'ww', key, value: valOf(h, b), previous: valOf(h, a) };
  if (kind === WR) return { from, to, type: 'wr', key, value: valOf(h, a) };
  return { from, to, type: 'rw', key, value: valOf(h, b) };
}

/**
 * A short cycle in a strongly connected subgraph, preferring the most severe class: ww only (G0),
 * then ww+wr (G1c), then exactly one rw (G-single), then any (G2-item). Returns adjacency slots.
 */
function findCycle(g: Csr, maxGSingleTries: number, scratch: BfsScratch): number[] {
  for (const mask of [WW, WW | WR]) {
    const c = shortestCycleUnder(g, mask, scratch);
    if (c !== null) return c;
  }
  // G-single: an rw edge a→b closed by a ww/wr path b→a. Bounded work: a huge component (a badly
  // broken database) must not turn the search quadratic; past the budget the first cycle found wins.
  const budget = scratch.work + Math.max(4 * g.n, 2_000_000);
  let best: number[] | null = null;
  let tries = 0;
  for (let u = 0; u < g.n && tries < maxGSingleTries; u++) {
    for (let e = g.off[u] as number; e < (g.off[u + 1] as number) && tries < maxGSingleTries; e++) {
      if (g.kind[e] !== RW) continue;
      tries++;
      const back = shortestPath(g, g.to[e] as number, u, WW | WR, scratch);
      if (back !== null && (best === null || back.length + 1 < best.length)) best = [e, ...back];
      if (best !== null && (best.length === 2 || scratch.work > budget)) return best;
      if (scratch.work > budget * 4) break;
    }
  }
  if (best !== null) return best;
  const any = shortestCycleUnder(g, ALL, scratch);
  if (any === null) throw new Error('internal error: a strongly connected component without a cycle');
  return any;
}

/** Shortest cycle (BFS from up to 32 nodes of the first cyclic component) using only edges in `mask`. */
function shortestCycleUnder(g: Csr, mask: number, scratch: BfsScratch): number[] | null {
  const { cyclic } = tarjan(g, mask);
  const comp = cyclic[0];
  if (comp === undefined) return null;
  let best: number[] | null = null;
  const tries = Math.min(comp.length, comp.length > 10_000 ? 4 : 32);
  for (let i = 0; i < tries; i++) {
    const s = comp[i] as number;
    const c = shortestPath(g, s, s, mask, scratch);
    if (c !== null && (best === null || c.length < best.length)) best = c;
    if (best !== null && best.length === 2) break;
  }
  return best;
}

const CLASS_TEXT: Record<'G0' | 'G1c' | 'G-single' | 'G2-item', string> = {
  G0: 'a cycle of write-write dependencies only (G0, dirty write)',
  G1c: 'a cycle of write-write and write-read dependencies (G1c, circular information flow)',
  'G-single': 'a cycle with exactly one read-write anti-dependency (G-single, read skew)',
  'G2-item': 'a cycle with two or more read-write anti-dependencies (G2-item, e.g. write skew)',
};

function stepText(s: CycleStep): string {
  const k = String(s.key);
  switch (s.type) {
    case 'ww':
      return `${txnName(s.from)} appended ${s.previous} to key ${k} and ${txnName(s.to)} appended ${s.value} after it (ww)`;
    case 'wr':
      return `${txnName(s.to)} read key ${k} and saw ${txnName(s.from)}'s append of ${s.value} (wr)`;
    case 'rw':
      return `${txnName(s.from)} read key ${k} without ${s.value}, which ${txnName(s.to)} appended (rw)`;
  }
}

function explainCycle(type: AnomalyType, steps: CycleStep[]): string {
  const first = steps[0] as CycleStep;
  const body = steps.map(stepText).join('; then ');
  const names = [...steps.map((s) => txnName(s.from)), txnName(first.from)];
  const order = names.map((x, i) => (i === 0 ? x : i === 1 ? ` must precede ${x}` : `, which must precede ${x}`)).join('');
  return `${body}. So ${order}, which no serial order allows: ${CLASS_TEXT[type as keyof typeof CLASS_TEXT]}`;
}
