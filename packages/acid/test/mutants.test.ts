// Mutant endpoints make the workload cases fail: a real PostgreSQL 15 behind the suite kit's
// framing proxy with hooks that break exactly one promise (test/_mutants.ts). Each mutant must
// have acted (mutations > 0) and must fail the cases it names; the controls are the same cases
// passing against the same server without the proxy (the run's whole-catalog report).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, testServer, type Proxy } from '@helios-conformance/suite-kit';
import type { AcidSession } from '../src/suite.js';
import type { BankVerdict } from '../src/workload/bank.js';
import type { ListAppendVerdict } from '../src/workload/list-append-verdict.js';
import { downgradeToReadCommitted, fakeCommit, swallowBegin } from './_mutants.js';
import { openForTest, reported, runCases, statuses } from './helpers.js';

/** The suite opened through `proxy`, optionally with crash/restart of the server behind it. */
async function through(proxy: Proxy, dsn: string, control?: AcidSession['target']['server']): Promise<AcidSession> {
  const opened = await openForTest({ dsn: proxy.dsnVia(dsn) });
  return { ...opened, target: { ...opened.target, server: control }, close: () => opened.close() };
}

describe('controls: without a proxy the same server passes every case a mutant must fail', () => {
  it('AC-104, AC-110, AC-120, AC-121 pass on PostgreSQL 15; AC-130 passes on the embedded one', async () => {
    expect(statuses(await reported('postgres'))).toMatchObject({ 'AC-104': 'pass', 'AC-110': 'pass', 'AC-120': 'pass', 'AC-121': 'pass' });
    expect(statuses(await reported('embeddedPostgres'))).toMatchObject({ 'AC-130': 'pass' });
  }, 400_000);
});

describe('mutant: COMMIT forwarded as ROLLBACK, acknowledged as COMMIT', () => {
  // Durability needs a server the test may kill: the embedded default owns one.
  let owned: AcidSession;
  let proxy: Proxy;
  let session: AcidSession;
  beforeAll(async () => {
    owned = await openForTest({ testbed: 'postgres' });
    const upstream = new URL(owned.dsn!);
    proxy = await startProxy({ family: 'postgres', upstream: { host: upstream.hostname, port: Number(upstream.port) }, ...fakeCommit });
    session = await through(proxy, owned.dsn!, owned.target.server);
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    await proxy?.stop();
    await owned?.close();
  });

  it('fails durability (AC-130): acknowledged rows are missing after kill -9 and restart', async () => {
    const r = await runCases(session, ['AC-130']);
    expect(proxy.mutations()).toBeGreaterThan(0);
    expect(r['AC-130']!.status, r['AC-130']!.message ?? '').toBe('fail');
    expect(r['AC-130']!.message).toMatch(/acknowledged before kill -9 are missing/);
  });
});

describe('mutant: every BEGIN runs at READ COMMITTED', () => {
  let proxy: Proxy;
  let session: AcidSession;
  beforeAll(async () => {
    const server = testServer('postgres');
    proxy = await startProxy({ family: 'postgres', upstream: server, client: downgradeToReadCommitted });
    session = await through(proxy, server.dsn);
  });
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
  let proxy: Proxy;
  let session: AcidSession;
  beforeAll(async () => {
    const server = testServer('postgres');
    proxy = await startProxy({ family: 'postgres', upstream: server, client: swallowBegin });
    session = await through(proxy, server.dsn);
  });
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
