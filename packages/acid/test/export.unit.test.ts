import { describe, expect, it } from 'vitest';
import { generateHistory, opToEdn, toElleEdn, toElleJson, type History } from '../src/index.js';

const h: History = [
  { type: 'invoke', process: 0, index: 2, value: [['append', 1, 2], ['r', 1, null]] },
  { type: 'ok', process: 0, index: 3, time: 1234, value: [['append', 1, 2], ['r', 1, [1, 2]]] },
  { type: 'info', process: 1, index: 4, value: [['append', 'x', 3]] },
];

describe('Elle export', () => {
  it('writes one EDN op map per line in the shape elle-cli reads', () => {
    expect(opToEdn(h[1] as History[number])).toBe('{:type :ok, :f :txn, :value [[:append 1 2] [:r 1 [1 2]]], :process 0, :index 3, :time 1234}');
    expect(toElleEdn(h).split('\n')).toEqual([
      '{:type :invoke, :f :txn, :value [[:append 1 2] [:r 1 nil]], :process 0, :index 2}',
      '{:type :ok, :f :txn, :value [[:append 1 2] [:r 1 [1 2]]], :process 0, :index 3, :time 1234}',
      '{:type :info, :f :txn, :value [[:append "x" 3]], :process 1, :index 4}',
      '',
    ]);
  });

  it('writes a JSON array of op objects with reads as null or lists', () => {
    const parsed = JSON.parse(toElleJson(h)) as unknown[];
    expect(parsed).toEqual([
      { type: 'invoke', f: 'txn', value: [['append', 1, 2], ['r', 1, null]], process: 0, index: 2 },
      { type: 'ok', f: 'txn', value: [['append', 1, 2], ['r', 1, [1, 2]]], process: 0, index: 3, time: 1234 },
      { type: 'info', f: 'txn', value: [['append', 'x', 3]], process: 1, index: 4 },
    ]);
    expect(toElleJson([])).toBe('[]\n');
  });

  it('exports a generated history line for line', () => {
    const { history } = generateHistory({ seed: 1, txns: 50, inject: ['G-single'] });
    const edn = toElleEdn(history).trimEnd().split('\n');
    expect(edn).toHaveLength(history.length);
    for (const line of edn) expect(line).toMatch(/^\{:type :(invoke|ok|fail|info), :f :txn, :value \[.*\], :process \d+, :index \d+\}$/);
    expect(JSON.parse(toElleJson(history))).toHaveLength(history.length);
  });
});
