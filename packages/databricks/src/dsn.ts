import { readFileSync } from 'node:fs';
import { CannotRunError } from '@helios-conformance/core';

/** What `--dsn` looks like. */
export const DATABRICKS_DSN_EXAMPLE = 'databricks://token:TOKEN@host:443/sql/1.0/warehouses/ID[?ca=/path/ca.pem]';

/** A parsed `databricks://` DSN: the connect options of @databricks/sql. */
export interface DatabricksDsn {
  host: string;
  port: number;
  /** HTTP path of the warehouse or cluster, e.g. `/sql/1.0/warehouses/abc`. */
  path: string;
  token: string;
  /** Extra CA (PEM) trusted on top of Node's roots (`?ca=FILE`). */
  ca?: string;
  /** `?verify=false`: the server certificate is not checked (never the default). */
  verify: boolean;
}

/** Parses `databricks://token:TOKEN@host:port/http/path?ca=FILE&verify=false`. Throws CannotRunError with what to fix. */
export function parseDatabricksDsn(dsn: string): DatabricksDsn {
  let u: URL;
  try {
    u = new URL(dsn);
  } catch {
    throw new CannotRunError(`malformed --dsn: expected ${DATABRICKS_DSN_EXAMPLE}`);
  }
  if (u.protocol !== 'databricks:') throw new CannotRunError(`--dsn scheme must be databricks:// (got ${u.protocol}//): ${DATABRICKS_DSN_EXAMPLE}`);
  if (!u.hostname) throw new CannotRunError(`--dsn names no host: ${DATABRICKS_DSN_EXAMPLE}`);
  if (decodeURIComponent(u.username) !== 'token') throw new CannotRunError('--dsn user must be "token" (databricks://token:YOUR_TOKEN@host/…): the driver authenticates with a personal access token');
  const token = decodeURIComponent(u.password);
  if (!token) throw new CannotRunError('--dsn has no token: databricks://token:YOUR_TOKEN@host/…');
  if (u.pathname === '' || u.pathname === '/') throw new CannotRunError(`--dsn has no HTTP path (the warehouse's, e.g. /sql/1.0/warehouses/ID): ${DATABRICKS_DSN_EXAMPLE}`);
  const port = u.port ? Number(u.port) : 443;
  const known = new Set(['ca', 'verify']);
  for (const k of u.searchParams.keys()) if (!known.has(k)) throw new CannotRunError(`--dsn option "${k}" is unknown (known: ca, verify)`);
  const verifyRaw = u.searchParams.get('verify');
  if (verifyRaw !== null && verifyRaw !== 'true' && verifyRaw !== 'false') throw new CannotRunError(`--dsn verify must be true or false, got "${verifyRaw}"`);
  let ca: string | undefined;
  const caFile = u.searchParams.get('ca');
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (e) {
      throw new CannotRunError(`--dsn ca=${caFile} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port, path: decodeURIComponent(u.pathname), token, ...(ca ? { ca } : {}), verify: verifyRaw !== 'false' };
}
