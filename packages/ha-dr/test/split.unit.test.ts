// The pure parts of TC-AF-004: which partitions are tried, and when two nodes' acknowledgements overlap.
import { describe, expect, it } from 'vitest';
import { ackOverlaps, ackWindows, partitionsOf, type Ack } from '../src/cases/failover/split-brain.js';

const spec = (gs: string[][][]): string[] => gs.map((g) => g.map((x) => x.join(',')).join('|'));

describe('partitionsOf', () => {
  it('3 nodes: a standby alone, the primary alone, every node apart, then the other standby alone', () => {
    expect(spec(partitionsOf(['n1', 'n2', 'n3'], 'n1'))).toEqual(['n2|n1,n3', 'n1|n2,n3', 'n1|n2|n3', 'n3|n1,n2']);
    expect(spec(partitionsOf(['n1', 'n2', 'n3'], 'n2', 3))).toEqual(['n1|n2,n3', 'n2|n1,n3', 'n1|n2|n3']);
  });
  it('2 nodes: only apart; 5 nodes: every single node and pair as a minority, no duplicate', () => {
    expect(spec(partitionsOf(['a', 'b'], 'a'))).toEqual(['a|b']);
    const five = spec(partitionsOf(['a', 'b', 'c', 'd', 'e'], 'a'));
    expect(five.slice(0, 3)).toEqual(['b|a,c,d,e', 'a|b,c,d,e', 'a|b|c|d|e']);
    // 5 singles + 10 pairs + all apart
    expect(five).toHaveLength(16);
    expect(new Set(five).size).toBe(16);
    expect(five).toContain('a,b|c,d,e');
  });
});

const ack = (node: string, end: number, id = end): Ack => ({ writer: 'client', id, node, start: end - 5, end });

describe('ackOverlaps', () => {
  it('a handover (one node stops, the other starts) is no overlap', () => {
    const acks = [ack('n1', 0), ack('n1', 100), ack('n1', 200), ack('n2', 300), ack('n2', 400)];
    expect(ackOverlaps(ackWindows(acks, 1_000))).toEqual([]);
  });
  it('two nodes acknowledging at the same time overlap, with the time and the ids of both', () => {
    const acks = [0, 100, 200, 300, 400].map((t) => ack('n1', t)).concat([150, 250, 350, 450].map((t) => ack('n2', t)));
    const o = ackOverlaps(ackWindows(acks, 1_000));
    expect(o).toHaveLength(1);
    expect(o[0]).toMatchObject({ nodes: ['n1', 'n2'], from: 150, to: 400, ms: 250 });
    expect(o[0]?.ids.n1).toEqual(['client#200', 'client#300', 'client#400']);
    expect(o[0]?.ids.n2).toEqual(['client#150', 'client#250', 'client#350']);
  });
  it('a node that takes over again after a pause is a new window, not an overlap with the one in between', () => {
    const acks = [ack('n1', 0), ack('n1', 100), ack('n2', 2_000), ack('n2', 2_100), ack('n1', 4_000)];
    expect(ackWindows(acks, 1_000)).toHaveLength(3);
    expect(ackOverlaps(ackWindows(acks, 1_000))).toEqual([]);
  });
  it('a single stray ack inside another node’s window counts', () => {
    const acks = [ack('n1', 0), ack('n1', 500), ack('n1', 1_000), ack('n2', 600)];
    expect(ackOverlaps(ackWindows(acks, 1_000))).toMatchObject([{ nodes: ['n1', 'n2'], ms: 0 }]);
  });
});
