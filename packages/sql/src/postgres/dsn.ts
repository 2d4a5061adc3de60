import { CannotRunError } from '@helios-conformance/core';
import { parseDsnUrl } from '../dsn.js';

/** libpq `sslmode` values this layer understands. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Example DSN shown in --help and error lines. */
export const PG_DSN_EXAMPLE = 'postgres://user:password@host:5432/database?sslmode=require';

/** A PostgreSQL DSN, taken apart. */
export interface ParsedPgDsn {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** `prefer` when the DSN does not say (libpq's default). */
  sslmode: SslMode;
  /** `sslrootcert`: PEM file with the CA(s) to verify the server against (verify-ca / verify-full). */
  sslrootcert?: string;
  /** `sslcert` / `sslkey`: client certificate and key files. */
  sslcert?: string;
  sslkey?: string;
  applicationName?: string;
  /** `connect_timeout`, in milliseconds. */
  connectTimeoutMs?: number;
}

/**
 * Takes a `postgres://user:pass@host:port/db?sslmode=…&sslrootcert=…` DSN apart, with
 * libpq's defaults (port 5432, user `postgres`, database = user, sslmode=prefer). Throws a
 * {@link CannotRunError} saying what is wrong; the message never contains the password.
 */
export function parsePgDsn(dsn: string): ParsedPgDsn {
  const d = parseDsnUrl(dsn, { schemes: ['postgres', 'postgresql'], defaultPort: 5432, example: PG_DSN_EXAMPLE });
  const q = d.params;
  const rawMode = q.get('sslmode') ?? 'prefer';
  if (!SSL_MODES.includes(rawMode as SslMode)) {
    throw new CannotRunError(`malformed --dsn: sslmode must be one of ${SSL_MODES.join(', ')}, got "${rawMode}"`);
  }
  let connectTimeoutMs: number | undefined;
  const ct = q.get('connect_timeout');
  if (ct !== null) {
    if (!/^\d+$/.test(ct)) throw new CannotRunError('malformed --dsn: connect_timeout must be a whole number of seconds');
    if (Number(ct) > 0) connectTimeoutMs = Number(ct) * 1000;
  }
  const opt = (k: string): string | undefined => q.get(k) ?? undefined;
  const user = d.user || 'postgres';
  return {
    host: d.host,
    port: d.port,
    user,
    password: d.password,
    database: d.database || user,
    sslmode: rawMode as SslMode,
    sslrootcert: opt('sslrootcert'),
    sslcert: opt('sslcert'),
    sslkey: opt('sslkey'),
    applicationName: opt('application_name'),
    connectTimeoutMs,
  };
}
