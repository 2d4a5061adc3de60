import { describe, expect, it } from 'vitest';
import { parsePafGroups } from '../src/_internal/paf-net.js';

const names = ['monitor', 'n1', 'n2'];

describe('pg_auto_failover partition groups', () => {
  it('accepts overlapping groups: one link alone cut while both ends keep the monitor', () => {
    expect(parsePafGroups('n1,monitor|n2,monitor', names)).toEqual([['n1', 'monitor'], ['n2', 'monitor']]);
    expect(parsePafGroups(' n1 | n2 ', names)).toEqual([['n1'], ['n2']]);
  });
  it.each([
    ['', /no groups given/],
    ['n1|', /empty group/],
    ['n1,n3', /unknown member "n3" .*members: monitor, n1, n2/],
    ['n1,n1|n2', /named twice/],
  ])('refuses %j with one line', (spec, msg) => {
    expect(() => parsePafGroups(spec, names)).toThrow(msg);
  });
});
