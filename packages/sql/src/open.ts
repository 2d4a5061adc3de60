import { createRequire } from 'node:module';
import { CannotRunError } from '@helios-conformance/core';
import type { EndpointOptions, SqlEndpoint } from './session.js';

/** The wire family a DSN's scheme names, or undefined for any other scheme. */
export function familyOfDsn(dsn: string): 'postgres' | 'mysql' | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(dsn.trim())?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  return undefined;
}

/**
 * Opens a dialect-neutral endpoint on the server behind `dsn`, choosing the family by scheme:
 * `postgres://` / `postgresql://` → PostgreSQL, `mysql://` / `mariadb://` → MySQL. The family's
 * driver is loaded only then. Anything else is a one-line {@link CannotRunError} (exit 2).
 */
export async function openSqlEndpoint(dsn: string, o: EndpointOptions = {}): Promise<SqlEndpoint> {
  const family = familyOfDsn(dsn);
  if (family === 'postgres') return (await loadDriver('pg', () => import('./postgres/endpoint.js'))).openPostgresEndpoint(dsn, o);
  if (family === 'mysql') return (await loadDriver('mysql2', () => import('./mysql/endpoint.js'))).openMysqlEndpoint(dsn, o);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(dsn.trim())?.[1]?.toLowerCase();
  throw new CannotRunError(
    `malformed --dsn: the scheme must be postgres://, postgresql://, mysql:// or mariadb://${scheme ? `, not ${scheme}://` : ' (expected a URL like postgres://user:password@host:5432/db)'}`,
  );
}

/**
 * The drivers are optional peer dependencies (each suite installs the families it speaks), so a
 * missing one is a one-line CannotRunError naming the package, not a loader stack on first use.
 * Checked up front: the family modules load their driver lazily, after the first TCP probe.
 */
async function loadDriver<M>(driver: 'pg' | 'mysql2', load: () => Promise<M>): Promise<M> {
  try {
    createRequire(import.meta.url).resolve(driver);
  } catch {
    throw new CannotRunError(`this DSN needs the driver ${driver}, an optional peer dependency of @helios-conformance/sql that is not installed: npm install ${driver}`);
  }
  return load();
}
