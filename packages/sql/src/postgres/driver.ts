// The driver is loaded on first use, so `--list` and importing a catalog never pay for it.
import type * as PgModule from 'pg';

type Pg = typeof PgModule;
let pg: Promise<Pg> | undefined;

/** node-postgres (`pg`), a CommonJS package: its API lives on the default export. */
export function loadPg(): Promise<Pg> {
  pg ??= import('pg').then((m) => ((m as unknown as { default?: Pg }).default ?? (m as unknown as Pg)));
  return pg;
}
