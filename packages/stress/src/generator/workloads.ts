import type { Workload } from './driver.js';

/**
 * Point SELECTs by primary key on a table of `rows` rows keyed 1..rows, uniformly at random:
 * pgbench's select-only script (`-S`) when `table` is pgbench_accounts, `key` aid and `column` abalance.
 */
export function pointSelect(o: { table: string; key: string; column: string; rows: number }): Workload {
  const rows = Math.max(1, Math.floor(o.rows));
  return {
    statements: [{ sql: `SELECT ${o.column} FROM ${o.table} WHERE ${o.key} = $1`, params: ['int4'] }],
    next(random, params) {
      params[0] = 1 + Math.floor(random() * rows);
      return 0;
    },
  };
}
