import { describe, it, expect, beforeAll } from 'vitest';
import { runSuite, countPriorities, describePriorities, defineCase, defineSuite, type Suite, type Report } from '../src/index.js';
import { loadToy } from './helpers.js';

let toy: Suite<any>;
beforeAll(async () => {
  toy = await loadToy();
});
const byId = (r: Report) => Object.fromEntries(r.results.map((x) => [x.id, x]));

describe('runner', () => {
  it('produces every status from what the cases did', async () => {
    const report = await runSuite(toy, {
      dsn: 'toy://u:pw-123456@local/db',
      only: ['TOY-00[1-7]', 'TOY-001', 'TOY-002', 'TOY-003', 'TOY-004', 'TOY-005', 'TOY-006', 'TOY-010'],
      seed: 7,
      expectations: {
        expectations: {
          'TOY-002': { expect: 'fail', reason: 'known' },
          'TOY-010': { expect: 'fail', reason: 'believed broken' },
          'TOY-9*': { expect: 'skip', reason: 'matches nothing' },
        },
      },
    });
    const r = byId(report);
    expect(r['TOY-001']?.status).toBe('pass');
    expect(r['TOY-002']?.status).toBe('xfail');
    expect(r['TOY-002']?.observed).toBe('fail');
    expect(r['TOY-003']?.status).toBe('error');
    expect(r['TOY-003']?.message).toBe('ECONNRESET: connection reset');
    expect(r['TOY-004']?.status).toBe('error');
    expect(r['TOY-005']?.status).toBe('n/a');
    expect(r['TOY-006']?.status).toBe('skip');
    expect(r['TOY-010']?.status).toBe('xpass');
    expect(report.summary).toEqual({ pass: 1, fail: 0, xfail: 1, xpass: 1, skip: 1, 'n/a': 1, error: 2 });
    expect(report.conformant).toBe(false);
    expect(report.expectations.unmatched).toEqual(['TOY-9*']);
    expect(report.seed).toBe(7);
  });

  it('a plain assertion failure is fail, and a declared capability turns n/a into a run', async () => {
    const report = await runSuite(toy, { dsn: 'toy://u:p@local/db?caps=feature-x', only: ['TOY-002', 'TOY-005'] });
    expect(byId(report)['TOY-002']?.status).toBe('fail');
    expect(byId(report)['TOY-005']?.status).toBe('pass');
  });

  it('abandons a case that ignores its signal within deadline + 1 s and goes on', async () => {
    const t0 = Date.now();
    const report = await runSuite(toy, { only: ['TOY-004', 'TOY-001'] });
    const hang = byId(report)['TOY-004'];
    expect(hang?.status).toBe('error');
    expect(hang?.message).toMatch(/timed out after 300 ms.*abandoned/);
    expect(hang!.durationMs).toBeLessThan(300 + 1000);
    expect(byId(report)['TOY-001']?.status).toBe('pass');
    expect(Date.now() - t0).toBeLessThan(300 + 1000 + 500);
  });

  it('a case that honours its signal ends at its deadline', async () => {
    const report = await runSuite(toy, { only: ['TOY-012'] });
    const r = byId(report)['TOY-012'];
    expect(r?.status).toBe('error');
    expect(r!.durationMs).toBeGreaterThanOrEqual(190);
    expect(r!.durationMs).toBeLessThan(700);
  });

  it('a whole-run deadline turns the rest into errors and still closes the session', async () => {
    const t0 = Date.now();
    const report = await runSuite(toy, { only: ['TOY-009', 'TOY-010'], runTimeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(report.interrupted).toBe(true);
    expect(byId(report)['TOY-009']?.status).toBe('error');
    expect(byId(report)['TOY-009']?.message).toMatch(/whole-run deadline/);
    expect(byId(report)['TOY-010']?.status).toBe('error');
    expect(byId(report)['TOY-010']?.message).toMatch(/not run: whole-run deadline/);
    expect(report.conformant).toBe(false);
  });

  it('the same seed replays the same random draws; a filter does not shift them', async () => {
    const a = await runSuite(toy, { only: ['TOY-011'], seed: 99 });
    const b = await runSuite(toy, { only: ['TOY-001', 'TOY-011'], seed: 99 });
    const c = await runSuite(toy, { only: ['TOY-011'], seed: 100 });
    const draws = (r: Report) => byId(r)['TOY-011']?.metrics.draws;
    expect(draws(a)).toEqual(draws(b));
    expect(draws(a)).not.toEqual(draws(c));
  });

  it('an interrupted run stops, runs cleanup and returns a partial report', async () => {
    const ac = new AbortController();
    const p = runSuite(toy, { only: ['TOY-001', 'TOY-009', 'TOY-010'], signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    const report = await p;
    expect(report.interrupted).toBe(true);
    expect(report.results.map((r) => r.id)).toEqual(['TOY-001', 'TOY-009']);
    expect(byId(report)['TOY-009']?.message).toBe('interrupted');
  });

  it('a failing deferred cleanup turns a pass into an error', async () => {
    const s = defineSuite({
      name: 'x', version: '0.0.0', description: 'x', bin: 'x', idPrefixes: ['X-'], defaultTarget: 'mem',
      cases: [defineCase({ id: 'X-001', title: 't', priority: 'p0', area: 'a', since: '0.0.0', run: (ctx) => ctx.defer(() => { throw new Error('drop failed'); }) })],
      open: async () => ({ target: null, close: async () => undefined }),
    });
    const report = await runSuite(s, {});
    expect(report.results[0]?.status).toBe('error');
    expect(report.results[0]?.message).toMatch(/cleanup failed: drop failed/);
  });

  it('per-priority counts: passed of required (n/a not owed), xfail and skips apart, partial runs say so', () => {
    const cat = [
      { id: 'A-001', priority: 'p0' as const }, { id: 'A-002', priority: 'p0' as const },
      { id: 'A-003', priority: 'p1' as const }, { id: 'A-004', priority: 'p1' as const }, { id: 'A-005', priority: 'p1' as const },
      { id: 'A-006', priority: 'p2' as const }, { id: 'A-007', priority: 'p2' as const },
    ];
    const res = (s: string[]) => s.map((st, i) => ({ id: cat[i]!.id, title: '', priority: cat[i]!.priority, area: 'a', status: st as any, durationMs: 0, message: null, metrics: {} }));
    const all = countPriorities(cat, res(['pass', 'pass', 'pass', 'xfail', 'n/a', 'fail', 'skip']));
    expect(all.p0).toEqual({ total: 2, required: 2, passed: 2, failed: 0, xfail: 0, skipped: 0, na: 0, catalog: 2 });
    expect(all.p1).toEqual({ total: 3, required: 2, passed: 1, failed: 0, xfail: 1, skipped: 0, na: 1, catalog: 3 });
    expect(all.p2).toEqual({ total: 2, required: 2, passed: 0, failed: 1, xfail: 0, skipped: 1, na: 0, catalog: 2 });
    expect(describePriorities({ priorities: all })).toBe('P0 must-pass 2/2 · P1 1/2 (1 xfail, 1 n/a) · P2 0/2 (1 skipped)');
    // A P0-only run earns no more than what it ran, and says it was partial.
    const p0only = countPriorities(cat, res(['pass']));
    expect(describePriorities({ priorities: p0only })).toBe('P0 must-pass 1/1 (1 of 2 cases run)');
    expect(countPriorities(cat, res(['error', 'xpass'])).p0.failed).toBe(2);
  });

  it('rejects duplicate and malformed IDs', () => {
    const base = { title: 't', priority: 'p0' as const, area: 'a', since: '0.0.0', run: () => undefined };
    expect(() => defineCase({ ...base, id: 'pg-1' })).toThrow(/PREFIX-001/);
    expect(() => defineSuite({ name: 'x', version: '0', description: '', bin: 'x', idPrefixes: ['A-'], open: async () => ({ target: 0, close: async () => {} }), cases: [{ ...base, id: 'A-001' }, { ...base, id: 'A-001' }] })).toThrow(/duplicate/);
    expect(() => defineSuite({ name: 'x', version: '0', description: '', bin: 'x', idPrefixes: ['A-'], open: async () => ({ target: 0, close: async () => {} }), cases: [{ ...base, id: 'B-001' }] })).toThrow(/does not start/);
  });
});

describe('describeError', () => {
  it('completes a node:assert message with the values it compared, unless the words already say them', async () => {
    const { describeError } = await import('../src/runner.js');
    const assert = (await import('node:assert/strict')).default;
    const caught = (fn: () => void): unknown => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      throw new Error('did not throw');
    };
    expect(describeError(caught(() => assert.equal(2, 3, 'row count')))).toBe('row count: expected 3, got 2');
    expect(describeError(caught(() => assert.deepEqual({ a: 1n }, { a: 2n }, 'row')))).toBe('row: expected {"a":"2n"}, got {"a":"1n"}');
    expect(describeError(caught(() => assert.equal(2, 3, 'expected three rows, got 2')))).toBe('expected three rows, got 2');
    expect(describeError(caught(() => assert.ok(false, 'must hold')))).toBe('must hold');
  });
});
