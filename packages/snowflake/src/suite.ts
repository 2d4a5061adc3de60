import { randomBytes, randomUUID } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { CannotRunError, defineSuite, type OpenOptions, type Report, type Suite, type SuiteSession } from '@helios-conformance/core';
import pkg from '../package.json' with { type: 'json' };
import { snowflakeCases } from './cases/index.js';
import { codeOf, destroy } from './_internal/case-kit.js';
import { connectionOptions, loadSnowflake, type SfConnection, type SfError } from './_internal/driver.js';
import { parseSnowflakeDsn, SNOWFLAKE_DSN_EXAMPLE, type SnowflakeDsn } from './_internal/dsn.js';
import { tlsHandshake } from './_internal/tls.js';
import { REFERENCE_LABEL } from './reference/endpoint.js';
import type { SnowflakeTarget } from './target.js';

/** Version of this package (from its package.json). */
export const SNOWFLAKE_SUITE_VERSION: string = pkg.version;

/** Resolves when something accepts a TCP connection at host:port within `ms`; else a CannotRunError. */
function reachable(host: string, port: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new CannotRunError(`nothing answered at ${host}:${port} within ${ms} ms: check the host and port of --dsn`));
    }, ms);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve();
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      reject(new CannotRunError(e.code === 'ECONNREFUSED' ? `nothing is listening at ${host}:${port}: check the host and port of --dsn` : `cannot reach ${host}:${port} (${e.code ?? e.message}): check the host of --dsn`));
    });
  });
}

/**
 * For protocol=https, one handshake before the driver's login: a certificate the driver would
 * refuse ends the run with exit 2 and one line saying why. It is no verdict on the endpoint: the
 * trust (ca=FILE, the host name in --dsn) is the user's to give, and no case can run without it.
 */
async function checkTls(d: SnowflakeDsn, ms: number): Promise<void> {
  if (d.protocol !== 'https') return;
  const at = `${d.host}:${d.port}`;
  const h = await tlsHandshake(d.host, d.port, { ca: d.ca, timeoutMs: ms });
  if (!h.ok) throw new CannotRunError(`no TLS handshake with ${at} (${h.error}): is protocol=https right (protocol=http for a plain-HTTP endpoint)?`);
  if (h.authorized) return;
  if (h.identityError) {
    throw new CannotRunError(`TLS: the certificate of ${at} does not name host "${d.host}" (it names ${h.names ?? 'nothing'}), so snowflake-sdk refuses it: use a host name the certificate names in --dsn, or fix the certificate`);
  }
  const trust = d.caFile ? `neither ca=${d.caFile} nor Node's roots` : d.ca ? "neither the reference endpoint's throwaway CA nor Node's roots" : "none of Node's roots (no ca=FILE in --dsn)";
  throw new CannotRunError(`TLS: the certificate of ${at} (issuer ${h.issuer ?? 'unknown'}) verifies against ${trust} (${h.authorizationError ?? 'not trusted'}), so snowflake-sdk refuses it: pass the endpoint's CA with ca=FILE in --dsn`);
}

/** SF-015 waits out a session token valid at most this long by default (seconds). */
const DEFAULT_MAX_TOKEN_WAIT_S = 15;

/**
 * The session token validity of the embedded reference endpoint (seconds): short, so that a run
 * without --dsn judges SF-015 (the run's own session, open throughout, renews its token too). Long
 * enough that SF-010's status polls, about 2 s after its login on a quiet machine (twice that
 * under load), end well before its token expires:
 * snowflake-sdk 3.x's getQueryStatus and getResultsFromQueryId do not renew an expired token (they
 * surface 390112).
 */
const EMBEDDED_TOKEN_VALIDITY_S = 8;

/** `--max-token-wait-s N` (N seconds, 0 or more). */
function parseMaxTokenWait(v: string | boolean | undefined): number {
  if (v === undefined) return DEFAULT_MAX_TOKEN_WAIT_S;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new CannotRunError(`--max-token-wait-s must be a number of seconds (0 or more), got "${String(v)}"`);
  return n;
}

/** Logs in with snowflake-sdk, within `ms`. */
async function login(options: Record<string, unknown>, ms: number): Promise<SfConnection> {
  const sdk = await loadSnowflake();
  const conn = sdk.createConnection(options);
  return new Promise<SfConnection>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer to the login within ${ms} ms`)), ms);
    conn.connect((err) => {
      clearTimeout(t);
      if (err) reject(err);
      else resolve(conn);
    });
  });
}

/** One statement on an admin connection, as a promise. */
function run(conn: SfConnection, sqlText: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    conn.execute({ sqlText, complete: (err, _s, rows) => (err ? reject(err) : resolve(rows ?? [])) });
  });
}

/** The exit-2 line for a failed login: what the endpoint said, in the driver's terms. */
function loginError(e: unknown, d: SnowflakeDsn): CannotRunError {
  const err = e as SfError;
  const code = codeOf(err);
  if (code === '390100') return new CannotRunError(`login refused for user "${d.user}" (390100: ${err.message}): check the user and password of --dsn`);
  const what = err?.message ?? String(e);
  // An HTTP status other than 200 means something answered that is not a Snowflake login endpoint.
  const status = (err?.response as { statusCode?: number; status?: number } | undefined)?.statusCode ?? (err?.response as { status?: number } | undefined)?.status;
  const http = status ? `; HTTP ${status} from the login URL /session/v1/login-request: is this a Snowflake-protocol endpoint, and is protocol=${d.protocol} right?` : '';
  return new CannotRunError(`could not log in at ${d.protocol}://${d.host}:${d.port} with snowflake-sdk: ${what.split('\n')[0]}${code ? ` (${code})` : ''}${http}`);
}

/** The run's schema: `HC_` and eight hex digits (upper case: an unquoted Snowflake name). */
function runSchema(): { runId: string; schema: string } {
  const runId = randomBytes(4).toString('hex');
  return { runId, schema: `HC_${runId.toUpperCase()}` };
}

/** Opens a run on an endpoint reached by a snowflake:// DSN: login, server version, the run's schema. */
async function openDsn(
  dsnText: string,
  o: OpenOptions,
  maxTokenWaitS: number,
  extra: { reference?: boolean; close?: () => Promise<void>; secrets?: string[]; ca?: string } = {},
): Promise<SuiteSession<SnowflakeTarget>> {
  const parsed = parseSnowflakeDsn(dsnText);
  const d: SnowflakeDsn = extra.ca ? { ...parsed, ca: extra.ca, caFile: undefined } : parsed;
  await reachable(d.host, d.port, Math.min(3_000, o.timeoutMs));
  await checkTls(d, Math.min(3_000, o.timeoutMs));
  const budget = Math.max(2_000, Math.min(o.timeoutMs, 9_000));
  let admin: SfConnection;
  try {
    admin = await login(connectionOptions(d), budget);
  } catch (e) {
    throw loginError(e, d);
  }
  const { runId, schema } = runSchema();
  try {
    const [v] = await run(admin, 'SELECT CURRENT_VERSION() AS V');
    const version = String(v?.V ?? 'unknown');
    // The label follows what the endpoint says it is; a verdict never does.
    const reference = extra.reference === true || version.includes('reference endpoint');
    await run(admin, `CREATE SCHEMA IF NOT EXISTS ${schema}`);
    const target: SnowflakeTarget = {
      runId,
      schema,
      dsn: d,
      reference,
      maxTokenWaitS,
      connect: (overrides = {}) => login({ ...connectionOptions(d, schema), ...overrides }, Math.max(5_000, budget)),
    };
    const drop = `DROP SCHEMA IF EXISTS ${schema} CASCADE`;
    /** Drops the run's schema; through a new login when the admin session is gone (its token could not be renewed). */
    const dropSchema = async (): Promise<void> => {
      try {
        await run(admin, drop);
      } catch (e) {
        if (admin.isUp() && !/^390\d{3}$/.test(codeOf(e as SfError) ?? '')) throw e;
        const again = await login(connectionOptions(d), budget);
        try {
          await run(again, drop);
        } finally {
          await destroy(again);
        }
      }
    };
    let closed: Promise<void> | undefined;
    return {
      target,
      server: reference ? `Snowflake protocol ${version}` : `Snowflake ${version}`,
      secrets: [d.password, ...(extra.secrets ?? [])],
      namespace: `schema ${schema}`,
      capabilities: reference ? ['reference-endpoint'] : [],
      sections: () => ({ endpoint: { reference, ...(reference ? { label: REFERENCE_LABEL } : {}), server: version, schema } }),
      close() {
        closed ??= (async () => {
          try {
            // A dead endpoint must not keep the embedded one (and its PGlite child) running.
            await Promise.race([dropSchema(), new Promise((_r, reject) => setTimeout(() => reject(new Error(`dropping ${schema}: no answer within 10 s`)), 10_000).unref())]);
          } finally {
            await destroy(admin);
            await extra.close?.();
          }
        })();
        return closed;
      },
    };
  } catch (e) {
    await destroy(admin);
    throw e;
  }
}

/**
 * The suite's `open()`: with a DSN, that endpoint; without one, the package's protocol reference
 * endpoint on an embedded PGlite (a child process), both stopped again by `close()`.
 */
export async function openSnowflake(o: OpenOptions): Promise<SuiteSession<SnowflakeTarget>> {
  // A bad option ends the run before an embedded endpoint is started for it.
  const maxTokenWaitS = parseMaxTokenWait(o.options['max-token-wait-s']);
  if (o.dsn !== undefined) return openDsn(o.dsn, o, maxTokenWaitS);
  o.log(`no --dsn: running against the ${REFERENCE_LABEL} (snowflake-sdk → local REST/JSON server over HTTPS with a throwaway CA → embedded PGlite in a child process)`);
  const { startPglite, generateTlsMaterial } = await import('@helios-conformance/testbed');
  const { startReferenceEndpoint } = await import('./reference/endpoint.js');
  const pglite = await startPglite({ maxConnections: 4, startTimeoutMs: Math.max(5_000, o.timeoutMs), onProgress: o.log, password: randomUUID() });
  const password = randomUUID();
  let endpoint;
  let ca: string;
  try {
    // HTTPS as Snowflake serves it; the CA lives for this run only and is trusted by this run only.
    const tls = await generateTlsMaterial('ecdsa', 'helios-conformance snowflake reference endpoint');
    ca = tls.caCertPem;
    endpoint = await startReferenceEndpoint({ backendDsn: pglite.dsn, user: 'helios', password, tls: { cert: tls.serverCertPem, key: tls.serverKeyPem }, sessionTokenValiditySeconds: EMBEDDED_TOKEN_VALIDITY_S });
  } catch (e) {
    await pglite.stop();
    throw new CannotRunError(`could not start the reference endpoint: ${(e as Error).message}`);
  }
  const ref = endpoint;
  const stopAll = async (): Promise<void> => {
    await ref.stop();
    await pglite.stop();
  };
  try {
    const session = await openDsn(ref.dsn(), o, maxTokenWaitS, { reference: true, close: stopAll, secrets: [password], ca });
    return { ...session, dsn: ref.dsn() };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Console lines after the summary: the label of a run against the reference endpoint. */
function renderConsole(report: Report): string {
  const endpoint = (report.sections as { endpoint?: { reference?: boolean } }).endpoint;
  return endpoint?.reference ? `NOTE: ${REFERENCE_LABEL}: these verdicts show that the suite drives snowflake-sdk end to end against a local stand-in; they say nothing about Snowflake itself.` : '';
}

/** HTML for the report's suite slot: the same label. */
function renderHtml(report: Report): string {
  const endpoint = (report.sections as { endpoint?: { reference?: boolean } }).endpoint;
  return endpoint?.reference ? `<p class="warning"><strong>${REFERENCE_LABEL}</strong>: the endpoint was the package's local stand-in (snowflake-sdk → REST/JSON reference server → PostgreSQL-wire backend); no verdict here was observed on Snowflake.</p>` : '';
}

/** Is this error a lost connection (the driver's network error), for the runner's liveness probe? */
function isConnectionLoss(e: unknown): boolean {
  const err = e as SfError;
  const code = (err?.cause as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT';
}

/** The Snowflake conformance suite: the catalog plus how to open an endpoint. */
export const snowflakeSuite: Suite<SnowflakeTarget> = defineSuite<SnowflakeTarget>({
  name: pkg.name,
  version: pkg.version,
  description: 'Snowflake REST/JSON protocol conformance, driven by snowflake-sdk (Silver)',
  bin: 'helios-snowflake',
  seedTier: 'silver',
  ecosystem: 'Snowflake',
  idPrefixes: ['SF-'],
  cases: [...snowflakeCases],
  defaultTimeoutMs: 30_000,
  dsnExample: SNOWFLAKE_DSN_EXAMPLE,
  defaultTarget: `${REFERENCE_LABEL} (embedded: a local REST/JSON server on PGlite)`,
  // An answer from the endpoint that the driver turned into an error with a SQLSTATE is the endpoint
  // refusing what the case asked: fail. A network error, a timeout or a harness bug stays an error.
  classifyError: (e) => (typeof (e as SfError)?.sqlState === 'string' || (e as SfError)?.name === 'OperationFailedError' ? 'fail' : 'error'),
  isConnectionLoss,
  renderConsole,
  renderHtml,
  cliOptions: {
    'max-token-wait-s': {
      type: 'string',
      valueName: 'N',
      description: `SF-015 waits out the session token validity the endpoint declares at login when it is at most N seconds (default ${DEFAULT_MAX_TOKEN_WAIT_S}); a longer one makes SF-015 n/a (Snowflake's is 3600: raise N and --timeout-ms to judge it)`,
    },
  },
  open: openSnowflake,
});
