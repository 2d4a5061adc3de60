import { describe, expect, it } from 'vitest';
import { checkListAppend, pairTxns, HistoryError } from '../src/index.js';
import { HistoryBuilder, ap, rd } from './builder.js';

function expectValid(h: HistoryBuilder['ops']): void {
  const r = checkListAppend(h);
  expect(r.anomalies).toEqual([]);
  expect(r.valid).toBe(true);
  expect(r.strongestModel).toBe('serializable');
  expect(r.notModels).toEqual([]);
  expect(r.summary).toBe('consistent with serializable');
}

describe('valid histories', () => {
  it('empty history', () => {
    const r = checkListAppend([]);
    expect(r.valid).toBe(true);
    expect(r.stats.txns).toBe(0);
    expect(r.strongestModel).toBe('serializable');
  });

  it('a single transaction that appends and reads its own append', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 1), rd(1, [1]), ap(1, 2), rd(1, [1, 2])]);
    expectValid(b.ops);
  });

  it('several interleaved transactions that are serializable', () => {
    const b = new HistoryBuilder();
    // T_a and T_b overlap in real time; T_c reads both keys after them.
    b.invoke(0, [ap(1, 1), rd(2, null)]);
    b.invoke(1, [rd(1, null), ap(2, 1)]);
    b.complete(0, 'ok', [ap(1, 1), rd(2, [])]);
    b.complete(1, 'ok', [rd(1, [1]), ap(2, 1)]);
    b.invoke(2, [rd(1, null), rd(2, null), ap(1, 2)]);
    b.invoke(0, [ap(2, 2)]);
    b.complete(2, 'ok', [rd(1, [1]), rd(2, [1]), ap(1, 2)]);
    b.complete(0, 'ok', [ap(2, 2)]);
    b.txn(1, [rd(1, [1, 2]), rd(2, [1, 2])]);
    const r = checkListAppend(b.ops);
    expect(r.valid).toBe(true);
    expect(r.stats.edges).toBeGreaterThan(0);
  });

  it('an info transaction (unknown outcome) whose append never shows up is not a failure', () => {
    const b = new HistoryBuilder();
    b.invoke(0, [ap(1, 1)]);
    b.complete(0, 'info', [ap(1, 1)]); // e.g. a timeout during COMMIT
    b.txn(1, [rd(1, [])]);
    b.txn(2, [ap(1, 2)]);
    b.txn(3, [rd(1, [2])]);
    const r = checkListAppend(b.ops);
    expect(r.valid).toBe(true);
    expect(r.stats.info).toBe(1);
    expect(r.stats.fail).toBe(0);
  });

  it('an info transaction whose append is observed counts as committed, not as an aborted read', () => {
    const b = new HistoryBuilder();
    b.invoke(0, [ap(1, 1), rd(1, null)]);
    b.complete(0, 'info', [ap(1, 1), rd(1, null)]);
    b.txn(1, [rd(1, [1]), ap(1, 2)]);
    b.txn(2, [rd(1, [1, 2])]);
    expectValid(b.ops);
  });

  it('an invocation that never completes is an info transaction', () => {
    const b = new HistoryBuilder();
    b.txn(1, [ap(1, 1)]);
    b.invoke(0, [ap(1, 2)]);
    b.txn(2, [rd(1, [1, 2])]);
    const txns = pairTxns(b.ops);
    expect(txns.map((t) => t.status)).toEqual(['ok', 'info', 'ok']);
    expectValid(b.ops);
  });

  it('a failed transaction nobody observed is harmless, and its reads are ignored', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 1)]);
    b.txn(1, [ap(1, 2), rd(1, [7, 7, 7])], 'fail');
    b.txn(2, [rd(1, [1])]);
    expectValid(b.ops);
  });

  it('completions without invocations (as in hand-written Elle histories)', () => {
    const h = [
      { type: 'ok' as const, process: 0, index: 0, value: [ap(1, 1)] },
      { type: 'ok' as const, process: 1, index: 1, value: [rd(1, [1]), ap(1, 2)] },
      { type: 'ok' as const, process: 0, index: 2, value: [rd(1, [1, 2])] },
    ];
    expectValid(h);
    expect(pairTxns(h).map((t) => t.id)).toEqual([0, 1, 2]);
  });

  it('string keys work like integer keys', () => {
    const h = [
      { type: 'ok' as const, process: 0, index: 0, value: [['append', 'x', 1] as const] },
      { type: 'ok' as const, process: 1, index: 1, value: [['r', 'x', [1]] as const] },
    ];
    expectValid(h);
  });

  it('rejects a value appended twice to the same key (a workload bug, not a database one)', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 1)]);
    b.txn(1, [ap(1, 1)]);
    expect(() => checkListAppend(b.ops)).toThrow(HistoryError);
  });

  it('rejects a second invocation on a process with a call still open', () => {
    const b = new HistoryBuilder();
    b.invoke(0, [ap(1, 1)]);
    b.invoke(0, [ap(1, 2)]);
    expect(() => pairTxns(b.ops)).toThrow(/still open/);
  });
});
