// The scripted interleavings, after Hermitage (github.com/ept/hermitage, postgres.md and
// mysql.md): a table `(id int primary key, value int)` holding (1,10), (2,20), two or three
// sessions, and a witness that says, from what was observed, whether the anomaly happened.
// Scripts are data; the engine (run.ts) decides what "blocked" means and carries on.
import type { AnomalyDefinition, AnomalyId, Observation, ScriptStep, SessionName } from './types.js';

const B = (session: SessionName): ScriptStep => ({ session, sql: 'BEGIN' });
const C = (session: SessionName, label?: string): ScriptStep => ({ session, sql: 'COMMIT', ...(label ? { label } : {}) });
const R = (session: SessionName): ScriptStep => ({ session, sql: 'ROLLBACK' });
const S = (session: SessionName, sql: string, extra: Partial<ScriptStep> = {}): ScriptStep => ({ session, sql, ...extra });

/** `1=10 2=20` */
export function formatRows(rows: ReadonlyMap<number, number> | undefined): string {
  if (rows === undefined) return '(not read)';
  if (rows.size === 0) return '(none)';
  return [...rows].map(([id, v]) => `${id}=${v}`).join(' ');
}

const sameRows = (a: ReadonlyMap<number, number>, b: Record<number, number>): boolean =>
  a.size === Object.keys(b).length && Object.entries(b).every(([k, v]) => a.get(Number(k)) === v);

const both = (o: Observation, ...s: SessionName[]): boolean => s.every((x) => o.committed(x));

/**
 * The anomalies, each with the scripts that probe it. Where a script departs from Hermitage's
 * it says why (the witness must be decidable from observations alone, without a human reading
 * "this BLOCKS").
 */
export const ANOMALIES: readonly AnomalyDefinition[] = [
  {
    id: 'G0',
    title: 'G0 write cycles (dirty writes)',
    description: 'two transactions overwrite each other’s uncommitted writes, so the result mixes them',
    variants: [
      {
        name: 'write cycle',
        // Hermitage lets T1 write both rows first; then no interleaving can leave a cycle in the
        // data, and only the block shows the prevention. Here T2 writes row 2 before T1 does, so
        // a server without write locks leaves a mixed final state a witness can see.
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'UPDATE {t} SET value = 11 WHERE id = 1'),
          S('T2', 'UPDATE {t} SET value = 12 WHERE id = 1', { expect: 'blocks until T1 ends' }),
          S('T2', 'UPDATE {t} SET value = 22 WHERE id = 2'),
          S('T1', 'UPDATE {t} SET value = 21 WHERE id = 2'),
          C('T1'),
          C('T2'),
        ],
        witness(o) {
          if (!both(o, 'T1', 'T2')) return null;
          const x = o.final.get(1);
          const y = o.final.get(2);
          if ((x === 12 && y === 21) || (x === 11 && y === 22)) return `both committed and the table mixes them (1=${x} 2=${y}): a write cycle`;
          return null;
        },
      },
    ],
  },
  {
    id: 'G1a',
    title: 'G1a aborted reads',
    description: 'a transaction reads a value written by a transaction that later rolls back',
    variants: [
      {
        name: 'aborted read',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'UPDATE {t} SET value = 101 WHERE id = 1'),
          S('T2', 'SELECT id, value FROM {t} ORDER BY id', { label: 'r1', expect: '1=101 is a dirty read' }),
          R('T1'),
          S('T2', 'SELECT id, value FROM {t} ORDER BY id', { label: 'r2', expect: '1=101 is an aborted read' }),
          C('T2'),
        ],
        witness(o) {
          for (const l of ['r1', 'r2']) if (o.rows(l)?.get(1) === 101) return `read 101 (written by T1, which rolled back)`;
          return null;
        },
      },
    ],
  },
  {
    id: 'G1b',
    title: 'G1b intermediate reads',
    description: 'a transaction reads a value another transaction overwrote before it committed',
    variants: [
      {
        name: 'intermediate read',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'UPDATE {t} SET value = 101 WHERE id = 1'),
          S('T2', 'SELECT id, value FROM {t} ORDER BY id', { label: 'r1', expect: '1=101 is an intermediate read' }),
          S('T1', 'UPDATE {t} SET value = 11 WHERE id = 1'),
          C('T1'),
          S('T2', 'SELECT id, value FROM {t} ORDER BY id', { label: 'r2' }),
          C('T2'),
        ],
        witness: (o) => (o.rows('r1')?.get(1) === 101 ? 'read 101 (T1’s intermediate value, later overwritten by 11)' : null),
      },
    ],
  },
  {
    id: 'G1c',
    title: 'G1c circular information flow',
    description: 'two transactions each read the other’s uncommitted write',
    variants: [
      {
        name: 'circular flow',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'UPDATE {t} SET value = 11 WHERE id = 1'),
          S('T2', 'UPDATE {t} SET value = 22 WHERE id = 2'),
          S('T1', 'SELECT id, value FROM {t} WHERE id = 2', { label: 't1', expect: '2=22 is T2’s uncommitted write' }),
          S('T2', 'SELECT id, value FROM {t} WHERE id = 1', { label: 't2', expect: '1=11 is T1’s uncommitted write' }),
          C('T1'),
          C('T2'),
        ],
        witness: (o) =>
          o.rows('t1')?.get(2) === 22 && o.rows('t2')?.get(1) === 11 ? 'T1 read 2=22 and T2 read 1=11: each saw the other’s uncommitted write' : null,
      },
    ],
  },
  {
    id: 'OTV',
    title: 'OTV observed transaction vanishes',
    description: 'a reader sees some of a transaction’s effects and later values that transaction overwrote',
    variants: [
      {
        name: 'vanish',
        steps: [
          B('T1'),
          B('T2'),
          B('T3'),
          S('T1', 'UPDATE {t} SET value = 11 WHERE id = 1'),
          S('T1', 'UPDATE {t} SET value = 19 WHERE id = 2'),
          S('T2', 'UPDATE {t} SET value = 12 WHERE id = 1', { expect: 'blocks until T1 ends' }),
          C('T1'),
          S('T3', 'SELECT id, value FROM {t} ORDER BY id', { label: 'r1' }),
          S('T2', 'UPDATE {t} SET value = 18 WHERE id = 2'),
          S('T3', 'SELECT id, value FROM {t} ORDER BY id', { label: 'r2' }),
          C('T2'),
          S('T3', 'SELECT id, value FROM {t} ORDER BY id', { label: 'r3' }),
          C('T3'),
        ],
        witness(o) {
          // T2 overwrites T1 on both rows. Once T3 has seen a value of T2 (12 or 18), a later
          // (or the same) read showing T1's value on a row T2 overwrote means T2 vanished.
          const reads = ['r1', 'r2', 'r3'].map((l) => o.rows(l));
          for (let i = 0; i < reads.length; i++) {
            const ri = reads[i];
            if (!ri || !(ri.get(1) === 12 || ri.get(2) === 18)) continue;
            for (let j = i; j < reads.length; j++) {
              const rj = reads[j];
              if (rj && (rj.get(1) === 11 || rj.get(2) === 19)) {
                return i === j
                  ? `one read of T3 shows T2’s write next to a T1 value T2 overwrites (${formatRows(ri)})`
                  : `T3 saw T2 (${formatRows(ri)}) and later T1’s overwritten value (${formatRows(rj)})`;
              }
            }
          }
          return null;
        },
      },
    ],
  },
  {
    id: 'PMP',
    title: 'PMP predicate-many-preceders',
    description: 'a predicate read or write sees a different set of committed transactions the second time',
    variants: [
      {
        name: 'read predicate',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE value = 30', { label: 'p1' }),
          S('T2', 'INSERT INTO {t} (id, value) VALUES (3, 30)'),
          C('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE value % 3 = 0', { label: 'p2', expect: '3=30 is T2’s insert appearing mid-transaction' }),
          C('T1'),
        ],
        witness: (o) =>
          o.rows('p1')?.size === 0 && o.rows('p2')?.has(3) ? 'a predicate read first saw no row 3, then T2’s committed insert 3=30' : null,
      },
      {
        name: 'write predicate',
        // The PostgreSQL documentation's example: T2's DELETE ... WHERE value = 20 runs while T1
        // moves every value by +10; serially exactly one row would be deleted.
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'UPDATE {t} SET value = value + 10'),
          S('T2', 'SELECT id, value FROM {t} WHERE value = 20', { label: 'before' }),
          S('T2', 'DELETE FROM {t} WHERE value = 20', { label: 'del', expect: 'blocks until T1 ends' }),
          C('T1'),
          S('T2', 'SELECT id, value FROM {t} WHERE value = 20', { label: 'after', expect: 'a row with value 20 after deleting them' }),
          C('T2'),
        ],
        witness(o) {
          const after = o.rows('after');
          if (after && after.size > 0 && o.affected('del') !== undefined) return `after DELETE … WHERE value = 20, T2 still reads ${formatRows(after)}`;
          // Serially: T1 then T2 leaves {2=30}; T2 then T1 leaves {1=20}.
          if (both(o, 'T1', 'T2') && !sameRows(o.final, { 2: 30 }) && !sameRows(o.final, { 1: 20 })) {
            return `both committed and the table (${formatRows(o.final)}) matches no serial order`;
          }
          return null;
        },
      },
    ],
  },
  {
    id: 'P4',
    title: 'P4 lost update',
    description: 'two transactions read the same value and both write an update based on it; one update is lost',
    variants: [
      {
        name: 'lost update',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE id = 1', { label: 'r1' }),
          S('T2', 'SELECT id, value FROM {t} WHERE id = 1', { label: 'r2' }),
          S('T1', 'UPDATE {t} SET value = 11 WHERE id = 1'),
          S('T2', 'UPDATE {t} SET value = 11 WHERE id = 1', { expect: 'blocks until T1 ends' }),
          C('T1'),
          C('T2', 'c2'),
        ],
        witness: (o) =>
          both(o, 'T1', 'T2') && o.rows('r1')?.get(1) === 10 && o.rows('r2')?.get(1) === 10
            ? 'both read 10 and both committed 10+1: one increment lost (final 1=' + String(o.final.get(1)) + ')'
            : null,
      },
    ],
  },
  {
    id: 'G-single',
    title: 'G-single single anti-dependency cycles (read skew)',
    description: 'a transaction sees one row before and another after a concurrent transaction',
    variants: [
      {
        name: 'item',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE id = 1', { label: 'x' }),
          S('T2', 'SELECT id, value FROM {t} WHERE id = 1'),
          S('T2', 'SELECT id, value FROM {t} WHERE id = 2'),
          S('T2', 'UPDATE {t} SET value = 12 WHERE id = 1'),
          S('T2', 'UPDATE {t} SET value = 18 WHERE id = 2'),
          C('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE id = 2', { label: 'y', expect: '2=18 with 1=10 is read skew' }),
          C('T1'),
        ],
        witness: (o) => (o.rows('x')?.get(1) === 10 && o.rows('y')?.get(2) === 18 ? 'read 1=10 (before T2) and 2=18 (after T2)' : null),
      },
      {
        name: 'predicate read',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE value % 5 = 0', { label: 'p1' }),
          S('T2', 'UPDATE {t} SET value = 12 WHERE value = 10'),
          C('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE value % 3 = 0', { label: 'p2', expect: '1=12 after having read 1=10' }),
          C('T1'),
        ],
        witness: (o) =>
          o.rows('p1')?.get(1) === 10 && o.rows('p2')?.get(1) === 12 ? 'predicate reads saw 1=10 (before T2) and then 1=12 (after T2)' : null,
      },
      {
        name: 'write predicate',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE id = 1', { label: 'x' }),
          S('T2', 'SELECT id, value FROM {t} ORDER BY id'),
          S('T2', 'UPDATE {t} SET value = 12 WHERE id = 1'),
          S('T2', 'UPDATE {t} SET value = 18 WHERE id = 2'),
          C('T2'),
          S('T1', 'DELETE FROM {t} WHERE value = 20', { label: 'del', expect: 'deletes nothing although T1 read before T2' }),
          S('T1', 'SELECT id, value FROM {t} WHERE id = 2', { label: 'y' }),
          C('T1'),
        ],
        witness(o) {
          // T1 read row 1 before T2 (rw T1→T2) and then wrote after T2 committed (T2→T1):
          // whatever the DELETE did, both committing is a cycle.
          if (o.rows('x')?.get(1) !== 10 || !both(o, 'T1', 'T2')) return null;
          return `read 1=10 before T2, then DELETE … WHERE value = 20 affected ${o.affected('del') ?? '?'} row(s) and read ${formatRows(o.rows('y'))}; both committed`;
        },
      },
    ],
  },
  {
    id: 'G2-item',
    title: 'G2-item item anti-dependency cycles (write skew)',
    description: 'two transactions read the same rows and each updates a different one, breaking an invariant across them',
    variants: [
      {
        name: 'write skew',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE id IN (1, 2)', { label: 'r1' }),
          S('T2', 'SELECT id, value FROM {t} WHERE id IN (1, 2)', { label: 'r2' }),
          S('T1', 'UPDATE {t} SET value = 11 WHERE id = 1'),
          S('T2', 'UPDATE {t} SET value = 21 WHERE id = 2'),
          C('T1'),
          C('T2'),
        ],
        witness: (o) =>
          both(o, 'T1', 'T2') && sameRows(o.rows('r1') ?? new Map(), { 1: 10, 2: 20 }) && sameRows(o.rows('r2') ?? new Map(), { 1: 10, 2: 20 })
            ? 'both read 1=10 2=20, each updated one row, both committed (write skew)'
            : null,
      },
    ],
  },
  {
    id: 'G2',
    title: 'G2 anti-dependency cycles',
    description: 'transactions each miss the other’s write through a predicate (or a chain of reads) and all commit',
    variants: [
      {
        name: 'predicate',
        steps: [
          B('T1'),
          B('T2'),
          S('T1', 'SELECT id, value FROM {t} WHERE value % 3 = 0', { label: 'p1' }),
          S('T2', 'SELECT id, value FROM {t} WHERE value % 3 = 0', { label: 'p2' }),
          S('T1', 'INSERT INTO {t} (id, value) VALUES (3, 30)'),
          S('T2', 'INSERT INTO {t} (id, value) VALUES (4, 42)'),
          C('T1'),
          C('T2'),
        ],
        witness: (o) =>
          both(o, 'T1', 'T2') && o.rows('p1')?.size === 0 && o.rows('p2')?.size === 0
            ? 'both saw no row with value % 3 = 0, each inserted one, both committed'
            : null,
      },
      {
        name: 'fekete',
        // Fekete et al.'s read-only anomaly: T3 sees T2 but not T1, T1 read before T2, and T1
        // writes what T3 read — a cycle T1 → T2 → T3 → T1 with two anti-dependencies.
        steps: [
          B('T1'),
          S('T1', 'SELECT id, value FROM {t} ORDER BY id', { label: 'r1' }),
          B('T2'),
          S('T2', 'UPDATE {t} SET value = value + 5 WHERE id = 2'),
          C('T2'),
          B('T3'),
          S('T3', 'SELECT id, value FROM {t} ORDER BY id', { label: 'r3', expect: '1=10 2=25' }),
          C('T3'),
          S('T1', 'UPDATE {t} SET value = 0 WHERE id = 1'),
          C('T1'),
        ],
        witness: (o) =>
          both(o, 'T1', 'T2', 'T3') && o.rows('r1')?.get(2) === 20 && o.rows('r3')?.get(2) === 25 && o.rows('r3')?.get(1) === 10
            ? 'T1 read 2=20 (before T2), T3 read 2=25 1=10 (after T2, before T1), T1 then wrote row 1; all three committed'
            : null,
      },
    ],
  },
];

/** Every anomaly ID, in matrix column order. */
export const ANOMALY_IDS: readonly AnomalyId[] = ANOMALIES.map((a) => a.id);

/** The definition of one anomaly. */
export function anomaly(id: AnomalyId): AnomalyDefinition {
  const a = ANOMALIES.find((x) => x.id === id);
  if (!a) throw new Error(`unknown anomaly ${id}`);
  return a;
}
