// The workload cases (AC-100…AC-130) against real PostgreSQL 15 and MariaDB 10.11 started by
// the testbed through the suite's own open(): list-append at every level the server accepts,
// bank, atomicity (kill and disconnect) and durability (kill -9 and restart).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Execution } from '@helios-conformance/core';
import type { BankVerdict, ListAppendVerdict } from '../src/cases/index.js';
import type { AcidSession } from '../src/suite.js';
import { openForTest, runCases } from './helpers.js';

const LA: Record<string, string> = {
  'read uncommitted': 'AC-100',
  'read committed': 'AC-101',
  'repeatable read': 'AC-102',
  snapshot: 'AC-103',
  serializable: 'AC-104',
};
const ALL = ['AC-100', 'AC-101', 'AC-102', 'AC-103', 'AC-104', 'AC-110', 'AC-111', 'AC-120', 'AC-121', 'AC-130'];

describe.each([
  { name: 'PostgreSQL 15', testbed: 'postgres' as const },
  { name: 'MariaDB 10.11', testbed: 'mariadb' as const },
])('$name (testbed, crash/restart available)', ({ testbed }) => {
  let session: AcidSession;
  let results: Record<string, Execution>;
  let historyDir: string;
  beforeAll(async () => {
    historyDir = mkdtempSync(path.join(tmpdir(), 'hc-acid-histories-'));
    session = await openForTest({ testbed, historyDir });
    results = await runCases(session, ALL);
  }, 240_000);
  afterAll(async () => {
    await session?.close();
    rmSync(historyDir, { recursive: true, force: true });
  });
  const la = (): Record<string, ListAppendVerdict> => session.target.sections.listAppend as Record<string, ListAppendVerdict>;

  it('list-append runs at every level the endpoint accepts; n/a for the others', () => {
    for (const [level, id] of Object.entries(LA)) {
      const r = results[id]!;
      if (!session.target.endpoint.levels.includes(level as never)) {
        expect(r.status, id).toBe('n/a');
        continue;
      }
      const v = la()[level]!;
      expect(v, level).toBeDefined();
      expect(v.txns, level).toBeGreaterThan(50);
      expect(v.ok, level).toBeGreaterThan(0);
      expect(v.txns).toBe(v.ok + v.failed + v.info);
      // The verdict follows the observation: fail exactly when a forbidden anomaly was found.
      expect(r.status, `${id} ${r.message}`).toBe(v.forbidden.length > 0 ? 'fail' : 'pass');
      if (v.forbidden.length > 0) expect(v.examples[0]).toMatch(/T\d+/);
    }
  });

  it('serializable list-append finds no anomaly (P0)', () => {
    expect(results['AC-104']!.status, results['AC-104']!.message ?? '').toBe('pass');
    expect(la().serializable!.anomalies).toEqual({});
    expect(la().serializable!.strongestModel).toBe('serializable');
  });

  it('writes each list-append history as elle-cli JSON with --history-dir', () => {
    const files = readdirSync(historyDir).sort();
    expect(files).toContain('list-append-serializable.json');
    const ops = JSON.parse(readFileSync(path.join(historyDir, 'list-append-serializable.json'), 'utf8')) as Array<{ type: string; f: string }>;
    expect(ops.length).toBe(2 * la().serializable!.txns);
    expect(new Set(ops.map((o) => o.type))).toContain('ok');
    expect(ops.every((o) => o.f === 'txn')).toBe(true);
  });

  it('bank at serializable keeps the total and never goes negative', () => {
    const b = (session.target.sections.bank as Record<string, BankVerdict>).serializable!;
    expect(results['AC-110']!.status, results['AC-110']!.message ?? '').toBe('pass');
    expect(b.transfers.committed).toBeGreaterThan(0);
    expect(b.reads.committed).toBeGreaterThan(0);
    expect(b.finalTotal).toBe(b.expectedTotal);
    expect(b.reads.wrongTotal).toBe(0);
  });

  it('bank at repeatable read is judged from what it observed', () => {
    const b = (session.target.sections.bank as Record<string, BankVerdict>)['repeatable read']!;
    const broken = b.reads.wrongTotal > 0 || b.reads.negative > 0 || b.finalTotal !== b.expectedTotal || b.finalNegative;
    expect(results['AC-111']!.status, results['AC-111']!.message ?? '').toBe(broken ? 'fail' : 'pass');
  });

  it('atomicity: a killed or disconnected transaction leaves none of its writes', () => {
    expect(results['AC-120']!.status, results['AC-120']!.message ?? '').toBe('pass');
    expect(results['AC-121']!.status, results['AC-121']!.message ?? '').toBe('pass');
    const a = session.target.sections.atomicity as Record<string, { commit: string; survivors: { users: number; orders: number } }>;
    expect(a.kill!.commit).toMatch(/^rejected/);
    expect(a.kill!.survivors).toEqual({ users: 0, orders: 0 });
    expect(a.disconnect!.survivors).toEqual({ users: 0, orders: 0 });
  });

  it('durability: every acknowledged commit survives kill -9 and restart', () => {
    expect(results['AC-130']!.status, results['AC-130']!.message ?? '').toBe('pass');
    const d = session.target.sections.durability as { acknowledged: number; missing: number[]; restartMs: number };
    expect(d.acknowledged).toBeGreaterThanOrEqual(200);
    expect(d.missing).toEqual([]);
  });

  it('durability is skipped without --allow-destructive', async () => {
    const r = await runCases(session, ['AC-130'], { allowDestructive: false });
    expect(r['AC-130']!.status).toBe('skip');
  });
});

describe('durability against a plain DSN', () => {
  it('is n/a: it needs a testbed-managed endpoint', async () => {
    const { startPostgres } = await import('@helios-conformance/testbed');
    const server = await startPostgres({ tls: false });
    const session = await openForTest({ dsn: server.dsn });
    try {
      expect(session.target.server).toBeUndefined();
      const r = await runCases(session, ['AC-130']);
      expect(r['AC-130']!.status).toBe('n/a');
      expect(r['AC-130']!.message).toMatch(/needs a testbed-managed endpoint: run with --testbed postgres\|mariadb/);
    } finally {
      await session.close();
      await server.stop();
    }
  });
});
