import type { History, Mop, Op } from '../src/index.js';

/** Builds hand-written histories: `invoke`/`complete` for interleavings, `txn` for back-to-back pairs. */
export class HistoryBuilder {
  readonly ops: History = [];

  /** Records an invocation (reads carry null) and returns its index. */
  invoke(process: number, value: Mop[]): number {
    const op: Op = { type: 'invoke', process, index: this.ops.length, value: value.map((m) => (m[0] === 'r' ? (['r', m[1], null] as const) : m)) };
    this.ops.push(op);
    return op.index;
  }

  /** Records a completion and returns its index, which is the transaction's id (`T<id>`). */
  complete(process: number, type: 'ok' | 'fail' | 'info', value: Mop[]): number {
    const op: Op = { type, process, index: this.ops.length, value };
    this.ops.push(op);
    return op.index;
  }

  /** An invocation immediately followed by its completion; returns the transaction id. */
  txn(process: number, value: Mop[], type: 'ok' | 'fail' | 'info' = 'ok'): number {
    this.invoke(process, value);
    return this.complete(process, type, value);
  }
}

/** `['append', k, v]` */
export const ap = (k: number, v: number): Mop => ['append', k, v];
/** `['r', k, list]` */
export const rd = (k: number, l: number[] | null): Mop => ['r', k, l];
