// Lazy loaders for the drivers. Nothing here runs at import time, so `--list` and
// `import { mysqlCases }` stay cheap; the first case (or open()) that needs a driver pays for it.
import type * as Mysql2Module from 'mysql2/promise';
import type * as MariadbModule from 'mariadb';
import type * as KyselyModule from 'kysely';

type Mysql2 = typeof Mysql2Module;
type Mariadb = typeof MariadbModule;

let mysql2: Promise<Mysql2> | undefined;
let mariadb: Promise<Mariadb> | undefined;
let kysely: Promise<typeof KyselyModule> | undefined;

/** `mysql2/promise` (CommonJS: its API may live on the default export). */
export function loadMysql2(): Promise<Mysql2> {
  mysql2 ??= import('mysql2/promise').then((m) => ((m as unknown as { default?: Mysql2 }).default ?? (m as unknown as Mysql2)));
  return mysql2;
}

/** The MariaDB Node.js connector (`mariadb`), the second driver. */
export function loadMariadb(): Promise<Mariadb> {
  mariadb ??= import('mariadb').then((m) => ((m as unknown as { default?: Mariadb }).default ?? (m as unknown as Mariadb)));
  return mariadb;
}

/** Kysely, the query builder. */
export function loadKysely(): Promise<typeof KyselyModule> {
  kysely ??= import('kysely');
  return kysely;
}
