// Lazy loaders for the drivers only the cases use (`pg` itself is loaded by the SQL layer,
// `loadPg` in @helios-conformance/sql/postgres). Nothing here runs at import time, so `--list` and
// `import { postgresCases }` stay cheap; the first case that needs a driver pays for it.
import type * as CopyStreamsModule from 'pg-copy-streams';
import type PostgresJs from 'postgres';
import type * as KyselyModule from 'kysely';

let copyStreams: Promise<typeof CopyStreamsModule> | undefined;
let postgresJs: Promise<typeof PostgresJs> | undefined;
let kysely: Promise<typeof KyselyModule> | undefined;

/** `pg-copy-streams` (COPY FROM STDIN / TO STDOUT as Node streams). */
export function loadCopyStreams(): Promise<typeof CopyStreamsModule> {
  copyStreams ??= import('pg-copy-streams').then(
    (m) => ((m as unknown as { default?: typeof CopyStreamsModule }).default ?? m) as typeof CopyStreamsModule,
  );
  return copyStreams;
}

/** postgres.js (`postgres`), the second driver. */
export function loadPostgresJs(): Promise<typeof PostgresJs> {
  postgresJs ??= import('postgres').then((m) => m.default);
  return postgresJs;
}

/** Kysely, the query builder. */
export function loadKysely(): Promise<typeof KyselyModule> {
  kysely ??= import('kysely');
  return kysely;
}
