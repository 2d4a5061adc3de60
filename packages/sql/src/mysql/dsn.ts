import { CannotRunError } from '@helios-conformance/core';
import { parseDsnUrl } from '../dsn.js';

/** MySQL client `--ssl-mode` values (also accepted lower-case, with `-` or `_`). */
export type SslMode = 'DISABLED' | 'PREFERRED' | 'REQUIRED' | 'VERIFY_CA' | 'VERIFY_IDENTITY';

const SSL_MODES: readonly SslMode[] = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'];

/** Example DSN shown in --help and error lines. */
export const MYSQL_DSN_EXAMPLE = 'mysql://user:password@host:3306/database?ssl-mode=REQUIRED';

/** A MySQL DSN, taken apart. */
export interface ParsedMysqlDsn {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string | undefined;
  /** `PREFERRED` when the DSN does not say (the mysql client's default). */
  sslMode: SslMode;
  /** `ssl-ca`: PEM file with the CA(s) to verify the server against. */
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  /** `connect-timeout` / `connectTimeout`, in milliseconds. */
  connectTimeoutMs?: number;
}

function normalizeMode(raw: string): SslMode | undefined {
  const up = raw.toUpperCase().replace(/-/g, '_');
  const alias: Record<string, SslMode> = {
    DISABLE: 'DISABLED',
    FALSE: 'DISABLED',
    PREFER: 'PREFERRED',
    REQUIRE: 'REQUIRED',
    TRUE: 'REQUIRED',
    VERIFY_FULL: 'VERIFY_IDENTITY',
  };
  return SSL_MODES.includes(up as SslMode) ? (up as SslMode) : alias[up];
}

/**
 * Takes a `mysql://user:pass@host:port/db?ssl-mode=…&ssl-ca=FILE` DSN apart (port 3306,
 * ssl-mode PREFERRED by default; `mariadb://` is accepted too). Throws a {@link CannotRunError}
 * saying what is wrong; the message never contains the password.
 */
export function parseMysqlDsn(dsn: string): ParsedMysqlDsn {
  const d = parseDsnUrl(dsn, { schemes: ['mysql', 'mariadb'], defaultPort: 3306, example: MYSQL_DSN_EXAMPLE });
  if (!d.user) throw new CannotRunError(`malformed --dsn: no user name (expected a URL like ${MYSQL_DSN_EXAMPLE})`);
  const get = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const v = d.params.get(k);
      if (v !== null) return v;
    }
    return undefined;
  };
  const rawMode = get('ssl-mode', 'sslMode', 'ssl_mode', 'sslmode', 'ssl');
  const sslMode = rawMode === undefined ? 'PREFERRED' : normalizeMode(rawMode);
  if (!sslMode) throw new CannotRunError(`malformed --dsn: ssl-mode must be one of ${SSL_MODES.join(', ')}, got "${rawMode}"`);
  let connectTimeoutMs: number | undefined;
  const ct = get('connect-timeout', 'connectTimeout', 'connect_timeout');
  if (ct !== undefined) {
    if (!/^\d+$/.test(ct)) throw new CannotRunError('malformed --dsn: connect-timeout must be a whole number of milliseconds');
    if (Number(ct) > 0) connectTimeoutMs = Number(ct);
  }
  return {
    host: d.host,
    port: d.port,
    user: d.user,
    password: d.password,
    database: d.database || undefined,
    sslMode,
    sslCa: get('ssl-ca', 'sslCa', 'ssl_ca', 'sslrootcert'),
    sslCert: get('ssl-cert', 'sslCert', 'ssl_cert'),
    sslKey: get('ssl-key', 'sslKey', 'ssl_key'),
    connectTimeoutMs,
  };
}
