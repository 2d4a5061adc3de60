import { describe, expect, it } from 'vitest';
import { ANOMALY_TYPES, checkListAppend, generateHistory, pairTxns, type AnomalyType, type Mop, type Op } from '../src/index.js';

describe('generateHistory', () => {
  it('is deterministic for a seed', () => {
    const a = generateHistory({ seed: 7, txns: 300, failRate: 0.1, infoRate: 0.1 });
    const b = generateHistory({ seed: 7, txns: 300, failRate: 0.1, infoRate: 0.1 });
    const c = generateHistory({ seed: 8, txns: 300, failRate: 0.1, infoRate: 0.1 });
    expect(JSON.stringify(a.history)).toBe(JSON.stringify(b.history));
    expect(JSON.stringify(a.history)).not.toBe(JSON.stringify(c.history));
  });

  it('produces paired invocations and completions with 1–5 micro-operations each', () => {
    const { history } = generateHistory({ seed: 1, txns: 500, clients: 7 });
    expect(history).toHaveLength(1000);
    expect(history.map((o) => o.index)).toEqual(history.map((_, i) => i));
    const txns = pairTxns(history);
    expect(txns).toHaveLength(500);
    for (const t of txns) {
      expect(t.value.length).toBeGreaterThanOrEqual(1);
      expect(t.value.length).toBeLessThanOrEqual(5);
      expect(t.process).toBeLessThan(7);
    }
  });

  it('keeps lists short by retiring keys after maxWritesPerKey appends', () => {
    const { history } = generateHistory({ seed: 2, txns: 5000, keys: 3, maxWritesPerKey: 8 });
    let longest = 0;
    for (const op of history) for (const m of op.value) if (m[0] === 'r' && m[2]) longest = Math.max(longest, m[2].length);
    expect(longest).toBeGreaterThan(0);
    expect(longest).toBeLessThanOrEqual(8 + 10 * 5); // appends planned by in-flight txns (10 clients × 5 ops) can still land after retirement
  });

  it.each([1, 2, 3, 4, 5])('valid histories check valid (seed %i, with failures and unknown outcomes)', (seed) => {
    const { history } = generateHistory({ seed, txns: 5000, clients: 8, keys: 6, failRate: 0.05, infoRate: 0.05 });
    const r = checkListAppend(history);
    expect(r.anomalies).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.strongestModel).toBe('serializable');
    expect(r.stats.fail).toBeGreaterThan(0);
    expect(r.stats.info).toBeGreaterThan(0);
    expect(r.stats.edges).toBeGreaterThan(0);
  });

  it('valid under heavy contention (2 keys, 20 clients, read-mostly)', () => {
    const { history } = generateHistory({ seed: 11, txns: 5000, clients: 20, keys: 2, readRatio: 0.8 });
    expect(checkListAppend(history).valid).toBe(true);
  });

  it.each(ANOMALY_TYPES.map((t) => [t]))('an injected %s is found and names the injected transactions', (type: AnomalyType) => {
    const { history, injected } = generateHistory({ seed: 3, txns: 2000, failRate: 0.02, infoRate: 0.02, inject: [type] });
    const r = checkListAppend(history);
    expect(r.valid).toBe(false);
    const inj = injected[0];
    expect(inj?.type).toBe(type);
    const found = r.anomalies.filter((a) => a.type === type);
    expect(found).toHaveLength(1);
    expect([...(found[0]?.txns ?? [])].sort((a, b) => a - b)).toEqual([...(inj?.txns ?? [])].sort((a, b) => a - b));
    // Nothing else is reported, except the G2-item cycle that a lost update implies.
    const expected = type === 'lost-update' ? ['lost-update', 'G2-item'] : [type];
    expect(r.anomalyTypes).toEqual(expected);
  });

  it('several injected anomalies in one long history are all found', () => {
    const inject = [...ANOMALY_TYPES];
    const { history, injected } = generateHistory({ seed: 5, txns: 20000, inject });
    const r = checkListAppend(history);
    for (const inj of injected) {
      const hit = r.anomalies.find(
        (a) => a.type === inj.type && [...a.txns].sort((x, y) => x - y).join() === [...inj.txns].sort((x, y) => x - y).join(),
      );
      expect(hit, inj.type).toBeDefined();
    }
    expect(new Set(r.anomalyTypes)).toEqual(new Set(ANOMALY_TYPES));
    expect(r.strongestModel).toBe('none');
  });
});

describe('a simulated snapshot-isolation store', () => {
  it.each([1, 2, 3])('shows write skew (G2-item) but nothing snapshot isolation forbids (seed %i)', (seed) => {
    const { history } = generateHistory({ seed, txns: 5000, clients: 10, keys: 4, isolation: 'snapshot-isolation' });
    const r = checkListAppend(history);
    expect(r.anomalyTypes).toEqual(['G2-item']);
    expect(r.strongestModel).toBe('snapshot-isolation');
    expect(r.notModels).toEqual(['repeatable-read', 'serializable']);
    for (const a of r.anomalies) expect(a.steps?.filter((s) => s.type === 'rw').length).toBeGreaterThanOrEqual(2);
  });
});

describe('large strongly connected components', () => {
  it('finds the one G-single cycle around a ring of 20,000 transactions quickly', () => {
    // T_0 … T_{n-2} append to key K in order (a ww chain), T_{n-2} also appends 7 to key B, and
    // T_{n-1} reads B = [7] (wr) but key A without T_0's append (rw back to T_0).
    const n = 20_000;
    const K = 1;
    const A = 2;
    const B = 3;
    const history: Op[] = [];
    const ok = (value: Mop[]): void => {
      history.push({ type: 'ok', process: history.length % 50, index: history.length, value });
    };
    for (let i = 0; i < n - 1; i++) {
      const value: Mop[] = [['append', K, i]];
      if (i === 0) value.push(['append', A, 1]);
      if (i === n - 2) value.push(['append', B, 7]);
      ok(value);
    }
    ok([['r', A, []], ['r', B, [7]]]);
    ok([['r', K, Array.from({ length: n - 1 }, (_, i) => i)]]);
    const t0 = performance.now();
    const r = checkListAppend(history);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.anomalyTypes).toEqual(['G-single']);
    expect(r.anomalies[0]?.cycle).toHaveLength(n);
  });
});
