// Lazy loaders for the drivers the cases use besides mysql2 (which the SQL layer loads). Nothing
// here runs at import time, so `--list` and `import { mysqlCases }` stay cheap; the first case
// that needs a driver pays for it.
import type * as MariadbModule from 'mariadb';
import type * as KyselyModule from 'kysely';

type Mariadb = typeof MariadbModule;

let mariadb: Promise<Mariadb> | undefined;
let kysely: Promise<typeof KyselyModule> | undefined;

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
