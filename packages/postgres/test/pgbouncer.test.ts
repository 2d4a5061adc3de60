// The whole suite through PgBouncer (Debian's 1.18, testbed) in session and in transaction
// pooling, as a user runs it: the built CLI with --dsn. The endpoint is recognised by what it
// does, its shipped expectations file applies, and the run is conformant with it: every case the
// file lists failed as recorded (never an unexpected pass), every other case passed. The
// session-state cases (PG-100…PG-106) fail through transaction pooling, each naming what leaked.
import { mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@helios-conformance/core';
import { leftoverNamespaces, runCacheDir, runCli } from '@helios-conformance/suite-kit';
import { startPgbouncer, type PgbouncerEndpoint } from '@helios-conformance/testbed';

const shippedFile = (mode: string): { expectations: Record<string, { expect: string; reason: string }> } =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'expectations', `pgbouncer-${mode}.json`), 'utf8')) as never;

describe.each(['session', 'transaction'] as const)('the suite through PgBouncer in %s pooling', (mode) => {
  let ep: PgbouncerEndpoint;
  let report: Report;
  let stdout: string;
  beforeAll(async () => {
    ep = await startPgbouncer({ poolMode: mode });
    const json = path.join(mkdtempSync(path.join(runCacheDir(), 'pgbouncer-')), 'r.json');
    const r = await runCli(['--dsn', ep.dsn, '--json', json, '--seed', '42'], { timeoutMs: 150_000 });
    stdout = r.stdout;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  }, 200_000);
  afterAll(async () => {
    await ep?.stop();
  }, 30_000);

  it(`is recognised and judged with pgbouncer-${mode}.json`, () => {
    expect(stdout).toContain(`via PgBouncer (${mode} pooling)`);
    expect(stdout).toContain(`expectations: shipped pgbouncer-${mode}.json (endpoint is PgBouncer in ${mode} pooling`);
    expect(report.expectations.source).toBe('shipped');
    expect(report.capabilities).toEqual(expect.arrayContaining(['pooler:pgbouncer', `pool-mode:${mode}`]));
  });

  it('is conformant with it: the listed cases fail as recorded, every other case passes (n/a only without TLS)', () => {
    const listed = shippedFile(mode).expectations;
    const byStatus = (s: string): string[] => report.results.filter((r) => r.status === s).map((r) => r.id);
    expect(byStatus('xfail').sort()).toEqual(Object.keys(listed).filter((id) => listed[id]?.expect === 'fail').sort());
    expect(byStatus('n/a').sort()).toEqual(['PG-020', 'PG-021']);
    expect([...byStatus('fail'), ...byStatus('error'), ...byStatus('xpass')]).toEqual([]);
    expect(report.expectations.unmatched).toEqual([]);
    expect(report.conformant).toBe(true);
  });

  if (mode === 'transaction') {
    it('the session-state cases say what the pooler broke', () => {
      const message = (id: string): string => report.results.find((r) => r.id === id)?.message ?? '';
      for (const id of ['PG-100', 'PG-101', 'PG-102', 'PG-103', 'PG-104', 'PG-106']) {
        expect(message(id), id).toMatch(/(another client sees|it was given a server session where another client).*the endpoint may be a transaction-mode pooler/);
      }
      expect(message('PG-105')).toMatch(/(another client sees|earlier client).*auto_explain/);
    });
  } else {
    it('session pooling keeps session state per client; only a LOADed library outlives its client', () => {
      for (const id of ['PG-100', 'PG-101', 'PG-102', 'PG-103', 'PG-104', 'PG-106']) expect(report.results.find((r) => r.id === id)?.status, id).toBe('pass');
      expect(report.results.find((r) => r.id === 'PG-105')?.message).toMatch(/a new client's session has auto_explain\.log_min_duration/);
    });
  }

  it('leaves no run namespace on the server behind PgBouncer', async () => {
    expect(await leftoverNamespaces(ep.backend.dsn)).toEqual([]);
  });
});
