import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defineSuite, type EndpointFingerprint, type OpenOptions, type Suite } from '@helios-conformance/core';
import { openOnOwnedServer } from '@helios-conformance/sql';
import { classifyPgError, fromDsn, PG_DSN_EXAMPLE, type PgSession, type PgTarget } from '@helios-conformance/sql/postgres';
import pkg from '../package.json' with { type: 'json' };
import { postgresCases } from './cases/index.js';

/** Version of this package (read from its package.json). */
export const POSTGRES_SUITE_VERSION: string = pkg.version;

/**
 * The suite's `open()`: with a DSN, `fromDsn`; without one, an embedded PGlite started in a
 * child process (stopped again by `close()`).
 */
export async function openPostgres(o: OpenOptions): Promise<PgSession> {
  const options = { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log };
  if (o.dsn !== undefined) return fromDsn(o.dsn, options);
  o.log('no --dsn: running against embedded PGlite (in a child process)');
  const { startPglite } = await import('@helios-conformance/testbed');
  // Kept across a restart after a crash: the same namespace name and the same (redacted) password.
  let runId: string | undefined;
  const password = randomUUID();
  const session = await openOnOwnedServer(
    // Several sockets share PGlite's single backend; cases that need two sessions get two sockets.
    () => startPglite({ maxConnections: 8, startTimeoutMs: Math.max(5_000, o.timeoutMs), onProgress: o.log, password }),
    async (dsn) => {
      const s = await fromDsn(dsn, { ...options, runId });
      runId = s.target.runId;
      return s;
    },
    // The schema lives in PGlite's memory and goes with the child; drop it anyway while the child
    // answers, but don't wait long: after a protocol desync PGlite stops answering.
    { closeWithinMs: 1_500, restartOnCrash: 'embedded PGlite' },
  );
  return { ...session, server: `${session.server} (PGlite, embedded)` };
}

const shipped = (file: string): string => fileURLToPath(new URL(`../expectations/${file}`, import.meta.url));
const pooled =
  (mode: string) =>
  (fp: EndpointFingerprint): boolean =>
    fp.capabilities.includes('pooler:pgbouncer') && fp.capabilities.includes(`pool-mode:${mode}`);

/** The PostgreSQL conformance suite: the catalog plus how to open an endpoint. */
export const postgresSuite: Suite<PgTarget> = defineSuite<PgTarget>({
  name: pkg.name,
  version: pkg.version,
  description: 'PostgreSQL wire protocol and behaviour conformance (Gold)',
  bin: 'helios-postgres',
  // The seed's tiers rank ecosystems: PostgreSQL wire is one of its two Gold ones.
  seedTier: 'gold',
  ecosystem: 'PostgreSQL wire',
  idPrefixes: ['PG-'],
  cases: [...postgresCases],
  defaultTimeoutMs: 15_000,
  dsnExample: PG_DSN_EXAMPLE,
  defaultTarget: 'embedded PGlite, started in a child process',
  // Shipped next to dist/ in the package ("files"), so it resolves the same from the tarball. It
  // follows the endpoint: the embedded default and a --dsn that reaches PGlite (whose version()
  // reads "PostgreSQL 18.6 (PGlite 0.5.14) on wasm32-…") both get it; a real PostgreSQL none.
  // PgBouncer is recognised by what it does (its own 08P01 for an unknown startup parameter, and
  // whether a client keeps its backend between transactions; see sql/postgres pooler.ts).
  shippedExpectations: [
    { file: shipped('pglite.json'), describes: 'PGlite', matches: /\bPGlite\b/ },
    { file: shipped('pgbouncer-transaction.json'), describes: 'PgBouncer in transaction pooling', matches: pooled('transaction') },
    { file: shipped('pgbouncer-session.json'), describes: 'PgBouncer in session pooling', matches: pooled('session') },
  ],
  // An error the server sent (a SQLSTATE with its severity) is the endpoint refusing what the case
  // asked for: fail. A lost connection, a timeout or a harness bug stays an error.
  classifyError: (e) => classifyPgError(e).verdict,
  // A lost connection makes the runner probe the endpoint (did it die during this case?).
  isConnectionLoss: (e) => classifyPgError(e).kind === 'connection-lost',
  open: openPostgres,
});
