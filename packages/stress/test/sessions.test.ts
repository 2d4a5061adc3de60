// The session cases (T221, T223, T227, T228) against the real test server through the built CLI
// (the control: each passes, with its figures in the JSON, console and HTML reports), then each
// beside a mutant endpoint that must make it fail: a proxy that cuts, starves and delays
// listeners (T221), one that keeps closed sessions open on the server (T223), a listener on the server that
// never reads and a session left waiting on a lock (T227), a proxy that sheds established sessions under load (T228).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, testServer } from '@helios-conformance/suite-kit';
import { openForTest, runCases } from './helpers.js';
import { COM_QUIT, TERMINATE, startLeakyProxy, startListenerBreakingProxy, startSheddingProxy } from './session-proxies.js';

// The CI machine is loaded and shared: latency limits are loosened where a test judges something else.
const LOOSE_NOTIFY = { 'notify-p99-ms': '500' };

const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-stress-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Result = { id: string; status: string; message: string | null; metrics: Record<string, unknown> };

describe('the session cases on PostgreSQL 15 (control)', () => {
  it('the CLI passes T221, T223, T227 and T228 and reports their figures, no password anywhere', async () => {
    const server = testServer('postgres');
    const json = path.join(dir, 's.json');
    const html = path.join(dir, 's.html');
    const run = await runCli(['--dsn', server.dsn, '--only', 'T221,T223,T227,T228', '--duration', '1', '--warmup', '0.5', '--notify-p99-ms', LOOSE_NOTIFY['notify-p99-ms'], '--ramp-step', '25', '--json', json, '--html', html], { timeoutMs: 90_000 });
    const report = JSON.parse(readFileSync(json, 'utf8'));
    const byId = Object.fromEntries((report.results as Result[]).map((r) => [r.id, r]));
    expect((report.results as Result[]).map((r) => `${r.id}:${r.status}`), run.stdout + run.stderr).toEqual(['T221:pass', 'T223:pass', 'T227:pass', 'T228:pass']);
    expect(run.code).toBe(0);
    const s = report.sections.sessions;
    // T221: every row reached all 20 listeners, and latencies were measured.
    expect(s.T221.notify.inserted).toBeGreaterThan(200);
    expect(s.T221.notify.received).toEqual(new Array(20).fill(s.T221.notify.inserted));
    expect(s.T221.notify.latency.count).toBeGreaterThan(0);
    // T223: the seed's 50 and 25.
    expect(s.T223.leak).toMatchObject({ opened: 50, closed: 25, expected: 25, reported: 25 });
    // T227: it sampled while its load ran (notifying inserts all delivered, contended updates);
    // the queue itself mostly reads 0 here, the listeners drain it within its first page.
    expect(s.T227.backlog.samples.length).toBeGreaterThan(5);
    expect(s.T227.backlog.notify.inserted).toBeGreaterThan(200);
    expect(s.T227.backlog.notify.missing).toBe(0);
    expect(s.T227.backlog.contention.succeeded).toBeGreaterThan(200);
    // T228: the test server keeps PostgreSQL's default max_connections (100): the ramp reaches it
    // and is refused with 53300, and every session it had accepted still works.
    expect(s.T228.ramp.stoppedBy).toBe('refusal');
    expect(s.T228.ramp.steps.at(-1).refused).toHaveProperty('53300');
    expect(s.T228.ramp.alive).toBe(s.T228.ramp.peakConnections);
    expect(s.T228.ramp.servedAfter).toBe(true);
    console.info(`T221 latency p99 ${s.T221.notify.latency.p99} ms; T223 settled in ${s.T223.leak.settledMs} ms; T227 peak queue ${s.T227.backlog.peak.queueUsage}, lock waits ${s.T227.backlog.peak.waiting}; T228 refused at ${s.T228.ramp.peakConnections} sessions; case ms ${(report.results as Array<Result & { durationMs: number }>).map((r) => `${r.id} ${r.durationMs}`).join(', ')}; CLI ${run.ms} ms`);
    expect(run.stdout).toMatch(/T221 notifications: \d+ rows[\s\S]*send → receive\s+p50/);
    expect(run.stdout).toMatch(/T228 ramp: stopped by refusal at \d+ sessions/);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/<svg[^>]*ramp: sessions and p99 per step/);
    expect(page).toMatch(/<svg[^>]*backlog over time/);
    expect(page).toMatch(/<svg[^>]*notification latency spectrum/);
    for (const text of [run.stdout, run.stderr, readFileSync(json, 'utf8'), page]) expect(text).not.toContain(server.password);
    expect(byId.T223!.message).toBeNull();
  });
});

describe('the session cases on MariaDB (MySQL wire)', () => {
  it('passes T223 (PROCESSLIST) and T228 (refused with errno 1040 at max_connections); T221 and T227 are n/a (no LISTEN/NOTIFY), no password', async () => {
    const server = testServer('mariadb');
    const json = path.join(dir, 'my.json');
    const run = await runCli(['--dsn', server.dsn, '--only', 'T221,T223,T227,T228', '--duration', '1', '--warmup', '0.5', '--ramp-step', '40', '--json', json], { timeoutMs: 90_000 });
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect((report.results as Result[]).map((r) => `${r.id}:${r.status}`), run.stdout + run.stderr).toEqual(['T221:n/a', 'T223:pass', 'T227:n/a', 'T228:pass']);
    expect(run.code).toBe(0);
    const s = report.sections.sessions;
    expect(s.T223.leak).toMatchObject({ opened: 50, closed: 25, expected: 25, reported: 25 });
    // The test server keeps MariaDB's default max_connections (151): the ramp is refused with 1040
    // ("Too many connections"), and every session it had accepted still works.
    expect(s.T228.ramp.stoppedBy).toBe('refusal');
    expect(s.T228.ramp.steps.at(-1).refused).toHaveProperty(['errno 1040']);
    expect(s.T228.ramp.peakConnections).toBeGreaterThan(100);
    expect(s.T228.ramp.alive).toBe(s.T228.ramp.peakConnections);
    expect(s.T228.ramp.servedAfter).toBe(true);
    console.info(`MariaDB: T223 settled in ${s.T223.leak.settledMs} ms; T228 refused at ${s.T228.ramp.peakConnections} sessions; CLI ${run.ms} ms`);
    for (const text of [run.stdout, run.stderr, readFileSync(json, 'utf8')]) expect(text).not.toContain(server.password);
  });
});

describe('T223 connection leak', () => {
  it('is n/a, naming the room it found, when the endpoint refuses with 53300 before the sessions the check needs are open', async () => {
    // The test server keeps PostgreSQL's default max_connections (100): 150 cannot be opened.
    const session = await openForTest(testServer('postgres').dsn, { 'leak-connections': '150' });
    try {
      const r = await runCases(session, ['T223']);
      expect(r.T223!.status, r.T223!.message ?? '').toBe('n/a');
      expect(r.T223!.message).toMatch(/refused session \d+ of 150 with 53300 \(too many connections\): it has room for \d+ more sessions/);
    } finally {
      await session.close();
    }
  });

  // The proxy swallows the client's goodbye (PostgreSQL Terminate, MySQL COM_QUIT) and keeps the server side open.
  it.each([
    ['PostgreSQL 15', 'postgres', TERMINATE],
    ['MariaDB', 'mariadb', COM_QUIT],
  ] as const)('fails on %s behind a proxy that keeps closed sessions open on the server, naming the count', async (_name, kind, goodbye) => {
    const server = testServer(kind);
    const proxy = await startLeakyProxy(server, goodbye);
    try {
      const session = await openForTest(proxy.dsnVia(server.dsn), { 'leak-connections': '20', 'leak-deadline-ms': '1000' });
      try {
        const r = await runCases(session, ['T223']);
        expect(r.T223!.status, r.T223!.message ?? '').toBe('fail');
        expect(r.T223!.message).toMatch(/still reports 20 of them, not 10, after \d+ ms \(deadline 1000 ms\): 10 closed sessions leaked/);
        expect(proxy.mutations()).toBeGreaterThanOrEqual(10);
      } finally {
        await session.close();
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('T221 writers and listeners', () => {
  it('fails behind a proxy that cuts one listener, starves another and delays the rest, naming all three', async () => {
    const server = testServer('postgres');
    const proxy = await startListenerBreakingProxy(server, 700);
    try {
      const session = await openForTest(proxy.dsnVia(server.dsn), { ...LOOSE_NOTIFY, duration: '1' });
      try {
        const r = await runCases(session, ['T221']);
        expect(proxy.mutations()).toBe(20);
        expect(r.T221!.status, r.T221!.message ?? '').toBe('fail');
        const m = r.T221!.message!;
        expect(m).toMatch(/^1 unexpected disconnects \(1 listeners, 0 writers\); first: listener 0/);
        expect(m).toMatch(/notifications never arrived/);
        expect(m).toMatch(/notification latency p99 is [\d.]+ ms .*, the limit is 500 ms/);
      } finally {
        await session.close();
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('T227 backlog bounded', () => {
  it('fails when, once its load runs, a session on the server listens but never reads and another waits on a lock for good', async () => {
    const server = testServer('postgres');
    const pg = (await import('pg')).default;
    const [stuck, holder, waiter] = [0, 1, 2].map(() => new pg.Client({ connectionString: server.dsn }));
    for (const c of [stuck, holder, waiter]) {
      c!.on('error', () => undefined);
      await c!.connect();
    }
    let waiting: Promise<unknown> | undefined;
    try {
      // A listener inside a transaction reads nothing until it ends, and the queue cannot be freed past it.
      await stuck!.query('LISTEN hc_stuck_listener');
      await stuck!.query('BEGIN');
      await stuck!.query('SELECT 1');
      await holder!.query('SELECT pg_advisory_lock(727227)');
      const session = await openForTest(server.dsn, { 'backlog-settle-ms': '1000' });
      try {
        // The lock waiter arrives after the case took its baseline: once its listeners are there.
        const arrive = (async () => {
          for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
            const r = await holder!.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE '%\\_t227\\_backlog\\_listener'");
            if (r.rows[0].n > 0) {
              waiting = waiter!.query('SELECT pg_advisory_lock(727227)').catch(() => undefined);
              return true;
            }
          }
          return false;
        })();
        const r = await runCases(session, ['T227']);
        expect(await arrive).toBe(true);
        expect(r.T227!.status, r.T227!.message ?? '').toBe('fail');
        expect(r.T227!.message).toMatch(/1000 ms after the load the backlog has not returned to its baseline: the notification queue is at [\d.e-]+ of its size \(baseline [\d.e-]+, peak [\d.e-]+\); 1 sessions still wait on locks \(baseline 0\)/);
      } finally {
        await session.close();
      }
    } finally {
      await stuck!.query('ROLLBACK').catch(() => undefined);
      await holder!.query('SELECT pg_advisory_unlock(727227)').catch(() => undefined);
      await waiting;
      await Promise.all([stuck, holder, waiter].map((c) => c!.end().catch(() => undefined)));
    }
  });
});

describe('T228 graceful degradation', () => {
  it.each([
    ['PostgreSQL 15', 'postgres'],
    ['MariaDB', 'mariadb'],
  ] as const)('fails on %s behind a proxy that sheds its oldest sessions once more than 30 are open', async (_name, kind) => {
    const server = testServer(kind);
    const proxy = await startSheddingProxy(server, 30);
    const session = await openForTest(server.dsn);
    try {
      // Only the case's own sessions go through the mutant (its setup and cleanup stay direct, so
      // the run's namespace is dropped whatever the proxy does).
      (session.target as { dsn: string }).dsn = proxy.dsnVia(server.dsn);
      const r = await runCases(session, ['T228']);
      expect(proxy.mutations()).toBeGreaterThan(0);
      expect(r.T228!.status, r.T228!.message ?? '').toBe('fail');
      expect(r.T228!.message).toMatch(/^\d+ of \d+ established sessions were dropped during or after the ramp/);
    } finally {
      await session.close();
      await proxy.close();
    }
  });
});
