// judgeLevel's rules on hand-made rows: what a level's name promises, and which model a row is
// consistent with. Only an observed anomaly (an `allowed` cell) rules a model out.
import { describe, expect, it } from 'vitest';
import { ANOMALY_IDS, judgeLevel, type AnomalyId, type MatrixCell, type MatrixOutcome, type MatrixRow } from '../src/matrix/index.js';

const cell = (outcome: MatrixOutcome, variants: Record<string, MatrixOutcome> = {}): MatrixCell => ({
  outcome,
  how: outcome === 'inconclusive' ? 'T2 `UPDATE …` failed: 1020 Record has changed since last read' : outcome === 'allowed' ? 'seen' : 'blocked',
  variants: Object.fromEntries(Object.entries(variants).map(([v, o]) => [v, { outcome: o, how: o }])),
  steps: [],
});

/** The scripts of the anomalies that have several (requirements may name some of them). */
const VARIANTS: Partial<Record<AnomalyId, string[]>> = { PMP: ['read predicate', 'write predicate'], 'G-single': ['item', 'predicate read', 'write predicate'] };

/** Every anomaly prevented except the ones given (every script of an anomaly with the cell's outcome). */
function row(except: Partial<Record<AnomalyId, MatrixOutcome>> = {}): MatrixRow {
  return Object.fromEntries(
    ANOMALY_IDS.map((a) => {
      const o = except[a] ?? 'prevented';
      return [a, cell(o, Object.fromEntries((VARIANTS[a] ?? []).map((v) => [v, o])))];
    }),
  );
}

describe('judgeLevel', () => {
  it('names the strongest model whose anomalies were all observed prevented', () => {
    expect(judgeLevel('serializable', row())).toMatchObject({ verdict: 'as promised', behavesAs: 'serializable', inconclusive: [] });
    expect(judgeLevel('repeatable read', row({ 'G2-item': 'allowed', G2: 'allowed' }))).toMatchObject({
      verdict: 'weaker than its name',
      behavesAs: 'snapshot isolation',
      p1: ['G2-item'],
    });
    expect(judgeLevel('read committed', row({ PMP: 'allowed', P4: 'allowed', 'G-single': 'allowed', 'G2-item': 'allowed', G2: 'allowed' })).behavesAs).toBe(
      'monotonic atomic view',
    );
    expect(judgeLevel('read uncommitted', row({ G1a: 'allowed' })).behavesAs).toBe('read uncommitted');
    expect(judgeLevel('read uncommitted', row({ G0: 'allowed' }))).toMatchObject({ verdict: 'broken', behavesAs: 'none (allows dirty writes)', p0: ['G0'] });
  });

  it('never counts an inconclusive cell as allowed: the answer stays open ("at most …; not observed: …")', () => {
    // MariaDB with innodb_snapshot_isolation before 1020 counted as a concurrency abort: G0, G1b,
    // OTV and PMP could not be carried out at serializable; nothing was observed allowed.
    const j = judgeLevel('serializable', row({ G0: 'inconclusive', G1b: 'inconclusive', OTV: 'inconclusive', PMP: 'inconclusive' }));
    expect(j.verdict).toBe('inconclusive');
    expect(j.inconclusive).toEqual(['G0', 'G1b', 'OTV', 'PMP']);
    expect(j.behavesAs).toBe('at most serializable; not observed: G0, G1b, OTV, PMP');
    expect(j.behavesAs).not.toMatch(/none|dirty/);
  });

  it('rules a model out only by an allowed cell; inconclusive cells below it stay open', () => {
    const j = judgeLevel('repeatable read', row({ PMP: 'inconclusive', P4: 'inconclusive', 'G-single': 'inconclusive', 'G2-item': 'allowed', G2: 'allowed' }));
    expect(j).toMatchObject({ verdict: 'inconclusive', p1: ['G2-item'], behavesAs: 'at most snapshot isolation; not observed: PMP, P4, G-single' });
    // An allowed anomaly still settles what it rules out.
    expect(judgeLevel('read committed', row({ OTV: 'inconclusive', PMP: 'allowed' })).behavesAs).toBe('at most monotonic atomic view; not observed: OTV');
  });

  it('treats an anomaly that was not run like an inconclusive one', () => {
    const partial: MatrixRow = { G0: cell('prevented'), G1a: cell('prevented') };
    const j = judgeLevel('read committed', partial);
    expect(j.verdict).toBe('inconclusive');
    expect(j.inconclusive).toEqual(['G1b', 'G1c']);
    expect(j.behavesAs).toBe('at most serializable; not observed: G1b, G1c, OTV, PMP, P4, G-single, G2-item, G2');
  });

  it('judges a requirement on some scripts of an anomaly by those scripts only', () => {
    // ANSI repeatable read requires PMP's read-predicate script, not its write-predicate one.
    const r = row({ PMP: 'allowed', 'G2-item': 'allowed', G2: 'allowed' });
    r.PMP = cell('allowed', { 'read predicate': 'prevented', 'write predicate': 'allowed' });
    r['G-single'] = cell('prevented', { item: 'prevented', 'predicate read': 'prevented', 'write predicate': 'prevented' });
    const j = judgeLevel('repeatable read', r);
    expect(j.p1).toEqual(['G2-item']);
    expect(j.behavesAs).toBe('monotonic atomic view');
  });
});
