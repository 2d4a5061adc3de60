import { readFile } from 'node:fs/promises';
import { CannotRunError } from '@helios-conformance/core';
import { bareHost, NAME_MISMATCH } from './_internal/tls.js';

/** The parts of a `scheme://user:password@host:port/database?params` DSN every wire family shares. */
export interface DsnParts {
  scheme: string;
  host: string;
  port: number;
  /** Percent-decoded; `''` when the DSN names none. */
  user: string;
  /** Percent-decoded; undefined when the DSN has none. */
  password: string | undefined;
  /** Percent-decoded path without the leading `/`; `''` when absent. */
  database: string;
  params: URLSearchParams;
}

/**
 * Takes a URL-shaped DSN apart. Throws a {@link CannotRunError} saying what is wrong (never
 * quoting the password): not a URL, another scheme, no host, a bad port, a bad %-escape, a path
 * that is more than a database name.
 */
export function parseDsnUrl(dsn: string, o: { schemes: readonly string[]; defaultPort: number; example: string }): DsnParts {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new CannotRunError(`malformed --dsn: expected a URL like ${o.example}`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!o.schemes.includes(scheme)) {
    const names = o.schemes.map((s) => `${s}://`);
    const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names[0];
    throw new CannotRunError(`malformed --dsn: the scheme must be ${list}, not ${url.protocol}//`);
  }
  const dec = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new CannotRunError(`malformed --dsn: the ${what} has an invalid %-escape`);
    }
  };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new CannotRunError(`malformed --dsn: no host (expected a URL like ${o.example})`);
  const port = url.port ? Number(url.port) : o.defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CannotRunError('malformed --dsn: port must be 1-65535');
  const database = dec(url.pathname.replace(/^\//, ''), 'database name');
  if (database.includes('/')) throw new CannotRunError('malformed --dsn: the path must be just the database name');
  return {
    scheme,
    host,
    port,
    user: dec(url.username, 'user name'),
    password: url.password ? dec(url.password, 'password') : undefined,
    database,
    params: url.searchParams,
  };
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Reads a PEM file named in the DSN; a missing or unreadable file is a {@link CannotRunError}. */
export async function readPem(path: string | undefined, what: string): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new CannotRunError(`cannot read ${what} file ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}); fix the path in --dsn`);
  }
}

/** Whether a driver error code is a TLS verification failure. */
export function isTlsVerificationCode(code: unknown): boolean {
  return typeof code === 'string' && /^(?:ERR_TLS_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH|HANDSHAKE_SSL_ERROR)/.test(code);
}

/** The parts of a driver error a login-error line quotes. */
export function loginErrorParts(e: unknown): { code: string | undefined; errno: number | undefined; message: string } {
  const err = e as { code?: unknown; errno?: unknown; message?: unknown } | null;
  return {
    code: typeof err?.code === 'string' ? err.code : undefined,
    errno: typeof err?.errno === 'number' ? err.errno : undefined,
    message: (typeof err?.message === 'string' ? err.message : String(e)).split('\n')[0] ?? '',
  };
}

/**
 * The login failures both families share: nothing listening, TLS verification, a timeout.
 * `tlsHint` says how to pass a CA in this family's DSN, `nameHint` what to do when the
 * certificate does not name `host`. Undefined for anything else.
 */
export function commonLoginError(e: unknown, where: string, o: { protocol: string; host: string; tlsHint: string; nameHint: string }): CannotRunError | undefined {
  const { code, message } = loginErrorParts(e);
  if (code === 'ECONNREFUSED') return new CannotRunError(`nothing is listening at ${where} (connection refused); is the server running and the port right?`);
  // mysql2 renames every TLS error HANDSHAKE_SSL_ERROR: Node's message is what tells a wrong name.
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || (isTlsVerificationCode(code) && NAME_MISMATCH.test(message))) {
    return new CannotRunError(`TLS verification of ${where} failed: the server certificate does not name the host ${bareHost(o.host)} (${message}); ${o.nameHint}`);
  }
  if (isTlsVerificationCode(code) || /certificate/i.test(message)) {
    return new CannotRunError(`TLS verification of ${where} failed (${code ?? ''}: ${message}); ${o.tlsHint}`);
  }
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) return new CannotRunError(`logging in to ${where} timed out; is the server overloaded or not ${o.protocol}?`);
  return undefined;
}

/** The last resort of a login-error line: the driver's own words. */
export function fallbackLoginError(e: unknown, where: string): CannotRunError {
  const { code, message } = loginErrorParts(e);
  return new CannotRunError(`cannot log in to ${where}: ${code ? `${code}: ` : ''}${message}`);
}

/** The one line for a login given up because the run was interrupted or its budget ran out. */
export function gaveUp(where: string, signal: AbortSignal): CannotRunError {
  const reason = signal.reason as { message?: unknown } | undefined;
  return new CannotRunError(`gave up logging in to ${where}: ${typeof reason?.message === 'string' ? reason.message : String(signal.reason)}`);
}
