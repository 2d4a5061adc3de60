import { fileURLToPath } from 'node:url';
import { defineSuite, type Suite } from '@helios-conformance/core';
import { openPostgres, type PgTarget } from './adapter.js';
import { postgresCases } from './cases/index.js';

/** Version of this package (kept equal to package.json by a test). */
export const POSTGRES_SUITE_VERSION = '0.1.0';

/**
 * A driver or server error that carries a SQLSTATE came from the endpoint rejecting
 * what the case asked for: a conformance failure. Everything else (lost connection,
 * timeout, harness bug) stays an `error`.
 */
export function classifyPgError(error: unknown): 'fail' | 'error' {
  const e = error as { code?: unknown; severity?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (!/^[0-9A-Z]{5}$/.test(code)) return 'error';
  // Connection-class SQLSTATEs (08xxx), shutdown/crash (57P01..57P03) and our own cancel are not the case's fault.
  if (code.startsWith('08') || /^57P0[1-3]$/.test(code)) return 'error';
  return e?.severity !== undefined || e?.name === 'PostgresError' ? 'fail' : 'error';
}

/** The PostgreSQL conformance suite: the catalog plus how to open an endpoint. */
export const postgresSuite: Suite<PgTarget> = defineSuite<PgTarget>({
  name: '@helios-conformance/postgres',
  version: POSTGRES_SUITE_VERSION,
  description: 'PostgreSQL wire protocol and behaviour conformance (Gold)',
  bin: 'helios-postgres',
  idPrefixes: ['PG-'],
  cases: [...postgresCases],
  defaultTimeoutMs: 15_000,
  dsnExample: 'postgres://user:password@host:5432/database?sslmode=require',
  defaultTarget: 'embedded PGlite, started in a child process',
  // Shipped next to dist/ in the package ("files"), so it resolves the same from the tarball.
  defaultExpectations: fileURLToPath(new URL('../expectations/pglite.json', import.meta.url)),
  classifyError: classifyPgError,
  open: openPostgres,
});
