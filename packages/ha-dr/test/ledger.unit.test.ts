// The ledger's judging on crafted ledgers: every verdict it can give (lost, resurrected, stale,
// phantom, in doubt) shown both ways, so a read-back that hides a broken write cannot pass.
import { describe, expect, it } from 'vitest';
import { asOfRead, judgeLedger, type LedgerEntry } from '../src/ledger.js';

let clock = 1_000;
const w = (id: number, op: LedgerEntry['op'], outcome: LedgerEntry['outcome'], extra: Partial<LedgerEntry> = {}): LedgerEntry => {
  clock += 10;
  return { id, op, client: 0, start: clock, end: clock + 5, outcome, ...(op !== 'insert' && outcome === 'ack' ? { rows: 1 } : {}), ...extra };
};
const rows = (...pairs: Array<[number, number]>): Map<number, number> => new Map(pairs);

describe('judgeLedger', () => {
  it('a clean history: every acknowledged insert present at its last acknowledged version, every acknowledged delete gone', () => {
    const ledger = [w(1, 'insert', 'ack'), w(2, 'insert', 'ack'), w(3, 'insert', 'ack'), w(1, 'update', 'ack', { version: 1 }), w(1, 'update', 'ack', { version: 2 }), w(2, 'delete', 'ack')];
    const v = judgeLedger(ledger, rows([1, 2], [3, 0]));
    expect(v).toMatchObject({ attempted: 6, acked: 6, failed: 0, inDoubt: 0, lost: [], resurrected: [], stale: [], phantoms: [] });
    expect(v.byOp).toEqual({ insert: { ack: 3, failed: 0, inDoubt: 0 }, update: { ack: 2, failed: 0, inDoubt: 0 }, delete: { ack: 1, failed: 0, inDoubt: 0 } });
  });

  it('an acknowledged insert missing is lost; a deleted row is not', () => {
    const v = judgeLedger([w(1, 'insert', 'ack'), w(2, 'insert', 'ack'), w(2, 'delete', 'ack')], rows());
    expect(v.lost).toEqual([1]);
    expect(v.resurrected).toEqual([]);
  });

  it('a row whose DELETE was acknowledged and that is present is resurrected (also when the delete found no row)', () => {
    const v = judgeLedger([w(1, 'insert', 'ack'), w(1, 'delete', 'ack'), w(2, 'insert', 'ack'), w(2, 'delete', 'ack', { rows: 0 })], rows([1, 0], [2, 0]));
    expect(v.resurrected).toEqual([1, 2]);
    expect(v.lost).toEqual([]);
  });

  it('a delete in doubt allows either; a failed delete leaves the row expected', () => {
    expect(judgeLedger([w(1, 'insert', 'ack'), w(1, 'delete', 'in-doubt')], rows()).lost).toEqual([]);
    expect(judgeLedger([w(1, 'insert', 'ack'), w(1, 'delete', 'in-doubt')], rows([1, 0])).resurrected).toEqual([]);
    expect(judgeLedger([w(1, 'insert', 'ack'), w(1, 'delete', 'failed')], rows()).lost).toEqual([1]);
  });

  it('a row older than its last acknowledged UPDATE is stale', () => {
    const ledger = [w(1, 'insert', 'ack'), w(1, 'update', 'ack', { version: 1 }), w(1, 'update', 'ack', { version: 2 })];
    expect(judgeLedger(ledger, rows([1, 1])).stale).toEqual([{ id: 1, found: 1, expected: 2 }]);
    expect(judgeLedger(ledger, rows([1, 0])).stale).toEqual([{ id: 1, found: 0, expected: 2 }]);
    expect(judgeLedger(ledger, rows([1, 2])).stale).toEqual([]);
  });

  it('a version from a later in-doubt update is fine, an older in-doubt one is not', () => {
    const ledger = [w(1, 'insert', 'ack'), w(1, 'update', 'ack', { version: 1 }), w(1, 'update', 'in-doubt', { version: 2 })];
    expect(judgeLedger(ledger, rows([1, 2])).stale).toEqual([]);
    expect(judgeLedger(ledger, rows([1, 1])).stale).toEqual([]);
    const later = [...ledger, w(1, 'update', 'ack', { version: 3 })];
    expect(judgeLedger(later, rows([1, 2])).stale).toEqual([{ id: 1, found: 2, expected: 3 }]);
  });

  it('an acknowledged update that found no row sets no expected version', () => {
    const v = judgeLedger([w(1, 'insert', 'ack'), w(1, 'update', 'ack', { version: 1, rows: 0 })], rows([1, 0]));
    expect(v.stale).toEqual([]);
  });

  it('a failed insert present, or a row at the version of a failed update, is a phantom', () => {
    expect(judgeLedger([w(1, 'insert', 'failed')], rows([1, 0])).phantoms).toEqual([1]);
    expect(judgeLedger([w(1, 'insert', 'failed')], rows()).phantoms).toEqual([]);
    const upd = [w(1, 'insert', 'ack'), w(1, 'update', 'failed', { version: 1 })];
    expect(judgeLedger(upd, rows([1, 1])).phantoms).toEqual([1]);
    expect(judgeLedger(upd, rows([1, 0])).phantoms).toEqual([]);
  });

  it('in-doubt inserts are counted apart, never lost or phantom', () => {
    const v = judgeLedger([w(1, 'insert', 'in-doubt'), w(2, 'insert', 'in-doubt')], rows([1, 0]));
    expect(v).toMatchObject({ inDoubt: 2, inDoubtPresent: 1, inDoubtMissing: 1, lost: [], phantoms: [] });
  });

  it('entries of the first ledgers (no op field) are inserts', () => {
    const v = judgeLedger([{ id: 7, client: 0, start: 0, end: 1, outcome: 'ack' }], rows());
    expect(v.lost).toEqual([7]);
    expect(v.byOp.insert.ack).toBe(1);
  });
});

describe('asOfRead', () => {
  it('writes answered after the read began, and writes in flight, count as in doubt', () => {
    const done = [
      { ...w(1, 'insert', 'ack'), end: 100 },
      { ...w(2, 'insert', 'ack'), end: 200 },
      { ...w(1, 'delete', 'ack'), end: 250 },
    ];
    const pending = [{ ...w(3, 'insert', 'in-doubt'), end: 0 }];
    const view = asOfRead(done, pending, 150);
    expect(view.map((e) => [e.id, e.outcome])).toEqual([
      [1, 'ack'],
      [2, 'in-doubt'],
      [1, 'in-doubt'],
      [3, 'in-doubt'],
    ]);
    // A standby that has row 1 only (the delete not replayed yet) is caught up as of that read.
    const v = judgeLedger(view, rows([1, 0]));
    expect([...v.lost, ...v.resurrected, ...v.phantoms]).toEqual([]);
    // …but one missing row 1 is not.
    expect(judgeLedger(asOfRead(done.slice(0, 2), [], 150), rows()).lost).toEqual([1]);
  });
});
