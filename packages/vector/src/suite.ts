import { randomUUID } from 'node:crypto';
import { CannotRunError, defineSuite, type OpenOptions, type Suite, type SuiteSession } from '@helios-conformance/core';
import { openOnOwnedServer } from '@helios-conformance/sql';
import { classifyPgError } from '@helios-conformance/sql/postgres';
import pkg from '../package.json' with { type: 'json' };
import type { VectorStore } from './adapter.js';
import { vectorCases } from './cases/index.js';
import { renderVectorConsole, renderVectorHtml, SIMULATED_LABEL } from './report.js';
import type { VectorSize, VectorTarget } from './target.js';

/** Version of this package (from its package.json). */
export const VECTOR_SUITE_VERSION: string = pkg.version;

function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    throw new CannotRunError(`--pinecone-host must be a URL like https://api.pinecone.io, got ${JSON.stringify(url)}`);
  }
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function parseSize(v: unknown): VectorSize {
  if (v === undefined || v === 'ci') return 'ci';
  if (v === 'full') return 'full';
  throw new CannotRunError(`--size must be ci or full, got ${JSON.stringify(v)}`);
}

function session(
  store: VectorStore & { server?: string; extension?: unknown; namespace?: string; probe?: (signal: AbortSignal) => Promise<void> },
  size: VectorSize,
  runId: string,
  simulated: boolean,
  close: () => Promise<void>,
  extra: Partial<SuiteSession<VectorTarget>> = {},
  sections: Record<string, unknown> = {},
): SuiteSession<VectorTarget> {
  const target: VectorTarget = { store, size, runId, simulated, sections };
  let closed: Promise<void> | undefined;
  return {
    target,
    capabilities: store.capabilities,
    server: `${store.server ?? store.kind}${simulated ? ` (${SIMULATED_LABEL})` : ''}`,
    // pgvector: the runner's liveness probe (a fresh login and SELECT 1) and the schema to name if cleanup fails.
    ...(typeof store.probe === 'function' ? { probe: (signal: AbortSignal) => store.probe!(signal) } : {}),
    ...(typeof store.namespace === 'string' ? { namespace: `schema ${store.namespace}` } : {}),
    ...extra,
    sections: () => ({
      endpoint: { kind: store.kind, simulated, size, capabilities: [...store.capabilities].sort(), ...(store.extension ? { extension: store.extension } : {}), ...(simulated ? { label: SIMULATED_LABEL } : {}) },
      ...target.sections,
    }),
    close() {
      closed ??= (async () => {
        try {
          await store.close();
        } finally {
          await close();
        }
      })();
      return closed;
    },
  };
}

/**
 * The suite's `open()`: `--dsn postgres://…` (pgvector), `--pinecone-host URL` with the API key in
 * `PINECONE_API_KEY`, or with neither an embedded PGlite + pgvector in a child process.
 */
export async function openVector(o: OpenOptions): Promise<SuiteSession<VectorTarget>> {
  const size = parseSize(o.options.size);
  const pineconeHost = o.options['pinecone-host'];
  const { makeRunId } = await import('@helios-conformance/fixtures');
  const runId = makeRunId();
  if (typeof pineconeHost === 'string') {
    if (o.dsn !== undefined) throw new CannotRunError('give either --dsn (pgvector) or --pinecone-host, not both');
    const apiKey = process.env.PINECONE_API_KEY;
    if (!apiKey) throw new CannotRunError('--pinecone-host needs the API key in the environment variable PINECONE_API_KEY');
    const { fromPinecone } = await import('./adapters/pinecone.js');
    const store = fromPinecone({ host: pineconeHost, apiKey, runId });
    // A Pinecone host on this machine's loopback cannot be the Pinecone service (it is the kit's
    // fake or an emulator such as Pinecone Local): every figure from it is labelled simulated.
    const simulated = isLoopback(pineconeHost);
    return session(store, size, runId, simulated, async () => undefined, { secrets: [apiKey, ...store.secrets] });
  }
  const { fromPgvector } = await import('./adapters/pgvector.js');
  if (o.dsn !== undefined) {
    const store = await fromPgvector(o.dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log, runId });
    return session(store, size, runId, false, async () => undefined);
  }
  o.log('no --dsn: running against embedded PGlite + pgvector (in a child process)');
  const { startPglite } = await import('@helios-conformance/testbed');
  // Kept across a restart after a crash: the DSN's (redacted) password, the run id and the
  // figures recorded so far (the report's sections outlive the child that produced them).
  const password = randomUUID();
  const sections: Record<string, unknown> = {};
  return openOnOwnedServer(
    () => startPglite({ extensions: ['vector'], maxConnections: 8, startTimeoutMs: Math.max(5_000, o.timeoutMs), onProgress: o.log, password }),
    async (dsn) => {
      const store = await fromPgvector(dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log, runId });
      return { ...session(store, size, runId, false, async () => undefined, {}, sections), server: `${store.server} (PGlite + pgvector ${store.extension.version}, embedded)` };
    },
    // A shared dataset lives in the child's memory: after a restart the next case that needs it loads it again.
    { closeWithinMs: 1_500, restartOnCrash: 'embedded PGlite' },
  );
}

/** Vector search conformance: recall, filtered ANN, sweep, latency (pgvector; Pinecone when wired). */
export const vectorSuite: Suite<VectorTarget> = defineSuite<VectorTarget>({
  name: pkg.name,
  version: pkg.version,
  description: 'Vector search conformance: recall@k, filtered ANN, ef_search sweep, latency (pgvector; Pinecone)',
  bin: 'helios-vector',
  // pgvector is no seed ecosystem (Pinecone, a Silver one, is an optional adapter of this suite).
  seedTier: null,
  ecosystem: 'vector search',
  idPrefixes: ['VEC-', 'PC-'],
  cases: [...vectorCases],
  defaultTimeoutMs: 120_000,
  dsnExample: 'postgres://user:password@host:5432/database (a server with the pgvector extension)',
  defaultTarget: 'embedded PGlite + pgvector, started in a child process',
  cliOptions: {
    size: { type: 'string', valueName: 'ci|full', description: 'dataset size: ci (default; 5k-10k vectors) or full (the seed: 100k × 384)' },
    'pinecone-host': { type: 'string', valueName: 'URL', description: 'judge a Pinecone index host instead (API key from env PINECONE_API_KEY, never printed)' },
  },
  // The server refusing a vector statement is the endpoint's failure; a lost connection is not.
  classifyError: (e) => classifyPgError(e).verdict,
  // A lost connection makes the runner probe the endpoint (did it die during this case?).
  isConnectionLoss: (e) => classifyPgError(e).kind === 'connection-lost',
  renderConsole: renderVectorConsole,
  renderHtml: renderVectorHtml,
  open: openVector,
});
