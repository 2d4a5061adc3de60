import type { History, Key, Mop, Op } from './history.js';

/**
 * Histories in the formats elle-cli (https://github.com/ligurio/elle-cli) reads with
 * `--model list-append`: EDN op maps, one per line, or a JSON array of op objects. Reads carry
 * `nil`/`null` in invocations and the observed list in completions, as in Jepsen histories.
 */

function ednKey(k: Key): string {
  return typeof k === 'number' ? String(k) : JSON.stringify(k);
}

function ednMop(m: Mop): string {
  if (m[0] === 'append') return `[:append ${ednKey(m[1])} ${m[2]}]`;
  const l = m[2];
  return `[:r ${ednKey(m[1])} ${l === null || l === undefined ? 'nil' : `[${l.join(' ')}]`}]`;
}

/** One op as an EDN map: `{:type :ok, :f :txn, :value [[:append 1 2] [:r 1 [1 2]]], :process 0, :index 3}`. */
export function opToEdn(op: Op): string {
  const time = op.time === undefined ? '' : `, :time ${op.time}`;
  return `{:type :${op.type}, :f :txn, :value [${op.value.map(ednMop).join(' ')}], :process ${op.process}, :index ${op.index}${time}}`;
}

/** The whole history as EDN, one op map per line (elle-cli loads a file that starts with `{` op by op). */
export function toElleEdn(history: History): string {
  let out = '';
  for (const op of history) out += opToEdn(op) + '\n';
  return out;
}

/** One op as the JSON object elle-cli converts: `{"type":"ok","f":"txn","value":[["append",1,2]],"process":0,"index":3}`. */
export function opToElleJson(op: Op): Record<string, unknown> {
  const o: Record<string, unknown> = {
    type: op.type,
    f: 'txn',
    value: op.value.map((m) => (m[0] === 'append' ? ['append', m[1], m[2]] : ['r', m[1], m[2] ?? null])),
    process: op.process,
    index: op.index,
  };
  if (op.time !== undefined) o.time = op.time;
  return o;
}

/** The whole history as a JSON array (one op per line, so large files stay diffable). */
export function toElleJson(history: History): string {
  if (history.length === 0) return '[]\n';
  return '[' + history.map((op) => JSON.stringify(opToElleJson(op))).join(',\n ') + ']\n';
}
