import { inject } from 'vitest';
import type { Endpoint } from '@helios-conformance/testbed';

/**
 * A server the package's test run started once (see heliosConformance.test.servers in its
 * package.json): the testbed endpoint's data, without its methods (it lives in vitest's main process).
 */
export type TestServer = Pick<Endpoint, 'kind' | 'dsn' | 'host' | 'port' | 'user' | 'password' | 'database' | 'tls' | 'caCertPath' | 'dataDir' | 'version' | 'pid'>;

declare module 'vitest' {
  export interface ProvidedContext {
    servers: Record<string, TestServer>;
    runCacheDir: string;
  }
}

/** The shared test server `name`; throws when the package does not declare it. */
export function testServer(name: string): TestServer {
  const s = inject('servers')[name];
  if (!s) throw new Error(`no test server "${name}": declare it in package.json under heliosConformance.test.servers`);
  return s;
}

/** A directory shared by the test files of one `vitest run` (removed at the end). */
export function runCacheDir(): string {
  return inject('runCacheDir');
}

/** `dsn` with extra query parameters (e.g. TLS settings). */
export function withParams(dsn: string, params: Record<string, string>): string {
  const u = new URL(dsn);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}
