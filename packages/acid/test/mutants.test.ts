// Mutant endpoints make the workload cases fail: a real PostgreSQL 15 behind a proxy that
// breaks exactly one promise. Each mutant must have acted (mutations > 0) and the named cases
// must fail; the same cases pass against the same server without the proxy (workloads.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Endpoint } from '@helios-conformance/testbed';
import type { BankVerdict, ListAppendVerdict } from '../src/cases/index.js';
import type { AcidSession } from '../src/suite.js';
import { openForTest, runCases } from './helpers.js';
import { downgradeLevel, fakeCommit, startSqlProxy, swallowBegin, type SqlMutation, type SqlProxy } from './mutants/pg-sql-proxy.js';

let server: Endpoint;
beforeAll(async () => {
  server = await startPostgres({ tls: false });
});
afterAll(async () => {
  await server?.stop();
});

async function viaMutant(m: SqlMutation, withServerControl: boolean): Promise<{ proxy: SqlProxy; session: AcidSession }> {
  const proxy = await startSqlProxy(server.port, m);
  const opened = await openForTest({ dsn: proxy.dsnVia(server.dsn) });
  const target = withServerControl ? { ...opened.target, server: { crash: () => server.crash!(), restart: () => server.restart!() } } : opened.target;
  return { proxy, session: { ...opened, target, close: () => opened.close() } };
}

describe('mutant: COMMIT forwarded as ROLLBACK, acknowledged as COMMIT', () => {
  let proxy: SqlProxy;
  let session: AcidSession;
  beforeAll(async () => ({ proxy, session } = await viaMutant(fakeCommit, true)));
  afterAll(async () => {
    await session?.close();
    await proxy?.stop();
  });

  it('fails durability (AC-130): acknowledged rows are missing after kill -9 and restart', async () => {
    const r = await runCases(session, ['AC-130']);
    expect(proxy.mutations()).toBeGreaterThan(0);
    expect(r['AC-130']!.status).toBe('fail');
    expect(r['AC-130']!.message).toMatch(/acknowledged before kill -9 are missing/);
  });
});

describe('mutant: every BEGIN runs at READ COMMITTED', () => {
  let proxy: SqlProxy;
  let session: AcidSession;
  beforeAll(async () => ({ proxy, session } = await viaMutant(downgradeLevel, false)));
  afterAll(async () => {
    await session?.close();
    await proxy?.stop();
  });

  it('fails list-append at serializable (AC-104): the checker finds anomalies serializable forbids', async () => {
    const r = await runCases(session, ['AC-104']);
    expect(proxy.mutations()).toBeGreaterThan(0);
    expect(r['AC-104']!.status, r['AC-104']!.message ?? '').toBe('fail');
    const v = (session.target.sections.listAppend as Record<string, ListAppendVerdict>).serializable!;
    expect(v.forbidden.length).toBeGreaterThan(0);
    expect(v.strongestModel).not.toBe('serializable');
  });

  it('fails the bank at serializable (AC-110): lost updates make or destroy money', async () => {
    const r = await runCases(session, ['AC-110']);
    expect(r['AC-110']!.status, r['AC-110']!.message ?? '').toBe('fail');
    const b = (session.target.sections.bank as Record<string, BankVerdict>).serializable!;
    expect(b.finalTotal !== b.expectedTotal || b.reads.wrongTotal > 0 || b.reads.negative > 0).toBe(true);
  });
});

describe('mutant: BEGIN swallowed (every statement autocommits)', () => {
  let proxy: SqlProxy;
  let session: AcidSession;
  beforeAll(async () => ({ proxy, session } = await viaMutant(swallowBegin, false)));
  afterAll(async () => {
    await session?.close();
    await proxy?.stop();
  });

  it('fails atomicity on kill (AC-120) and on disconnect (AC-121)', async () => {
    const r = await runCases(session, ['AC-120', 'AC-121']);
    expect(proxy.mutations()).toBeGreaterThan(0);
    expect(r['AC-120']!.status, r['AC-120']!.message ?? '').toBe('fail');
    expect(r['AC-121']!.status, r['AC-121']!.message ?? '').toBe('fail');
    expect(r['AC-120']!.message).toMatch(/remain: it was not atomic/);
  });
});
