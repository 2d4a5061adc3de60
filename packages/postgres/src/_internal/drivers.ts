// Lazy loaders for the drivers only the cases use (`pg` itself is loaded by the SQL layer,
// `loadPg` in @helios-conformance/sql/postgres). Nothing here runs at import time, so `--list` and
// `import { postgresCases }` stay cheap; the first case that needs a driver pays for it.
import type * as CopyStreamsModule from 'pg-copy-streams';
import type PostgresJs from 'postgres';
import type * as KyselyModule from 'kysely';
import type { PgConnectionOptions } from '@helios-conformance/sql/postgres';

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

/**
 * postgres.js options for the SQL layer's connection options (PG-006's, and its TLS test's): the
 * same host, credentials and TLS options the layer's own `pg` sessions use.
 */
export function postgresJsOptions(c: Readonly<PgConnectionOptions>, applicationName: string): PostgresJs.Options<Record<string, PostgresJs.PostgresType>> {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    ...(c.password !== undefined ? { password: c.password } : {}),
    database: c.database,
    ssl: c.ssl === false ? false : c.ssl,
    max: 1,
    connect_timeout: Math.max(1, Math.ceil(c.connectTimeoutMs / 1000)),
    onnotice: () => undefined,
    connection: { application_name: applicationName },
  };
}
