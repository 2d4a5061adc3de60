import { randomBytes } from 'node:crypto';
import { CannotRunError, defineSuite, type OpenOptions, type Report, type SuiteSession, type Suite } from '@helios-conformance/core';
import pkg from '../package.json' with { type: 'json' };
import { databricksCases } from './cases/index.js';
import { DATABRICKS_DSN_EXAMPLE, parseDatabricksDsn, type DatabricksDsn } from './dsn.js';
import { REFERENCE_DBMS_NAME, startReferenceEndpoint, type ReferenceEndpoint } from './endpoint/server.js';
import { connectDriver, loadDriver, openError, within, type DbxConnection, type DbxTarget } from './target.js';

/** Version of this package (from package.json). */
export const DATABRICKS_SUITE_VERSION: string = pkg.version;

/** How every run against the protocol reference endpoint is labelled (console, JSON, HTML, README). */
export const REFERENCE_LABEL = 'protocol reference endpoint, not verified against Databricks';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Opens the run's session on an endpoint given by its parsed DSN (and an in-memory CA). */
async function openOn(dsn: DatabricksDsn, dsnText: string, o: OpenOptions, ca: string | undefined, release: () => Promise<void>): Promise<SuiteSession<DbxTarget>> {
  const driver = loadDriver();
  const timeoutMs = Math.min(o.timeoutMs, 15_000);
  const secrets = [dsn.token];
  const target = { dsn: ca ? { ...dsn, ca } : dsn };
  let conn: DbxConnection;
  try {
    conn = await connectDriver(driver, target.dsn, { timeoutMs });
  } catch (e) {
    await release();
    throw openError(e, dsn);
  }
  try {
    // Labelling only, never a verdict: a --dsn that reaches the reference endpoint is labelled too.
    let dbms = 'Databricks SQL endpoint (GetInfo CLI_DBMS_NAME unanswered)';
    try {
      const info = await within(conn.session.getInfo(driver.thrift.TCLIService_types.TGetInfoType.CLI_DBMS_NAME), timeoutMs, 'GetInfo');
      dbms = String(info.getValue());
    } catch {
      // Optional for the suite: the server string only names the endpoint.
    }
    const reference = dbms === REFERENCE_DBMS_NAME;
    const runId = randomBytes(4).toString('hex');
    const schema = `hc_${runId}`;
    const exec = async (sql: string): Promise<void> => {
      const op = await within(conn.session.executeStatement(sql), timeoutMs, sql);
      await within(op.fetchAll(), timeoutMs, sql);
      await within(op.close(), 3_000, 'CloseOperation').catch(() => undefined);
    };
    await exec(`CREATE SCHEMA ${schema}`);
    o.log(`run schema ${schema}`);
    let closed = false;
    const dbxTarget: DbxTarget = {
      dsn: target.dsn,
      schema,
      session: conn.session,
      driver,
      reference,
      connect: (c = {}) => connectDriver(driver, target.dsn, { timeoutMs: c.timeoutMs ?? timeoutMs, ...(c.token !== undefined ? { token: c.token } : {}), ...(c.configuration ? { configuration: c.configuration } : {}) }),
    };
    return {
      target: dbxTarget,
      server: reference ? `${dbms} (${REFERENCE_LABEL})` : dbms,
      dsn: dsnText,
      secrets,
      namespace: `schema ${schema}`,
      sections: () => ({ endpoint: { dbmsName: dbms, reference, ...(reference ? { label: REFERENCE_LABEL } : {}) } }),
      async close() {
        if (closed) return;
        closed = true;
        await exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((e: Error) => o.log(`could not drop schema ${schema}: ${e.message}`));
        await conn.close();
        await release();
      },
    };
  } catch (e) {
    await conn.close();
    await release();
    if (e instanceof CannotRunError) throw e;
    throw new CannotRunError(`the session opened but the run schema could not be created: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The suite's `open()`: a `--dsn`, or without one the protocol reference endpoint on an embedded PGlite. */
export async function openDatabricks(o: OpenOptions): Promise<SuiteSession<DbxTarget>> {
  if (o.dsn !== undefined) return openOn(parseDatabricksDsn(o.dsn), o.dsn, o, undefined, async () => undefined);
  o.log(`no --dsn: starting the ${REFERENCE_LABEL} (Thrift over HTTPS on 127.0.0.1, SQL on an embedded PGlite in a child process)`);
  const { startPglite, generateTlsMaterial } = await import('@helios-conformance/testbed');
  const pglite = await startPglite({ maxConnections: 8, startTimeoutMs: Math.max(5_000, o.timeoutMs), onProgress: o.log });
  let endpoint: ReferenceEndpoint | undefined;
  const release = async (): Promise<void> => {
    await endpoint?.stop();
    await pglite.stop();
  };
  try {
    const tls = await generateTlsMaterial('ecdsa');
    const token = `hc-${randomBytes(16).toString('hex')}`;
    endpoint = await startReferenceEndpoint({ backendDsn: pglite.dsn, token, tls: { cert: tls.serverCertPem, key: tls.serverKeyPem } });
    const dsnText = `databricks://token:${token}@127.0.0.1:${endpoint.port}${endpoint.path}`;
    return await openOn(parseDatabricksDsn(dsnText), dsnText, o, tls.caCertPem, release);
  } catch (e) {
    await release().catch(() => undefined);
    throw e;
  }
}

/** The console note of a run against the reference endpoint. */
export function renderDatabricksConsole(report: Report): string {
  const e = (report.sections as Record<string, any>).endpoint;
  return e?.reference ? `NOTE: ${REFERENCE_LABEL}: these verdicts show the suite driving @databricks/sql end to end; they say nothing about Databricks itself.` : '';
}

/** The HTML note of a run against the reference endpoint. */
export function renderDatabricksHtml(report: Report): string {
  const e = (report.sections as Record<string, any>).endpoint;
  if (!e) return '';
  return `<section class="endpoint"><h2>Endpoint</h2><p>${esc(String(e.dbmsName ?? ''))}</p>${e.reference ? `<p><strong>${esc(REFERENCE_LABEL)}</strong>: these verdicts show the suite driving @databricks/sql end to end; they say nothing about Databricks itself.</p>` : ''}</section>`;
}

/** Decides whether an error thrown by a case is the endpoint's answer (fail) or the harness's (error). */
export function classifyDatabricksError(e: unknown): 'fail' | 'error' {
  const err = e as { code?: string; name?: string; constructor?: { name?: string }; statusCode?: number; errorCode?: string };
  if (err?.code === 'HC_TIMEOUT' || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(String(err?.code))) return 'error';
  if (err?.name === 'Status Error' || err?.errorCode !== undefined || err?.statusCode !== undefined || err?.constructor?.name === 'OperationStateError') return 'fail';
  return 'error';
}

/** The Databricks SQL conformance suite: the catalog plus how to open an endpoint. */
export const databricksSuite: Suite<DbxTarget> = defineSuite<DbxTarget>({
  name: pkg.name,
  version: pkg.version,
  description: 'Databricks SQL (Thrift TCLIService over HTTP) conformance with the official @databricks/sql driver (Silver)',
  bin: 'helios-databricks',
  seedTier: 'silver',
  ecosystem: 'Databricks SQL',
  idPrefixes: ['DB-'],
  cases: [...databricksCases],
  defaultTimeoutMs: 20_000,
  dsnExample: DATABRICKS_DSN_EXAMPLE,
  defaultTarget: `${REFERENCE_LABEL}: Thrift over HTTPS on 127.0.0.1 executing on an embedded PGlite`,
  classifyError: classifyDatabricksError,
  renderConsole: renderDatabricksConsole,
  renderHtml: renderDatabricksHtml,
  open: openDatabricks,
});
