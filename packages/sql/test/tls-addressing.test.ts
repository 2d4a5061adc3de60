// Issue 19: how the endpoint is addressed must not change a TLS verdict. A real PostgreSQL 15 and a
// real MariaDB, both listening on 127.0.0.1 and ::1, serve a certificate whose only subject
// alternative name is IP:127.0.0.1, then IP:::1, then DNS:localhost (swapped with a reload). Every
// driver of the SQL layer (pg through fromDsn, the raw pg-wire client with the layer's TLS options,
// mysql2 through fromDsn and a pool from mysql2Options) connects by each of localhost, 127.0.0.1
// and [::1] in each TLS mode. verify-full / VERIFY_IDENTITY must pass exactly when the host the
// user gave is one the certificate names and otherwise fail with the login path's one line (exit
// 2); require and verify-ca must pass whatever the name. The refusals are the proof that the
// check can fail; the passes by IP are the proof that it checks the address the user gave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { startMariadb, startPostgres, type Endpoint } from '@helios-conformance/testbed';
import { fromDsn as fromMysqlDsn, loadMysql2, mysqlDirectOptions, parseMysqlDsn } from '../src/mysql/index.js';
import { openWireSession } from '../src/pg-wire/index.js';
import { fromDsn as fromPgDsn, parsePgDsn, pgSslOptions } from '../src/postgres/index.js';

const HOSTS = ['localhost', '127.0.0.1', '::1'] as const;
type Host = (typeof HOSTS)[number];

/** Each certificate names exactly one of the three hosts. */
const VARIANTS: ReadonlyArray<{ san: string; names: Host }> = [
  { san: 'IP:127.0.0.1', names: '127.0.0.1' },
  { san: 'IP:::1', names: '::1' },
  { san: 'DNS:localhost', names: 'localhost' },
];

const PG_MODES = ['require', 'verify-ca', 'verify-full'] as const;
const MY_MODES = ['REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;

/** What a connection attempt came to: a TLS session, a refusal for the certificate's name, or anything else (quoted). */
type Outcome = 'pass' | 'refused: certificate does not name the host' | `other: ${string}`;

/** `dsn` with another host (bracketed when IPv6) and these query parameters. */
function dsnFor(ep: Endpoint, host: Host, params: Record<string, string>): string {
  const u = new URL(ep.dsn);
  u.hostname = host.includes(':') ? `[${host}]` : host;
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

const NAME_MISMATCH = /does not match certificate's altnames|not in the cert's list|is not cert's CN/;

/**
 * Runs one attempt. A name refusal from fromDsn must be the login path's CannotRunError: one line,
 * naming the TLS verification, without the password; from a driver opened directly, Node's
 * ERR_TLS_CERT_ALTNAME_INVALID (as mysql2's HANDSHAKE_SSL_ERROR).
 */
async function attempt(password: string, f: () => Promise<void>): Promise<Outcome> {
  try {
    await f();
    return 'pass';
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    const message = String(err?.message ?? e);
    if (e instanceof CannotRunError) {
      if (message.includes('\n') || message.includes(password)) return `other: not a one-line, password-free CannotRunError: ${message}`;
      if (/^TLS verification of \S+ failed/.test(message) && NAME_MISMATCH.test(message)) return 'refused: certificate does not name the host';
    } else if ((err?.code === 'ERR_TLS_CERT_ALTNAME_INVALID' || err?.code === 'HANDSHAKE_SSL_ERROR') && NAME_MISMATCH.test(message)) {
      // Node's own code from the raw client; mysql2 re-labels the same TLS error HANDSHAKE_SSL_ERROR.
      return 'refused: certificate does not name the host';
    }
    return `other: ${String(err?.code ?? '')} ${message.split('\n')[0] ?? ''}`;
  }
}

const expected = (verifyName: boolean, host: Host, names: Host): Outcome =>
  !verifyName || host === names ? 'pass' : 'refused: certificate does not name the host';

describe('TLS verdicts do not depend on how the endpoint is addressed (localhost, 127.0.0.1, [::1])', () => {
  let pg: Endpoint | undefined;
  let my: Endpoint | undefined;
  let current: string | undefined;

  beforeAll(async () => {
    const first = VARIANTS[0]?.san ?? '';
    const started = await Promise.allSettled([
      startPostgres({ tlsSubjectAltNames: [first], ipv6: true }),
      startMariadb({ tlsSubjectAltNames: [first], ipv6: true }),
    ]);
    if (started[0].status === 'fulfilled') pg = started[0].value;
    if (started[1].status === 'fulfilled') my = started[1].value;
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    current = first;
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), my?.stop()]);
  });

  /** Makes both servers serve a certificate for `san` only (a new CA each time, written over caCertPath). */
  async function serve(san: string): Promise<void> {
    if (current === san) return;
    await Promise.all([pg?.replaceCertificate?.({ subjectAltNames: [san] }), my?.replaceCertificate?.({ subjectAltNames: [san] })]);
    current = san;
  }

  /** One attempt per driver, mode and host, all at once (each login has its own namespace; most of the time is waiting). */
  async function matrix(attempts: Array<{ key: string; want: Outcome; run: () => Promise<Outcome> }>): Promise<string[]> {
    const got = await Promise.all(attempts.map((a) => a.run()));
    // Every wrong combination, listed in full (a deep-equal diff would show only a few of them).
    return attempts.flatMap((a, i) => (got[i] === a.want ? [] : [`${a.key}: expected ${a.want}, got ${got[i]}`]));
  }

  const shown = (host: Host): string => (host.includes(':') ? `[${host}]` : host);

  function pgAttempts(ep: Endpoint, names: Host): Array<{ key: string; want: Outcome; run: () => Promise<Outcome> }> {
    return PG_MODES.flatMap((mode) =>
      HOSTS.flatMap((host) => {
        const dsn = dsnFor(ep, host, { sslmode: mode, sslrootcert: ep.caCertPath ?? '' });
        const want = expected(mode === 'verify-full', host, names);
        const where = `sslmode=${mode} host=${shown(host)}`;
        return [
          {
            key: `pg (fromDsn) ${where}`,
            want,
            run: () =>
              attempt(ep.password, async () => {
                const session = await fromPgDsn(dsn, { timeoutMs: 5_000 });
                try {
                  if (!session.target.tls) throw new Error('logged in without TLS');
                } finally {
                  await session.close();
                }
              }),
          },
          {
            key: `pg-wire ${where}`,
            want,
            run: () =>
              attempt(ep.password, async () => {
                // The raw client with exactly the TLS options the layer builds for this DSN.
                const p = parsePgDsn(dsn);
                const { conn } = await openWireSession({ ...p, ssl: await pgSslOptions(p) }, { timeoutMs: 5_000 });
                try {
                  if (!conn.tlsProtocol) throw new Error('logged in without TLS');
                } finally {
                  conn.close();
                }
              }),
          },
        ];
      }),
    );
  }

  function mysqlAttempts(ep: Endpoint, names: Host): Array<{ key: string; want: Outcome; run: () => Promise<Outcome> }> {
    return MY_MODES.flatMap((mode) =>
      HOSTS.flatMap((host) => {
        const dsn = dsnFor(ep, host, { 'ssl-mode': mode, 'ssl-ca': ep.caCertPath ?? '' });
        // A direct connection with the layer's options (as the ha-dr suite opens one per node): the same check.
        const direct = {
          key: `mysql2 (mysqlDirectOptions) ssl-mode=${mode} host=${shown(host)}`,
          want: expected(mode === 'VERIFY_IDENTITY', host, names),
          run: () =>
            attempt(ep.password, async () => {
              const mysql = await loadMysql2();
              const c = await mysql.createConnection(await mysqlDirectOptions(parseMysqlDsn(dsn), 5_000));
              try {
                const [rows] = await c.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
                if (!(rows as Array<{ Value: string }>)[0]?.Value) throw new Error('direct connection without TLS');
              } finally {
                c.destroy();
              }
            }),
        };
        return [direct, {
          key: `mysql2 (fromDsn) ssl-mode=${mode} host=${shown(host)}`,
          want: expected(mode === 'VERIFY_IDENTITY', host, names),
          run: () =>
            attempt(ep.password, async () => {
              const session = await fromMysqlDsn(dsn, { timeoutMs: 5_000 });
              try {
                if (!session.capabilities.includes('tls')) throw new Error('logged in without TLS');
                // Pools and query builders get their options from mysql2Options(): the same check must hold there.
                const mysql = await loadMysql2();
                const pool = mysql.createPool({ ...session.target.mysql2Options(), connectionLimit: 1 });
                try {
                  const c = await pool.getConnection();
                  try {
                    const [rows] = await c.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
                    if (!(rows as Array<{ Value: string }>)[0]?.Value) throw new Error('pool connection without TLS');
                  } finally {
                    c.release();
                  }
                } finally {
                  await pool.end();
                }
              } finally {
                await session.close();
              }
            }),
        }];
      }),
    );
  }

  it.each(VARIANTS)('certificate with SAN $san only: PostgreSQL (pg, pg-wire) and MariaDB (mysql2)', async ({ san, names }) => {
    if (!pg || !my) throw new Error('servers did not start');
    await serve(san);
    const attempts = [...pgAttempts(pg, names), ...mysqlAttempts(my, names)];
    // pg and pg-wire in three sslmodes, mysql2 (fromDsn and direct) in three ssl-modes, each by three hosts.
    expect(attempts).toHaveLength(2 * 3 * 3 + 2 * 3 * 3);
    expect(await matrix(attempts)).toEqual([]);
  });

  it('names what to fix when the certificate does not name the host', async () => {
    if (!pg || !my) throw new Error('servers did not start');
    await serve('DNS:localhost');
    const lineOf = async (p: Promise<unknown>): Promise<string> => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(CannotRunError);
      return (e as Error).message;
    };
    const pgLine = await lineOf(fromPgDsn(dsnFor(pg, '127.0.0.1', { sslmode: 'verify-full', sslrootcert: pg.caCertPath ?? '' })));
    expect(pgLine).toMatch(
      new RegExp(`^TLS verification of 127\\.0\\.0\\.1:${pg.port} failed: the server certificate does not name the host 127\\.0\\.0\\.1 \\(.+\\); connect by a host name or address the certificate names, or use sslmode=verify-ca$`),
    );
    const myLine = await lineOf(fromMysqlDsn(dsnFor(my, '::1', { 'ssl-mode': 'VERIFY_IDENTITY', 'ssl-ca': my.caCertPath ?? '' })));
    expect(myLine).toMatch(
      new RegExp(`^TLS verification of \\[::1\\]:${my.port} failed: the server certificate does not name the host ::1 \\(.+\\); connect by a host name or address the certificate names, or use ssl-mode=VERIFY_CA$`),
    );
  });
});
