import { pairTxns, type History, type Key } from '../history.js';

/** What {@link splitInternalReads} found in the committed transactions of a history. */
export interface InternalReads {
  /**
   * Reads that differ from the transaction's own earlier read of the key only because newer
   * committed appends showed up (the earlier view and the transaction's own appends are still
   * there, in order): a non-repeatable ("fuzzy") read, which read committed allows.
   */
  fuzzy: number;
  /** Reads that lost the transaction's own append or went back in time: wrong at every level. */
  broken: number;
}

function isSubsequence(small: readonly number[], big: readonly number[]): boolean {
  let i = 0;
  for (let j = 0; j < big.length && i < small.length; j++) if (big[j] === small[i]) i++;
  return i === small.length;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Elle's internal-consistency check expects a transaction's second read of a key to repeat its
 * first (plus its own appends). Below repeatable read that is not promised: a read may see
 * appends committed in between. This sorts the committed transactions' disagreeing reads into
 * fuzzy reads (allowed at read committed, a G-single-like anomaly for stronger levels) and
 * broken ones (impossible under any model).
 */
export function splitInternalReads(history: History): InternalReads {
  const out: InternalReads = { fuzzy: 0, broken: 0 };
  for (const t of pairTxns(history)) {
    if (t.status !== 'ok') continue;
    // For each key: what the transaction knows of the list, and whether it knows the prefix.
    const seen = new Map<Key, { list: number[]; known: boolean }>();
    for (const m of t.value) {
      if (m[0] === 'append') {
        const s = seen.get(m[1]);
        if (s) s.list.push(m[2]);
        else seen.set(m[1], { list: [m[2]], known: false });
        continue;
      }
      const read = m[2];
      if (read === null) continue;
      const s = seen.get(m[1]);
      if (s) {
        const agrees = s.known ? sameList(s.list, read) : sameList(s.list, read.slice(read.length - s.list.length));
        if (!agrees) {
          if (isSubsequence(s.list, read)) out.fuzzy++;
          else out.broken++;
        }
      }
      seen.set(m[1], { list: [...read], known: true });
    }
  }
  return out;
}

/**
 * The history with every value appended by a transaction that is known to have failed removed
 * from all reads, and how many committed reads contained one. Read uncommitted allows reading
 * another transaction's writes before it aborts (G1a): those values then vanish from later
 * reads, which the checker would otherwise call an incompatible order. What remains must still
 * be free of dirty writes.
 */
export function dropAbortedValues(history: History): { history: History; abortedReads: number } {
  const aborted = new Set<number>();
  for (const t of pairTxns(history)) {
    if (t.status !== 'fail') continue;
    for (const m of t.value) if (m[0] === 'append') aborted.add(m[2]);
  }
  if (aborted.size === 0) return { history, abortedReads: 0 };
  let abortedReads = 0;
  const cleaned = history.map((op) => {
    if (op.type !== 'ok') return op;
    let changed = false;
    const value = op.value.map((m) => {
      if (m[0] !== 'r' || m[2] === null || !m[2].some((v) => aborted.has(v))) return m;
      changed = true;
      abortedReads++;
      return ['r', m[1], m[2].filter((v) => !aborted.has(v))] as const;
    });
    return changed ? { ...op, value } : op;
  });
  return { history: cleaned, abortedReads };
}
