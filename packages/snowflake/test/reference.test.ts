// The suite against the protocol reference endpoint (snowflake-sdk → REST/JSON server → the test
// PGlite child), in process: every case passes on the faithful endpoint, and every case fails on
// a mutant that breaks the one thing it checks (each mutant runs the cases it must fail plus a
// control that must still pass through it, so a failure comes from the mutation). The endpoint
// serves HTTPS with a throwaway CA that the DSN names (ca=FILE), as the CLI's default run does.
// Session tokens are valid an hour here (Snowflake's), so SF-015 is n/a in the full run; it passes
// in the CLI's default run (cli.test.ts: 8-second tokens) and fails on 1-second-token mutants.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type Report } from '@helios-conformance/core';
import { testServer } from '@helios-conformance/suite-kit';
import { generateTlsMaterial } from '@helios-conformance/testbed';
import { REFERENCE_LABEL, snowflakeSuite, startReferenceEndpoint, type ReferenceEndpoint, type ReferenceMutant, type ReferenceTls } from '../src/index.js';

const PASSWORD = 'Ref-Secret-Never-Shown';

let endpoint: ReferenceEndpoint | undefined;
let dir: string;
let tls: ReferenceTls;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hc-snowflake-ref-'));
  tls = await tlsFiles('good', ['DNS:localhost', 'IP:127.0.0.1']);
});
afterEach(async () => {
  await endpoint?.stop();
  endpoint = undefined;
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway CA and a server certificate for `names`, the CA written to a file for ca=. */
async function tlsFiles(name: string, names: string[]): Promise<ReferenceTls> {
  const m = await generateTlsMaterial('ecdsa', `hc snowflake ${name}`, names);
  const caFile = path.join(dir, `${name}-ca.pem`);
  writeFileSync(caFile, m.caCertPem);
  return { cert: m.serverCertPem, key: m.serverKeyPem, caFile };
}

async function runOn(
  mutant: ReferenceMutant | undefined,
  only?: string[],
  over: ReferenceTls | null = tls,
  validityS?: number,
): Promise<{ report: Report; mutations: number; chunks: number }> {
  endpoint = await startReferenceEndpoint({
    backendDsn: testServer('pglite').dsn,
    user: 'helios',
    password: PASSWORD,
    ...(over ? { tls: over } : {}),
    ...(mutant ? { mutant } : {}),
    ...(validityS ? { sessionTokenValiditySeconds: validityS } : {}),
  });
  const report = await runSuite(snowflakeSuite, { dsn: endpoint.dsn(), ...(only ? { only } : {}), seed: 7 });
  return { report, mutations: endpoint.mutations(), chunks: endpoint.chunkDownloads() };
}

const statusOf = (report: Report, id: string): string => {
  const r = report.results.find((x) => x.id === id);
  return `${r?.status ?? 'not run'}${r?.message ? `: ${r.message}` : ''}`;
};

describe('the reference endpoint', () => {
  it('passes every case, and the report says what the endpoint is', async () => {
    const { report, chunks } = await runOn(undefined);
    // SF-015 would wait out an hour-long token: n/a, saying so (its pass: cli.test.ts's default run).
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id} ${r.status}: ${r.message}`)).toEqual([
      'SF-015 n/a: the endpoint declared a session token validity of 3600 s at login, longer than --max-token-wait-s 15: raise it (and --timeout-ms) above 3600 s to judge token renewal',
    ]);
    expect(report.results).toHaveLength(snowflakeSuite.cases.length);
    expect(report.conformant).toBe(true);
    expect(report.target.server).toMatch(/not verified against Snowflake/);
    expect(report.sections.endpoint).toMatchObject({ reference: true, label: REFERENCE_LABEL });
    expect(endpoint?.url).toMatch(/^https:/);
    // SF-009's result did not fit the inline rows: the driver downloaded result chunks.
    expect(chunks).toBeGreaterThanOrEqual(2);
    // The run's schema is gone from the backend.
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: testServer('pglite').dsn });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hc\\_%'");
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

describe('SF-015 when the session token outlives its patience', () => {
  it('is n/a, naming the validity the endpoint declared and the --max-token-wait-s given', async () => {
    // The endpoint's default validity (Snowflake's: an hour) against a raised but smaller patience.
    endpoint = await startReferenceEndpoint({ backendDsn: testServer('pglite').dsn, user: 'helios', password: PASSWORD });
    const report = await runSuite(snowflakeSuite, { dsn: endpoint.dsn(), only: ['SF-015'], seed: 7, options: { 'max-token-wait-s': '60' } });
    expect(statusOf(report, 'SF-015')).toMatch(/^n\/a: the endpoint declared a session token validity of 3600 s at login, longer than --max-token-wait-s 60: raise it/);
    expect(endpoint.renewals()).toBe(0);
  });
});

interface Mutant {
  mutant: ReferenceMutant;
  /** The cases this mutant must fail. */
  fails: string[];
  /** A case it does not touch: it must pass through the mutant. */
  control: string;
  /** What the failure must say, where the mutant's effect is worth naming. */
  message?: RegExp;
  /** Session token validity of the endpoint (seconds; default an hour). */
  validityS?: number;
}

const MUTANTS: Mutant[] = [
  { mutant: 'types-as-text', fails: ['SF-001', 'SF-006'], control: 'SF-008' },
  { mutant: 'binds-ignored', fails: ['SF-002', 'SF-005'], control: 'SF-001' },
  { mutant: 'fetch-short', fails: ['SF-003', 'SF-009'], control: 'SF-001' },
  { mutant: 'cancel-ignored', fails: ['SF-004'], control: 'SF-001' },
  { mutant: 'error-shape', fails: ['SF-007'], control: 'SF-001' },
  { mutant: 'any-password', fails: ['SF-008'], control: 'SF-001' },
  { mutant: 'chunks-swapped', fails: ['SF-009'], control: 'SF-003' },
  { mutant: 'async-blocking', fails: ['SF-010'], control: 'SF-001' },
  { mutant: 'multi-first-only', fails: ['SF-011'], control: 'SF-001' },
  { mutant: 'session-ignored', fails: ['SF-012'], control: 'SF-001' },
  { mutant: 'tls-legacy', fails: ['SF-013'], control: 'SF-001', message: /accepted a TLSv1(\.1)? handshake/ },
  { mutant: 'rollback-ignored', fails: ['SF-014'], control: 'SF-001', message: /ROLLBACK left the row inserted after BEGIN/ },
  { mutant: 'renew-refused', fails: ['SF-015'], control: 'SF-001', validityS: 1, message: /the first query \d+ ms past the session token's validity \(1 s\) failed with 390104/ },
  { mutant: 'renew-new-session', fails: ['SF-015'], control: 'SF-001', validityS: 1, message: /QUERY_TAG after the token renewal is "", not the "hc-\w+-expiry-\d+" set before: the renewed token belongs to another session/ },
  { mutant: 'expiry-ignored', fails: ['SF-015'], control: 'SF-001', validityS: 1, message: /still holds the session token of the login, \d+ ms past the validity the endpoint declared \(1 s\): the endpoint accepted an expired token/ },
];

describe('mutant reference endpoints', () => {
  it('every case is failed by at least one mutant', () => {
    const failed = new Set(MUTANTS.flatMap((m) => m.fails));
    expect(snowflakeSuite.cases.map((c) => c.id).filter((id) => !failed.has(id))).toEqual([]);
  });

  it.each(MUTANTS.map((m) => [m.mutant, m] as const))('%s fails its cases and passes its control', async (_name, m) => {
    const { report, mutations } = await runOn(m.mutant, [...m.fails, m.control], tls, m.validityS);
    expect(mutations, 'the mutant never acted').toBeGreaterThan(0);
    for (const id of m.fails) expect(statusOf(report, id), id).toMatch(/^fail: /);
    if (m.message) for (const id of m.fails) expect(statusOf(report, id), id).toMatch(m.message);
    expect(statusOf(report, m.control)).toBe('pass');
    expect(report.conformant).toBe(false);
  });
});

describe('TLS the driver cannot trust, and no TLS', () => {
  it('plain HTTP: SF-013 fails (no TLS), the rest of the run goes on', async () => {
    const { report } = await runOn(undefined, ['SF-013', 'SF-001'], null);
    expect(statusOf(report, 'SF-013')).toMatch(/^fail: .*plain HTTP/);
    expect(statusOf(report, 'SF-001')).toBe('pass');
  });

  // No case can run when the driver refuses the certificate: the run cannot start (exit 2), and
  // the line says whether the host name or the CA is wrong (the CLI's line: cli.test.ts).
  it('a certificate from the given CA for another host name: the run does not start, the line names the host', async () => {
    endpoint = await startReferenceEndpoint({ backendDsn: testServer('pglite').dsn, user: 'helios', password: PASSWORD, tls: await tlsFiles('wrong-host', ['DNS:not-this-host.invalid']) });
    await expect(runSuite(snowflakeSuite, { dsn: endpoint.dsn(), only: ['SF-001'] })).rejects.toThrow(/^TLS: the certificate of 127\.0\.0\.1:\d+ does not name host "127\.0\.0\.1" \(.*not-this-host\.invalid/);
  });

  it('a certificate from another CA than the given one: the run does not start, the line names the CA', async () => {
    const other = await tlsFiles('other-ca', ['IP:127.0.0.1']);
    endpoint = await startReferenceEndpoint({ backendDsn: testServer('pglite').dsn, user: 'helios', password: PASSWORD, tls: { ...other, caFile: tls.caFile as string } });
    await expect(runSuite(snowflakeSuite, { dsn: endpoint.dsn(), only: ['SF-001'] })).rejects.toThrow(/^TLS: the certificate of 127\.0\.0\.1:\d+ \(issuer .*other-ca throwaway CA\) verifies against neither ca=.*good-ca\.pem nor Node's roots/);
  });
});
