// Issue 19, the suite's side: PG-006 (postgres.js), PG-020 and PG-021 run
// through the public runner against a real PostgreSQL 15 on 127.0.0.1 and ::1 whose certificate
// names only IP:127.0.0.1, then only IP:::1, then only DNS:localhost, addressed as localhost,
// 127.0.0.1 and [::1] in each sslmode. A run opens exactly when sslmode=verify-full is not asked or
// the certificate names the host the DSN gave; then PG-006 and PG-020 pass, and PG-021 (which
// always verifies the name against the DSN's sslrootcert) passes exactly when the name matches.
// postgres.js is also run on its own with PG-006's option building over the SQL layer's TLS
// options, so that its refusal of a wrong name is seen too (a run never gets that far: the login
// refuses first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannotRunError, runSuite } from '@helios-conformance/core';
import { parsePgDsn, pgSslOptions } from '@helios-conformance/sql/postgres';
import { startPostgres, type Endpoint } from '@helios-conformance/testbed';
import { loadPostgresJs, postgresJsOptions } from '../src/_internal/drivers.js';
import { postgresSuite } from '../src/index.js';

const HOSTS = ['localhost', '127.0.0.1', '::1'] as const;
type Host = (typeof HOSTS)[number];
const VARIANTS: ReadonlyArray<{ san: string; names: Host }> = [
  { san: 'IP:127.0.0.1', names: '127.0.0.1' },
  { san: 'IP:::1', names: '::1' },
  { san: 'DNS:localhost', names: 'localhost' },
];
const MODES = ['require', 'verify-ca', 'verify-full'] as const;
const CASES = ['PG-006', 'PG-020', 'PG-021'];
const NAME_MISMATCH = /does not match certificate's altnames|not in the cert's list|is not cert's CN/;
const REFUSED = 'refused: certificate does not name the host';

function dsnFor(ep: Endpoint, host: Host, mode: string): string {
  const u = new URL(ep.dsn);
  u.hostname = host.includes(':') ? `[${host}]` : host;
  u.searchParams.set('sslmode', mode);
  u.searchParams.set('sslrootcert', ep.caCertPath ?? '');
  return u.toString();
}

describe('the suite judges TLS the same whether the endpoint is addressed as localhost, 127.0.0.1 or [::1]', () => {
  let pg: Endpoint | undefined;
  let current: string | undefined;
  beforeAll(async () => {
    current = VARIANTS[0]?.san ?? '';
    pg = await startPostgres({ tlsSubjectAltNames: [current], ipv6: true });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  /** PG-006, PG-020 and PG-021 through the runner: each case's status, or the run's refusal. */
  async function suiteOutcome(dsn: string, password: string): Promise<string> {
    try {
      const report = await runSuite(postgresSuite, { dsn, only: CASES, seed: 42, openTimeoutMs: 10_000 });
      return report.results.map((r) => `${r.id} ${r.status}${r.status === 'pass' ? '' : `: ${r.message ?? ''}`}`).join('; ');
    } catch (e) {
      const message = (e as Error).message;
      if (e instanceof CannotRunError && !message.includes('\n') && !message.includes(password) && /^TLS verification of \S+ failed/.test(message) && NAME_MISMATCH.test(message)) {
        return REFUSED;
      }
      return `could not run: ${message}`;
    }
  }

  /** postgres.js alone, with PG-006's options over the SQL layer's TLS options for this DSN. */
  async function postgresJsOutcome(dsn: string): Promise<string> {
    const postgres = await loadPostgresJs();
    const p = parsePgDsn(dsn);
    const conn = { ...p, ssl: await pgSslOptions(p), connectTimeoutMs: 5_000, applicationName: 'hc-i19' };
    const sql = postgres(postgresJsOptions(conn, 'hc-i19'));
    try {
      const [row] = await sql<{ ssl: boolean }[]>`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
      return row?.ssl === true ? 'pass' : 'pass without TLS';
    } catch (e) {
      const err = e as { code?: unknown; message?: unknown };
      return err?.code === 'ERR_TLS_CERT_ALTNAME_INVALID' && NAME_MISMATCH.test(String(err.message)) ? REFUSED : `other: ${String(err?.code ?? '')} ${String(err?.message ?? e)}`;
    } finally {
      await sql.end({ timeout: 2 });
    }
  }

  it.each(VARIANTS)('certificate with SAN $san only', async ({ san, names }) => {
    const ep = pg;
    if (!ep) throw new Error('the server did not start');
    if (current !== san) {
      await ep.replaceCertificate?.({ subjectAltNames: [san] });
      current = san;
    }
    // The nine combinations at once: each run has its own namespace, and most of the time is waiting.
    const wrong = (
      await Promise.all(
        MODES.flatMap((mode) =>
          HOSTS.map(async (host) => {
            const dsn = dsnFor(ep, host, mode);
            const where = `sslmode=${mode} host=${host.includes(':') ? `[${host}]` : host}`;
            const named = host === names;
            const pg021 = named ? 'PG-021 pass' : `PG-021 fail: verify-full of ${host} against ${ep.caCertPath ?? ''} failed: ERR_TLS_CERT_ALTNAME_INVALID`;
            const wantSuite = mode === 'verify-full' && !named ? REFUSED : `PG-006 pass; PG-020 pass; ${pg021}`;
            const wantJs = mode === 'verify-full' && !named ? REFUSED : 'pass';
            const [gotSuite, gotJs] = await Promise.all([suiteOutcome(dsn, ep.password), postgresJsOutcome(dsn)]);
            return [
              // PG-021's message goes on with Node's own words; the code is what names the reason.
              ...(gotSuite.startsWith(wantSuite) ? [] : [`suite ${where}: expected ${wantSuite}, got ${gotSuite}`]),
              ...(gotJs === wantJs ? [] : [`postgres.js (PG-006 options) ${where}: expected ${wantJs}, got ${gotJs}`]),
            ];
          }),
        ),
      )
    ).flat();
    expect(wrong).toEqual([]);
  });
});
