import { describe, expect, it } from 'vitest';
import { longestStall } from '../src/cases/failover/witness.js';

const ack = (node: string, end: number) => ({ writer: 'client', id: end, node, start: end - 5, end });

describe('HA-040 longestStall', () => {
  it('measures the longest gap of one node, from the cut to the end of the window', () => {
    // cut at 1000, window to 5000: gaps 1000→1200, 1200→3900 (2700), 3900→5000 (1100)
    expect(longestStall([ack('n1', 1200), ack('n2', 2000), ack('n1', 3900)], 'n1', 1000, 5000)).toBe(2700);
  });
  it('is the whole window when the node acknowledged nothing (other nodes and acks outside do not count)', () => {
    expect(longestStall([ack('n2', 2000), ack('n1', 500), ack('n1', 6000)], 'n1', 1000, 5000)).toBe(4000);
  });
  it('counts the tail: acks that stop early leave a stall up to the end', () => {
    expect(longestStall([ack('n1', 1100), ack('n1', 1200)], 'n1', 1000, 5000)).toBe(3800);
  });
});
