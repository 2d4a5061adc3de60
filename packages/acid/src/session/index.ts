/**
 * SQL sessions for both wire families, behind the dialect-neutral contract in `types.ts`.
 */
import { CannotRunError } from '@helios-conformance/core';
import { fromMysqlDsn } from './mysql.js';
import { fromPostgresDsn, type EndpointOptions } from './postgres.js';
import type { SqlEndpoint } from './types.js';

export * from './types.js';
export { fromPostgresDsn, postgresEndpoint, classifyPgSessionError, type EndpointOptions } from './postgres.js';
export { fromMysqlDsn, mysqlEndpoint, classifyMysqlSessionError, MYSQL_LOCK_WAIT_TIMEOUT_S } from './mysql.js';
export { rewritePlaceholders, SessionAbortedError } from './_internal/common.js';

/**
 * Opens the endpoint behind `dsn`, choosing the family by scheme: `postgres://` /
 * `postgresql://` → PostgreSQL, `mysql://` / `mariadb://` → MySQL. Anything else is a
 * one-line {@link CannotRunError} (exit 2).
 */
export async function fromDsn(dsn: string, o: EndpointOptions = {}): Promise<SqlEndpoint> {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(dsn.trim());
  const scheme = m?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return fromPostgresDsn(dsn, o);
  if (scheme === 'mysql' || scheme === 'mariadb') return fromMysqlDsn(dsn, o);
  throw new CannotRunError(
    `malformed --dsn: the scheme must be postgres://, postgresql://, mysql:// or mariadb://${scheme ? `, not ${scheme}://` : ' (expected a URL like postgres://user:password@host:5432/db)'}`,
  );
}
