import { describe, expect, it } from 'vitest';
import { checkListAppend, formatCheckResult, type Anomaly, type AnomalyType, type CheckResult } from '../src/index.js';
import { HistoryBuilder, ap, rd } from './builder.js';

function only(r: CheckResult, type: AnomalyType): Anomaly {
  const found = r.anomalies.filter((a) => a.type === type);
  expect(found, JSON.stringify(r.anomalies, null, 1)).toHaveLength(1);
  return found[0] as Anomaly;
}

function expectNames(a: Anomaly, ids: number[]): void {
  expect([...a.txns].sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
  for (const id of ids) expect(a.explanation).toMatch(new RegExp(`\\bT${id}\\b`));
}

function expectCycle(a: Anomaly, ids: number[]): void {
  expectNames(a, ids);
  expect(a.cycle).toBeDefined();
  const cycle = a.cycle as number[];
  expect([...cycle].sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
  const steps = a.steps ?? [];
  expect(steps).toHaveLength(cycle.length);
  steps.forEach((s, i) => {
    expect(s.from).toBe(cycle[i]);
    expect(s.to).toBe(cycle[(i + 1) % cycle.length]);
  });
}

describe('one hand-built history per anomaly class', () => {
  it('G0: two transactions append to x and y in opposite orders (write cycle)', () => {
    const b = new HistoryBuilder();
    b.invoke(0, [ap(1, 1), ap(2, 1)]);
    b.invoke(1, [ap(1, 2), ap(2, 2)]);
    const t1 = b.complete(0, 'ok', [ap(1, 1), ap(2, 1)]);
    const t2 = b.complete(1, 'ok', [ap(1, 2), ap(2, 2)]);
    b.txn(2, [rd(1, [1, 2]), rd(2, [2, 1])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['G0']);
    const a = only(r, 'G0');
    expectCycle(a, [t1, t2]);
    expect(a.steps?.every((s) => s.type === 'ww')).toBe(true);
    expect(a.explanation).toContain('G0');
    expect(a.explanation).toContain('appended 2 to key 2');
    expect(r.strongestModel).toBe('none');
    expect(r.summary).toBe('not read-uncommitted; also not read-committed, snapshot-isolation, repeatable-read, serializable');
  });

  it('G1a: a committed read sees an append of a failed transaction', () => {
    const b = new HistoryBuilder();
    const w = b.txn(0, [ap(1, 1)], 'fail');
    const r1 = b.txn(1, [rd(1, [1])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['G1a']);
    const a = only(r, 'G1a');
    expectNames(a, [r1, w]);
    expect(a.key).toBe(1);
    expect(a.explanation).toContain('failed');
    expect(r.strongestModel).toBe('read-uncommitted');
    expect(r.notModels).toEqual(['read-committed', 'snapshot-isolation', 'repeatable-read', 'serializable']);
  });

  it('G1b: a read ends in an intermediate append of another transaction', () => {
    const b = new HistoryBuilder();
    b.invoke(0, [ap(1, 1), ap(1, 2)]);
    const r1 = b.txn(1, [rd(1, [1])]);
    const w = b.complete(0, 'ok', [ap(1, 1), ap(1, 2)]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['G1b']);
    const a = only(r, 'G1b');
    expectNames(a, [r1, w]);
    expect(a.explanation).toContain('intermediate');
    expect(r.strongestModel).toBe('read-uncommitted');
  });

  it('G1c: each transaction reads the other one\'s append (circular information flow)', () => {
    const b = new HistoryBuilder();
    b.invoke(0, [ap(1, 1), rd(2, null)]);
    b.invoke(1, [ap(2, 1), rd(1, null)]);
    const t1 = b.complete(0, 'ok', [ap(1, 1), rd(2, [1])]);
    const t2 = b.complete(1, 'ok', [ap(2, 1), rd(1, [1])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['G1c']);
    const a = only(r, 'G1c');
    expectCycle(a, [t1, t2]);
    expect(a.steps?.map((s) => s.type)).toEqual(['wr', 'wr']);
    expect(a.explanation).toMatch(/read key 2 and saw T\d+'s append of 1 \(wr\)/);
    expect(r.strongestModel).toBe('read-uncommitted');
  });

  it('G-single: one anti-dependency closes a write-write dependency (read skew)', () => {
    const b = new HistoryBuilder();
    b.invoke(0, [ap(1, 1), ap(2, 1)]);
    b.invoke(1, [ap(1, 2), rd(2, null)]);
    const t1 = b.complete(0, 'ok', [ap(1, 1), ap(2, 1)]);
    const t2 = b.complete(1, 'ok', [ap(1, 2), rd(2, [])]);
    b.txn(2, [rd(1, [1, 2]), rd(2, [1])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['G-single']);
    const a = only(r, 'G-single');
    expectCycle(a, [t1, t2]);
    expect(a.steps?.map((s) => s.type).sort()).toEqual(['rw', 'ww']);
    expect(a.explanation).toContain(`T${t2} read key 2 without 1, which T${t1} appended (rw)`);
    expect(a.explanation).toContain(`T${t1} appended 1 to key 1 and T${t2} appended 2 after it (ww)`);
    expect(r.strongestModel).toBe('read-committed');
    expect(r.summary).toBe('not snapshot-isolation, repeatable-read; also not serializable');
  });

  it('G2-item: write skew, two anti-dependencies', () => {
    const b = new HistoryBuilder();
    b.invoke(0, [rd(1, null), rd(2, null), ap(1, 1)]);
    b.invoke(1, [rd(1, null), rd(2, null), ap(2, 1)]);
    const t1 = b.complete(0, 'ok', [rd(1, []), rd(2, []), ap(1, 1)]);
    const t2 = b.complete(1, 'ok', [rd(1, []), rd(2, []), ap(2, 1)]);
    b.txn(2, [rd(1, [1]), rd(2, [1])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['G2-item']);
    const a = only(r, 'G2-item');
    expectCycle(a, [t1, t2]);
    expect(a.steps?.map((s) => s.type)).toEqual(['rw', 'rw']);
    expect(r.strongestModel).toBe('snapshot-isolation');
    expect(r.notModels).toEqual(['repeatable-read', 'serializable']);
    expect(r.summary).toBe('not repeatable-read; also not serializable');
  });

  it('lost update: two transactions read the same version and both append', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 0)]);
    b.invoke(1, [rd(1, null), ap(1, 1)]);
    b.invoke(2, [rd(1, null), ap(1, 2)]);
    const t1 = b.complete(1, 'ok', [rd(1, [0]), ap(1, 1)]);
    const t2 = b.complete(2, 'ok', [rd(1, [0]), ap(1, 2)]);
    const r = checkListAppend(b.ops);
    // As Elle reports it: the lost update itself, and the two-anti-dependency cycle it implies.
    expect(r.anomalyTypes).toEqual(['lost-update', 'G2-item']);
    const a = only(r, 'lost-update');
    expectNames(a, [t1, t2]);
    expect(a.key).toBe(1);
    expect(a.explanation).toContain('read key 1 as [0]');
    expectCycle(only(r, 'G2-item'), [t1, t2]);
    expect(r.strongestModel).toBe('read-committed');
    expect(r.notModels).toContain('snapshot-isolation');
  });

  it('lost update when a later read shows both appends (with a G-single cycle)', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 0)]);
    const t1 = b.txn(1, [rd(1, [0]), ap(1, 1)]);
    const t2 = b.txn(2, [rd(1, [0]), ap(1, 2)]);
    b.txn(3, [rd(1, [0, 1, 2])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['G-single', 'lost-update']);
    expectNames(only(r, 'lost-update'), [t1, t2]);
    expectCycle(only(r, 'G-single'), [t1, t2]);
  });

  it('internal inconsistency: a read does not reflect the transaction\'s own append', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 5)]);
    const t = b.txn(1, [rd(1, [5]), ap(1, 6), rd(1, [5])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['internal']);
    const a = only(r, 'internal');
    expectNames(a, [t]);
    expect(a.explanation).toContain('imply [5 6]');
    expect(r.strongestModel).toBe('none');
  });

  it('internal inconsistency without an earlier read: the own append is missing at the end', () => {
    const b = new HistoryBuilder();
    const t = b.txn(0, [ap(1, 1), rd(1, [])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['internal']);
    expectNames(only(r, 'internal'), [t]);
  });

  it('incompatible order: two reads that are not prefixes of one another', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 1)]);
    b.txn(1, [ap(1, 2)]);
    const r1 = b.txn(2, [rd(1, [1, 2])]);
    const r2 = b.txn(3, [rd(1, [2, 1])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['incompatible-order']);
    const a = only(r, 'incompatible-order');
    expectNames(a, [r1, r2]);
    expect(a.explanation).toContain('[1 2]');
    expect(a.explanation).toContain('[2 1]');
  });

  it('duplicate elements: one appended value listed twice', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 1)]);
    const t = b.txn(1, [rd(1, [1, 1])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['duplicate-elements']);
    expectNames(only(r, 'duplicate-elements'), [t]);
  });

  it('garbage read: a value nobody appended', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 1)]);
    const t = b.txn(1, [rd(1, [1, 9])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['garbage-read']);
    const a = only(r, 'garbage-read');
    expectNames(a, [t]);
    expect(a.explanation).toContain('9');
  });

  it('a longer cycle is reported with its steps in order: ww, wr, then rw back', () => {
    const b = new HistoryBuilder();
    const t1 = b.txn(0, [ap(1, 1), ap(4, 1)]);
    const t2 = b.txn(1, [ap(1, 2), ap(2, 1)]);
    const t3 = b.txn(2, [rd(2, [1]), rd(4, [])]);
    b.txn(3, [rd(1, [1, 2]), rd(4, [1])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['G-single']);
    const a = only(r, 'G-single');
    expectCycle(a, [t1, t2, t3]);
    const cycle = a.cycle as number[];
    expect(a.explanation).toContain(`So T${cycle[0]} must precede T${cycle[1]}, which must precede T${cycle[2]}, which must precede T${cycle[0]}, which no serial order allows`);
    expect(a.steps?.map((s) => `${s.from}-${s.type}-${s.to}`).sort()).toEqual([`${t1}-ww-${t2}`, `${t2}-wr-${t3}`, `${t3}-rw-${t1}`].sort());
  });

  it('caps the listed anomalies per type but counts them all', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 1)], 'fail');
    for (let i = 0; i < 5; i++) b.txn(1, [rd(1, [1])]);
    const r = checkListAppend(b.ops, { maxAnomaliesPerType: 2 });
    expect(r.counts.G1a).toBe(5);
    expect(r.anomalies.filter((a) => a.type === 'G1a')).toHaveLength(2);
  });
});

describe('combinations', () => {
  it('internal inconsistency is found on a key whose order is also incompatible', () => {
    const b = new HistoryBuilder();
    b.txn(0, [ap(1, 1)]);
    b.txn(1, [ap(1, 2)]);
    b.txn(2, [rd(1, [1, 2])]);
    b.txn(3, [rd(1, [2, 1])]);
    const t = b.txn(4, [rd(1, [1, 2]), rd(1, [1])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['internal', 'incompatible-order']);
    expectNames(only(r, 'internal'), [t]);
  });

  it('an aborted read is found in a read that follows the reader\'s own append', () => {
    const b = new HistoryBuilder();
    const w = b.txn(0, [ap(1, 1)], 'fail');
    const t = b.txn(1, [ap(1, 2), rd(1, [1, 2])]);
    const r = checkListAppend(b.ops);
    expect(r.anomalyTypes).toEqual(['G1a']);
    expectNames(only(r, 'G1a'), [t, w]);
  });
});

describe('formatCheckResult', () => {
  it('prints the verdict, the strongest model and every anomaly in words', () => {
    const b = new HistoryBuilder();
    const t1 = b.txn(0, [rd(1, []), rd(2, []), ap(1, 1)]);
    const t2 = b.txn(1, [rd(1, []), rd(2, []), ap(2, 1)]);
    const text = formatCheckResult(checkListAppend(b.ops));
    const lines = text.split('\n');
    expect(lines[0]).toBe('INVALID: not repeatable-read; also not serializable; strongest model consistent with the history: snapshot-isolation (2 transactions: 2 ok, 0 failed, 0 unknown)');
    expect(lines[1]).toBe('G2-item: 1');
    expect(lines[2]).toContain(`T${t1}`);
    expect(lines[2]).toContain(`T${t2}`);
    expect(formatCheckResult(checkListAppend([]))).toBe('valid: consistent with serializable (0 transactions: 0 ok, 0 failed, 0 unknown)');
  });
});
