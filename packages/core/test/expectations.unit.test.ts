import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { parseExpectations, ExpectationMatcher, updatedExpectations, type Report } from '../src/index.js';

const require = createRequire(import.meta.url);
const schema = require('../schemas/expectations.schema.json');
const ajv = new Ajv({ strict: false });
const validate = ajv.compile(schema);

const samples: Array<[unknown, boolean]> = [
  [{ expectations: { 'PG-001': { expect: 'fail', reason: 'observed 42P01' } } }, true],
  [{ target: 'PGlite 0.5', expectations: { 'PG-0*': { expect: 'skip', reason: 'x', issue: 'https://e/1' } } }, true],
  [{ expectations: { 'PG-001': { expect: 'fail' } } }, false],
  [{ expectations: { 'PG-001': { expect: 'fail', reason: '   ' } } }, false],
  [{ expectations: { 'PG-001': { expect: 'maybe', reason: 'x' } } }, false],
  [{ expectations: { 'PG-001': { expect: 'fail', reason: 'x', extra: 1 } } }, false],
  [{ expectations: { 'pg-001': { expect: 'fail', reason: 'x' } } }, false],
  [{ expectations: {}, other: 1 }, false],
  [[], false],
];

describe('expectations', () => {
  it.each(samples)('the shipped JSON Schema and the parser agree on %j', (value, ok) => {
    expect(validate(value)).toBe(ok);
    if (ok) expect(() => parseExpectations(value)).not.toThrow();
    else expect(() => parseExpectations(value)).toThrow();
  });

  it('an exact ID beats a glob; the first matching glob wins; unused keys are reported', () => {
    const m = new ExpectationMatcher({
      expectations: {
        'PG-0*': { expect: 'skip', reason: 'glob 1' },
        'PG-00?': { expect: 'fail', reason: 'glob 2' },
        'PG-002': { expect: 'flaky', reason: 'exact' },
        'MY-*': { expect: 'skip', reason: 'unused' },
      },
    });
    expect(m.match('PG-002')?.reason).toBe('exact');
    expect(m.match('PG-001')?.reason).toBe('glob 1');
    expect(m.match('XX-001')).toBeUndefined();
    expect(m.unmatched()).toEqual(['PG-00?', 'MY-*']);
  });

  it('the baseline narrows a glob whose cases partly pass', () => {
    const result = (id: string, status: string) => ({ id, title: '', priority: 'p0', area: 'a', status, durationMs: 0, message: 'm', metrics: {} });
    const report = { results: [result('PG-001', 'xfail'), result('PG-002', 'xpass'), result('PG-004', 'fail')], target: { server: 'X 1' } } as unknown as Report;
    const next = updatedExpectations({ expectations: { 'PG-00*': { expect: 'fail', reason: 'r' }, 'PG-999': { expect: 'fail', reason: 'gone' } } }, report, ['PG-001', 'PG-002', 'PG-003', 'PG-004']);
    expect(Object.keys(next.expectations)).toEqual(['PG-001', 'PG-003', 'PG-004']);
    expect(next.expectations['PG-004']?.reason).toBe('observed fail: m');
  });
});
