import { fileURLToPath } from 'node:url';
import { CannotRunError, defineSuite, type OpenOptions, type Suite, type SuiteSession } from '@helios-conformance/core';
import { renderWorkloadConsole, renderWorkloadHtml } from './_internal/render.js';
import { setHistoryDir } from './cases/_internal/history-dir.js';
import { workloadCases } from './cases/index.js';
import { DEFAULT_BLOCK_AFTER_MS, matrixCases, renderMatrixConsole, renderMatrixHtml } from './matrix/index.js';
import type { ServerControl, SqlEndpoint } from './session/types.js';
import type { AcidSize, AcidTarget } from './target.js';

/** Version of this package (kept equal to package.json by a test). */
export const ACID_SUITE_VERSION = '0.1.0';

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

/** `SELECT version()` answers in both wire families; shown in the report, never used for a verdict. */
async function serverVersion(endpoint: SqlEndpoint, signal: AbortSignal): Promise<string | undefined> {
  try {
    const s = await endpoint.open(signal);
    try {
      const r = await s.query('SELECT version() AS v', [], signal);
      const v = r.rows[0]?.v;
      return v === undefined || v === null ? undefined : String(v);
    } finally {
      await s.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Opens the acid suite's target: `--dsn postgres://…|mysql://…` through the session layer's
 * `fromDsn`; without a DSN (or with `--testbed postgres|mariadb`) a throwaway server from the
 * testbed, whose crash/restart control makes the durability case possible.
 */
export async function openAcid(o: OpenOptions): Promise<AcidSession> {
  const size = parseSize(o.options.size);
  const blockAfterMs = parseBlockAfter(o.options['block-after-ms']);
  const historyDir = typeof o.options['history-dir'] === 'string' ? o.options['history-dir'] : undefined;
  const testbed = parseTestbed(o.options.testbed);
  if (o.dsn !== undefined && testbed) throw new CannotRunError('pass either --dsn or --testbed, not both');
  const { fromDsn } = await import('./session/index.js');

  let managed: { dsn: string; version: string; stop(): Promise<void>; crash?(): Promise<void>; restart?(): Promise<void> } | undefined;
  let dsn = o.dsn;
  if (dsn === undefined) {
    const kind = testbed ?? 'postgres';
    o.log(`starting a testbed ${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'} server`);
    const tb = await import('@helios-conformance/testbed');
    try {
      managed = kind === 'postgres' ? await tb.startPostgres({ tls: false }) : await tb.startMariadb({ tls: false, install: false });
    } catch (e) {
      const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      throw new CannotRunError(`could not start the testbed ${kind} server (${first}); pass --dsn to judge an existing endpoint`);
    }
    dsn = managed.dsn;
  }
  let endpoint: SqlEndpoint;
  try {
    endpoint = await fromDsn(dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log });
  } catch (e) {
    await managed?.stop();
    throw e;
  }
  const server: ServerControl | undefined =
    managed?.crash && managed.restart ? { crash: managed.crash.bind(managed), restart: managed.restart.bind(managed) } : undefined;
  const target: AcidTarget = { endpoint, server, size, blockAfterMs, sections: {} };
  setHistoryDir(target, historyDir);
  const version = managed?.version ?? (await serverVersion(endpoint, o.signal));
  let closing: Promise<void> | undefined;
  return {
    target,
    capabilities: [],
    server: version,
    dsn,
    sections: () => target.sections,
    close() {
      closing ??= (async () => {
        try {
          await endpoint.close();
        } finally {
          await managed?.stop();
        }
      })();
      return closing;
    },
  };
}

/** The acid suite: the scripted isolation matrix (AC-001…) and the workload cases (AC-100…AC-130). */
export const acidSuite: Suite<AcidTarget> = defineSuite<AcidTarget>({
  name: '@helios-conformance/acid',
  version: ACID_SUITE_VERSION,
  description: 'Isolation anomalies, list-append history checking, bank invariant, atomicity and durability over PostgreSQL and MySQL endpoints',
  bin: 'helios-acid',
  idPrefixes: ['AC-'],
  cases: [...matrixCases, ...workloadCases],
  defaultTimeoutMs: 60_000,
  dsnExample: 'postgres://user:password@host:5432/db or mysql://user:password@host:3306/db',
  defaultTarget: 'a throwaway PostgreSQL 15 started by the testbed (--testbed mariadb for MariaDB)',
  // Shipped next to dist/ ("files"), so it resolves the same from the tarball. Applied only to
  // the default run (no --dsn, no --expectations); pass expectations/mariadb-10.11.json with --testbed mariadb.
  defaultExpectations: fileURLToPath(new URL('../expectations/postgresql-15.json', import.meta.url)),
  open: openAcid,
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
