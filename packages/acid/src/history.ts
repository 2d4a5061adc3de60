/**
 * The operation model of an Elle list-append history: each key holds a list, a transaction is a
 * sequence of micro-operations that read a whole list or append one value to it, and every client
 * call is recorded twice, as an `invoke` and as its completion (`ok`, `fail` or `info`).
 */

/** A key of the list-append store. Elle histories use integers; strings are accepted too. */
export type Key = number | string;

/** A read of a whole list: `null` in an invocation (not known yet), the observed list once `ok`. */
export type ReadMop = readonly ['r', Key, readonly number[] | null];

/** An append of one value to the end of a key's list. Values must be unique per key. */
export type AppendMop = readonly ['append', Key, number];

/** One micro-operation of a transaction. */
export type Mop = ReadMop | AppendMop;

/**
 * What happened to a call: `invoke` starts it; `ok` committed; `fail` is known not to have taken
 * effect; `info` has an unknown outcome (a timeout during commit, a dropped connection) and is
 * never counted as failed.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** One history entry: an invocation or a completion of a list-append transaction. */
export interface Op {
  /** invoke / ok / fail / info. */
  type: OpType;
  /** The client (logical process) that issued the call; one call at a time per process. */
  process: number;
  /** Position in the history, unique and increasing. */
  index: number;
  /** Optional timestamp (nanoseconds in Elle histories). */
  time?: number;
  /** Elle's function name; always `txn` for list-append (optional here). */
  f?: 'txn';
  /** The transaction's micro-operations. */
  value: Mop[];
}

/** A whole history, in the order operations happened. */
export type History = Op[];

/** Outcome of a paired transaction. */
export type TxnStatus = 'ok' | 'fail' | 'info';

/** An invocation joined with its completion. */
export interface Txn {
  /**
   * The transaction's name, `T<id>` in explanations: the index of its completion (as Elle prints
   * the completion op), or of its invocation when it never completed.
   */
  id: number;
  /** The client that ran it. */
  process: number;
  /** Final outcome; an invocation without completion is `info`. */
  status: TxnStatus;
  /** The invocation, or `null` when the history holds only the completion. */
  invoke: Op | null;
  /** The completion, or `null` when the history ended first. */
  completion: Op | null;
  /**
   * The micro-operations that describe what the transaction did: the completion's value for
   * `ok` (reads carry results), otherwise the completion's value if present, else the invocation's.
   */
  value: Mop[];
}

/** Raised when a history is malformed (not when the database misbehaved). */
export class HistoryError extends Error {
  override name = 'HistoryError';
}

/**
 * Pairs each invocation with the next completion of the same process. A completion without an
 * open invocation stands alone (hand-written histories often list only completions); an
 * invocation still open at the end has an unknown outcome and becomes `info`.
 */
export function pairTxns(history: readonly Op[]): Txn[] {
  const out: Txn[] = [];
  // Processes are usually small integers: an array beats a Map; anything else goes to the Map.
  const dense: number[] = [];
  const sparse = new Map<number, number>();
  const isDense = (p: number): boolean => Number.isInteger(p) && p >= 0 && p < 1 << 20;
  const openSlot = (p: number): number | undefined => (isDense(p) ? dense[p] : sparse.get(p));
  const setSlot = (p: number, v: number | undefined): void => {
    if (isDense(p)) {
      while (dense.length <= p) dense.push(-1);
      dense[p] = v ?? -1;
    } else if (v === undefined) sparse.delete(p);
    else sparse.set(p, v);
  };
  for (let i = 0; i < history.length; i++) {
    const op = history[i] as Op;
    if (op.type === 'invoke') {
      const cur = openSlot(op.process);
      if (cur !== undefined && cur !== -1) {
        throw new HistoryError(`process ${op.process} invoked op ${op.index} while another of its calls was still open`);
      }
      setSlot(op.process, out.length);
      out.push({ id: op.index, process: op.process, status: 'info', invoke: op, completion: null, value: op.value });
      continue;
    }
    if (op.type !== 'ok' && op.type !== 'fail' && op.type !== 'info') {
      throw new HistoryError(`op ${op.index} has unknown type ${JSON.stringify((op as { type: unknown }).type)}`);
    }
    const found = openSlot(op.process);
    const slot = found === -1 ? undefined : found;
    if (slot === undefined) {
      out.push({ id: op.index, process: op.process, status: op.type, invoke: null, completion: op, value: op.value });
      continue;
    }
    setSlot(op.process, undefined);
    const t = out[slot] as Txn;
    t.id = op.index;
    t.status = op.type;
    t.completion = op;
    if (op.value !== undefined && op.value !== null) t.value = op.value;
  }
  return out;
}

/** `T<id>`: how explanations name a transaction. */
export function txnName(id: number): string {
  return `T${id}`;
}

/** Renders a list the way explanations show it: `[1 2 3]`. */
export function formatList(list: readonly number[] | null): string {
  return list === null ? 'nil' : `[${list.join(' ')}]`;
}
