// The workload cases (AC-100…AC-130) against PostgreSQL 15 and MariaDB 10.11, judged from the
// run's CLI reports (helpers' reported()): the whole catalog with --dsn against the shared test
// servers (list-append at every level the server accepts, bank, atomicity), and the embedded
// default (a testbed server the run starts itself, crashes and restarts) for durability.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer } from '@helios-conformance/suite-kit';
import type { AcidSession } from '../src/suite.js';
import type { BankVerdict } from '../src/workload/bank.js';
import type { ListAppendVerdict } from '../src/workload/list-append-verdict.js';
import { openForTest, reported, result, runCases, statuses, type ReportedRun } from './helpers.js';

const LA: Record<string, string> = {
  'read uncommitted': 'AC-100',
  'read committed': 'AC-101',
  'repeatable read': 'AC-102',
  snapshot: 'AC-103',
  serializable: 'AC-104',
};

describe.each([
  // expectedFail: what the shipped expectations file of the server calls an expected failure.
  { name: 'PostgreSQL 15', server: 'postgres' as const, embedded: 'embeddedPostgres' as const, expectedFail: ['AC-102'] },
  { name: 'MariaDB 10.11', server: 'mariadb' as const, embedded: 'embeddedMariadb' as const, expectedFail: ['AC-102', 'AC-111'] },
])('$name', ({ server, embedded, expectedFail }) => {
  let run: ReportedRun;
  let crash: ReportedRun;
  beforeAll(async () => {
    run = await reported(server);
    crash = await reported(embedded);
  }, 400_000);
  const la = (): Record<string, ListAppendVerdict> => run.report.sections.listAppend as Record<string, ListAppendVerdict>;
  const bank = (): Record<string, BankVerdict> => run.report.sections.bank as Record<string, BankVerdict>;
  /** The status the runner gives an observation, after the shipped expectations. */
  const judged = (id: string, failed: boolean): string => (expectedFail.includes(id) ? (failed ? 'xfail' : 'xpass') : failed ? 'fail' : 'pass');

  it('list-append runs at every level the endpoint accepts; n/a for the others', () => {
    const accepted = Object.keys(run.report.sections.isolation.matrix);
    for (const [level, id] of Object.entries(LA)) {
      const r = result(run, id);
      if (!accepted.includes(level)) {
        expect(r.status, id).toBe('n/a');
        continue;
      }
      const v = la()[level]!;
      expect(v, level).toBeDefined();
      expect(v.txns, level).toBeGreaterThan(50);
      expect(v.ok, level).toBeGreaterThan(0);
      expect(v.txns).toBe(v.ok + v.failed + v.info);
      // The verdict follows the observation: fail exactly when a forbidden anomaly was found.
      const failed = v.forbidden.length > 0;
      expect(r.status, `${id} ${r.message}`).toBe(judged(id, failed));
      if (failed) expect(v.examples[0]).toMatch(/T\d+/);
    }
  });

  it('serializable list-append finds no anomaly (P0)', () => {
    expect(result(run, 'AC-104').status, result(run, 'AC-104').message ?? '').toBe('pass');
    expect(la().serializable!.anomalies).toEqual({});
    expect(la().serializable!.strongestModel).toBe('serializable');
  });

  it('bank at serializable keeps the total and never goes negative', () => {
    const b = bank().serializable!;
    expect(result(run, 'AC-110').status, result(run, 'AC-110').message ?? '').toBe('pass');
    expect(b.transfers.committed).toBeGreaterThan(0);
    expect(b.reads.committed).toBeGreaterThan(0);
    expect(b.finalTotal).toBe(b.expectedTotal);
    expect(b.reads.wrongTotal).toBe(0);
  });

  it('bank at repeatable read is judged from what it observed', () => {
    const b = bank()['repeatable read']!;
    const broken = b.reads.wrongTotal > 0 || b.reads.negative > 0 || b.finalTotal !== b.expectedTotal || b.finalNegative;
    expect(result(run, 'AC-111').status, result(run, 'AC-111').message ?? '').toBe(judged('AC-111', broken));
  });

  it('atomicity: a killed or disconnected transaction leaves none of its writes', () => {
    expect(result(run, 'AC-120').status, result(run, 'AC-120').message ?? '').toBe('pass');
    expect(result(run, 'AC-121').status, result(run, 'AC-121').message ?? '').toBe('pass');
    const a = run.report.sections.atomicity as Record<string, { commit: string; survivors: { users: number; orders: number } }>;
    expect(a.kill!.commit).toMatch(/^rejected/);
    expect(a.kill!.survivors).toEqual({ users: 0, orders: 0 });
    expect(a.disconnect!.survivors).toEqual({ users: 0, orders: 0 });
  });

  it('durability is skipped without --allow-destructive', () => {
    expect(result(run, 'AC-130').status).toBe('skip');
  });

  it('durability on the embedded default: every acknowledged commit survives kill -9 and restart', () => {
    expect(statuses(crash), crash.run.stdout + crash.run.stderr).toMatchObject({ 'AC-130': 'pass' });
    const d = crash.report.sections.durability as { acknowledged: number; missing: number[]; restartMs: number };
    expect(d.acknowledged).toBeGreaterThanOrEqual(200);
    expect(d.missing).toEqual([]);
  });

  if (server === 'postgres') {
    it('writes each list-append history as elle-cli JSON with --history-dir', () => {
      const files = readdirSync(run.histories).sort();
      expect(files).toContain('list-append-serializable.json');
      const ops = JSON.parse(readFileSync(path.join(run.histories, 'list-append-serializable.json'), 'utf8')) as Array<{ type: string; f: string }>;
      expect(ops.length).toBe(2 * la().serializable!.txns);
      expect(new Set(ops.map((o) => o.type))).toContain('ok');
      expect(ops.every((o) => o.f === 'txn')).toBe(true);
    });
  }
});

describe('durability against a plain DSN', () => {
  let session: AcidSession;
  beforeAll(async () => {
    session = await openForTest({ dsn: testServer('postgres').dsn });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('is n/a: it needs a testbed-managed endpoint', async () => {
    expect(session.target.server).toBeUndefined();
    const r = await runCases(session, ['AC-130']);
    expect(r['AC-130']!.status).toBe('n/a');
    expect(r['AC-130']!.message).toMatch(/needs a testbed-managed endpoint: run with --testbed postgres\|mariadb/);
  });
});
