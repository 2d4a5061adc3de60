// The driver is loaded on first use, so `--list` and importing a catalog never pay for it.
import type * as Mysql2Module from 'mysql2/promise';

type Mysql2 = typeof Mysql2Module;
let mysql2: Promise<Mysql2> | undefined;

/** `mysql2/promise` (CommonJS: its API may live on the default export). */
export function loadMysql2(): Promise<Mysql2> {
  mysql2 ??= import('mysql2/promise').then((m) => (m as unknown as { default?: Mysql2 }).default ?? (m as unknown as Mysql2));
  return mysql2;
}
