// The liveness probes the runner calls (SuiteSession.probe, SqlEndpoint.probe), against the real
// test servers behind the suite kit's proxy: they resolve while the endpoint answers, reject with
// the reason once it is "dead" (every connection reset, new ones refused), resolve again once it is
// back, and reject at the caller's deadline when it is frozen instead of hanging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startProxy, testServer, withParams, type Proxy } from '@helios-conformance/suite-kit';
import { openSqlEndpoint, type SqlEndpoint } from '../src/index.js';
import { fromDsn as fromPgDsn } from '../src/postgres/index.js';
import { fromDsn as fromMysqlDsn } from '../src/mysql/index.js';

const within = (ms: number): AbortSignal => AbortSignal.timeout(ms);

describe.each([
  { family: 'postgres' as const, server: 'postgres', plain: (dsn: string) => withParams(dsn, { sslmode: 'disable' }) },
  { family: 'mysql' as const, server: 'mariadb', plain: (dsn: string) => withParams(dsn, { 'ssl-mode': 'DISABLED' }) },
])('$server probes', ({ family, server: name, plain }) => {
  let proxy: Proxy;
  let session: { probe?: (s: AbortSignal) => Promise<void>; namespace?: string; close(): Promise<void> };
  let endpoint: SqlEndpoint;

  beforeAll(async () => {
    const server = testServer(name);
    proxy = await startProxy({ family, upstream: { host: server.host, port: server.port } });
    const dsn = proxy.dsnVia(plain(server.dsn));
    session = family === 'postgres' ? await fromPgDsn(dsn) : await fromMysqlDsn(dsn);
    endpoint = await openSqlEndpoint(dsn);
  });
  afterAll(async () => {
    proxy.resume();
    await session?.close();
    await endpoint?.close();
    await proxy?.stop();
  });

  it('answer while the endpoint answers, fail while it is dead, answer again once it is back', async () => {
    expect(session.namespace).toMatch(family === 'postgres' ? /^schema hc_[a-z0-9]{8}$/ : /^database hc_[a-z0-9]{8}$/);
    await session.probe!(within(2_000));
    await endpoint.probe(within(2_000));
    proxy.kill();
    await expect(session.probe!(within(2_000))).rejects.toThrow();
    await expect(endpoint.probe(within(2_000))).rejects.toThrow();
    proxy.resume();
    await session.probe!(within(2_000));
    await endpoint.probe(within(2_000));
  });
});

describe('a probe of a frozen endpoint', () => {
  it('rejects at its signal instead of hanging', async () => {
    const server = testServer('postgres');
    const proxy = await startProxy({ family: 'postgres', upstream: { host: server.host, port: server.port } });
    const session = await fromPgDsn(proxy.dsnVia(withParams(server.dsn, { sslmode: 'disable' })));
    try {
      proxy.freeze();
      const t0 = Date.now();
      await expect(session.probe!(within(500))).rejects.toThrow();
      expect(Date.now() - t0).toBeLessThan(1_500);
    } finally {
      await proxy.stop();
      // The schema was created before the freeze; drop it directly.
      const c = new pg.Client({ connectionString: withParams(server.dsn, { sslmode: 'disable' }) });
      c.on('error', () => undefined);
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${session.target.namespace}" CASCADE`);
      } finally {
        await c.end();
      }
    }
  });
});
