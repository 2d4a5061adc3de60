import { readFileSync } from 'node:fs';
import { CannotRunError } from '@helios-conformance/core';

/** What `--dsn` looks like. */
export const SNOWFLAKE_DSN_EXAMPLE = 'snowflake://user:pass@host:443/database/schema?warehouse=WH&account=ACCOUNT&protocol=https[&ca=/path/ca.pem]';

/** A parsed `snowflake://` DSN. */
export interface SnowflakeDsn {
  user: string;
  password: string;
  host: string;
  port: number;
  protocol: 'https' | 'http';
  account: string;
  database: string;
  schema: string;
  warehouse: string | undefined;
  role: string | undefined;
  /** `ca=FILE`: a CA (PEM) the driver trusts on top of Node's roots (the endpoint's private CA). */
  ca: string | undefined;
  /** The file `ca` was read from (named in messages). */
  caFile: string | undefined;
}

const PARAMS = ['warehouse', 'protocol', 'account', 'role', 'ca'];

/**
 * Parses `snowflake://user:pass@host[:port]/database[/schema]?account=…&warehouse=…&protocol=https|http&role=…&ca=FILE`.
 * The account defaults to the first label of a `*.snowflakecomputing.com` host; elsewhere it is required.
 */
export function parseSnowflakeDsn(dsn: string): SnowflakeDsn {
  let u: URL;
  try {
    u = new URL(dsn);
  } catch {
    throw new CannotRunError(`malformed --dsn: expected ${SNOWFLAKE_DSN_EXAMPLE}`);
  }
  if (u.protocol !== 'snowflake:') throw new CannotRunError(`--dsn scheme must be snowflake:// (got ${u.protocol}//): e.g. ${SNOWFLAKE_DSN_EXAMPLE}`);
  for (const k of u.searchParams.keys()) {
    if (!PARAMS.includes(k)) throw new CannotRunError(`--dsn parameter "${k}" is not known: use ${PARAMS.join(', ')}`);
  }
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  if (!user || !password) throw new CannotRunError('--dsn needs a user and a password: snowflake://user:pass@host/…');
  if (!u.hostname) throw new CannotRunError(`--dsn needs a host: ${SNOWFLAKE_DSN_EXAMPLE}`);
  const protocol = (u.searchParams.get('protocol') ?? 'https').toLowerCase();
  if (protocol !== 'https' && protocol !== 'http') throw new CannotRunError(`--dsn protocol must be https or http, got "${protocol}"`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : protocol === 'https' ? 443 : 80;
  const [database = '', schema = ''] = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (!database) throw new CannotRunError(`--dsn needs a database in its path: ${SNOWFLAKE_DSN_EXAMPLE}`);
  const account = u.searchParams.get('account') ?? /^([^.]+)\.snowflakecomputing\.com$/i.exec(host)?.[1];
  if (!account) throw new CannotRunError('--dsn needs account=… (the Snowflake account identifier) for a host outside snowflakecomputing.com');
  const caFile = u.searchParams.get('ca') ?? undefined;
  let ca: string | undefined;
  if (caFile !== undefined) {
    if (protocol !== 'https') throw new CannotRunError('--dsn ca=FILE is for protocol=https (a plain-HTTP endpoint has no certificate to verify)');
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (e) {
      throw new CannotRunError(`--dsn ca=${caFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give the PEM file of the endpoint's CA`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new CannotRunError(`--dsn ca=${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return { user, password, host, port, protocol, account, database, schema: schema || 'PUBLIC', warehouse: u.searchParams.get('warehouse') ?? undefined, role: u.searchParams.get('role') ?? undefined, ca, caFile };
}
