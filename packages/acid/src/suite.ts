import { fileURLToPath } from 'node:url';
import { CannotRunError, defineSuite, type OpenOptions, type Suite, type SuiteSession } from '@helios-conformance/core';
import { openOnOwnedServer, openSqlEndpoint, type OwnedServer, type ServerControl, type SqlEndpoint, type SqlSession } from '@helios-conformance/sql';
import { classifyMysqlError } from '@helios-conformance/sql/mysql';
import { classifyPgError } from '@helios-conformance/sql/postgres';
import pkg from '../package.json' with { type: 'json' };
import { renderWorkloadConsole, renderWorkloadHtml } from './_internal/render.js';
import { setHistoryDir } from './_internal/history-dir.js';
import { acidCases } from './cases/index.js';
import { DEFAULT_BLOCK_AFTER_MS, renderMatrixConsole, renderMatrixHtml } from './matrix/index.js';
import type { AcidSize, AcidTarget } from './target.js';

/** Version of this package (read from package.json). */
export const ACID_SUITE_VERSION: string = pkg.version;

/** Which server `--testbed` starts. */
export type TestbedKind = 'postgres' | 'mariadb';

function parseSize(v: string | boolean | undefined): AcidSize {
  if (v === undefined || v === false) return 'ci';
  if (v === 'ci' || v === 'full') return v;
  throw new CannotRunError(`--size must be ci or full, not ${JSON.stringify(v)}`);
}

function parseBlockAfter(v: string | boolean | undefined): number {
  if (v === undefined || v === false) return DEFAULT_BLOCK_AFTER_MS;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < 50 || n > 600_000) throw new CannotRunError('--block-after-ms must be a whole number of milliseconds from 50 to 600000');
  return n;
}

function parseTestbed(v: string | boolean | undefined): TestbedKind | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === 'postgres' || v === 'mariadb') return v;
  throw new CannotRunError(`--testbed must be postgres or mariadb, not ${JSON.stringify(v)}`);
}

/** An open acid run: the target plus what the report needs. */
export interface AcidSession extends SuiteSession<AcidTarget> {
  target: AcidTarget;
}

/** The server `--testbed` (or the embedded default) starts: a testbed endpoint with crash/restart. */
type TestbedServer = OwnedServer & Partial<ServerControl>;

async function startTestbed(kind: TestbedKind, log: (m: string) => void): Promise<TestbedServer> {
  log(`starting a testbed ${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'} server`);
  const tb = await import('@helios-conformance/testbed');
  try {
    return kind === 'postgres' ? await tb.startPostgres({ tls: false }) : await tb.startMariadb({ tls: false, install: false });
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new CannotRunError(`could not start the testbed ${kind} server (${first}); pass --dsn to judge an existing endpoint`);
  }
}

/**
 * Server settings that change what an isolation level does, as capabilities: they pick which
 * shipped expectations describe the endpoint (MariaDB's `innodb_snapshot_isolation=ON` makes
 * REPEATABLE READ abort lost updates, so the file observed with it OFF does not apply).
 */
async function settingCapabilities(endpoint: SqlEndpoint, signal: AbortSignal | undefined): Promise<string[]> {
  if (endpoint.dialect !== 'mysql') return [];
  let s: SqlSession | undefined;
  try {
    s = await endpoint.open(signal);
    const r = await s.query('SELECT @@innodb_snapshot_isolation AS si', [], signal);
    return Number(r.rows[0]?.si) === 1 ? ['innodb-snapshot-isolation'] : [];
  } catch {
    // A server without the variable (MySQL, MariaDB before 10.6.18) has no such mode; a session
    // that cannot open here fails the first case instead, with its own message.
    return [];
  } finally {
    await s?.close();
  }
}

/** Opens the run's endpoint on `dsn`; `server` is there only when the run started that server itself. */
async function openOnDsn(dsn: string, o: OpenOptions, settings: Omit<AcidTarget, 'endpoint' | 'server' | 'sections'>, historyDir: string | undefined, server?: ServerControl): Promise<AcidSession> {
  const endpoint = await openSqlEndpoint(dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log });
  const target: AcidTarget = { endpoint, server, ...settings, sections: {} };
  setHistoryDir(target, historyDir);
  return {
    target,
    capabilities: await settingCapabilities(endpoint, o.signal),
    server: endpoint.server,
    dsn,
    // The runner's liveness probe (a fresh session and SELECT 1) and what to name if cleanup fails.
    probe: (signal) => endpoint.probe(signal),
    namespace: `${endpoint.dialect === 'postgres' ? 'schema' : 'database'} ${endpoint.namespace}`,
    sections: () => target.sections,
    close: () => endpoint.close(),
  };
}

/**
 * Opens the acid suite's target: `--dsn postgres://…|mysql://…` through the SQL layer's
 * `openSqlEndpoint`; without a DSN (or with `--testbed postgres|mariadb`) a throwaway server from
 * the testbed, whose crash/restart control makes the durability case possible.
 */
export async function openAcid(o: OpenOptions): Promise<AcidSession> {
  const settings = { size: parseSize(o.options.size), blockAfterMs: parseBlockAfter(o.options['block-after-ms']) };
  const historyDir = typeof o.options['history-dir'] === 'string' ? o.options['history-dir'] : undefined;
  const testbed = parseTestbed(o.options.testbed);
  if (o.dsn !== undefined && testbed) throw new CannotRunError('pass either --dsn or --testbed, not both');
  if (o.dsn !== undefined) return openOnDsn(o.dsn, o, settings, historyDir);

  return openOnOwnedServer(
    () => startTestbed(testbed ?? 'postgres', o.log),
    (dsn, server) => {
      const s = server as TestbedServer;
      const control = s.crash && s.restart ? { crash: s.crash.bind(s), restart: s.restart.bind(s) } : undefined;
      return openOnDsn(dsn, o, settings, historyDir, control);
    },
  );
}

/** The acid suite: the scripted isolation matrix (AC-001…) and the workload cases (AC-100…AC-130). */
export const acidSuite: Suite<AcidTarget> = defineSuite<AcidTarget>({
  name: pkg.name,
  version: pkg.version,
  description: 'Isolation anomalies, list-append history checking, bank invariant, atomicity and durability over PostgreSQL and MySQL endpoints',
  bin: 'helios-acid',
  // Isolation and durability cut across the seed's ecosystems; it ranks none of this suite's own.
  seedTier: null,
  ecosystem: 'transaction isolation and durability',
  idPrefixes: ['AC-'],
  cases: acidCases,
  defaultTimeoutMs: 60_000,
  dsnExample: 'postgres://user:password@host:5432/db or mysql://user:password@host:3306/db',
  defaultTarget: 'a throwaway PostgreSQL 15 started by the testbed (--testbed mariadb for MariaDB)',
  // Shipped next to dist/ ("files"), so they resolve the same from the tarball. Chosen by what the
  // opened endpoint reports (testbed or --dsn alike): PostgreSQL 15 and MariaDB 10.11 are where
  // these files were observed. PGlite calls itself "PostgreSQL 18.6 (PGlite …)" and gets neither.
  shippedExpectations: [
    { file: fileURLToPath(new URL('../expectations/postgresql-15.json', import.meta.url)), describes: 'PostgreSQL 15.x', matches: /^PostgreSQL 15\.\d+(?!.*PGlite)/ },
    {
      file: fileURLToPath(new URL('../expectations/mariadb-10.11.json', import.meta.url)),
      describes: 'MariaDB 10.11.x with innodb_snapshot_isolation OFF (its default)',
      matches: (fp) => fp.server !== null && /^10\.11\.\d+-MariaDB/.test(fp.server) && !fp.capabilities.includes('innodb-snapshot-isolation'),
    },
  ],
  open: openAcid,
  // An error a case did not expect: an answer from the server is a fail, anything else an error.
  // The family is told by the error's shape (a MySQL ERR packet carries a SQLSTATE as sqlState).
  classifyError: (e) => ((e as { sqlState?: unknown } | null)?.sqlState !== undefined ? classifyMysqlError(e) : classifyPgError(e)).verdict,
  // A lost connection makes the runner probe the endpoint (did it die during this case?).
  // (either family's words for it: a lost MySQL connection carries no SQLSTATE to tell the family by).
  isConnectionLoss: (e) => classifyPgError(e).kind === 'connection-lost' || classifyMysqlError(e).kind === 'connection-lost',
  cliOptions: {
    testbed: { type: 'string', valueName: 'postgres|mariadb', description: 'start a throwaway server of this kind and judge it (crash/restart available)' },
    size: { type: 'string', valueName: 'ci|full', description: 'workload sizes: ci (default, fast) or full (minutes of history)' },
    'block-after-ms': { type: 'string', valueName: 'N', description: `a scripted statement waiting longer counts as blocked (default ${DEFAULT_BLOCK_AFTER_MS})` },
    'history-dir': { type: 'string', valueName: 'DIR', description: 'write each list-append history there as elle-cli JSON' },
  },
  renderConsole(report) {
    const sections = report.sections ?? {};
    return [renderMatrixConsole(sections), renderWorkloadConsole(sections)].filter(Boolean).join('\n\n');
  },
  renderHtml(report) {
    const sections = report.sections ?? {};
    return [renderMatrixHtml(sections), renderWorkloadHtml(sections)].filter(Boolean).join('\n');
  },
});
