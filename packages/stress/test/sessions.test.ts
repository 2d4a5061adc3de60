// The session cases against the real test server, each beside a mutant endpoint that must make it
// fail: T223 behind a proxy that keeps closed sessions open on the server.
import { describe, expect, it } from 'vitest';
import { startProxy, testServer } from '@helios-conformance/suite-kit';
import { openForTest, runCases } from './helpers.js';
import { startLeakyProxy, startSheddingProxy } from './session-proxies.js';

// The CI machine is loaded and shared: latency limits are loosened where a test judges something else.
const LOOSE_NOTIFY = { 'notify-p99-ms': '250' };

describe('T223 connection leak', () => {
  it('passes on PostgreSQL 15: 50 opened, 25 closed, 25 reported', async () => {
    const session = await openForTest(testServer('postgres').dsn);
    try {
      const r = await runCases(session, ['T223']);
      expect(r.T223!.status, r.T223!.message ?? '').toBe('pass');
      expect(r.T223!.metrics).toMatchObject({ opened: 50, closed: 25, expected: 25, reported: 25 });
    } finally {
      await session.close();
    }
  });

  it('fails behind a proxy that keeps closed sessions open on the server, naming the count', async () => {
    const server = testServer('postgres');
    const proxy = await startLeakyProxy(server);
    try {
      const session = await openForTest(proxy.dsnVia(server.dsn), { 'leak-deadline-ms': '1500' });
      try {
        const r = await runCases(session, ['T223']);
        expect(r.T223!.status, r.T223!.message ?? '').toBe('fail');
        expect(r.T223!.message).toMatch(/still reports 50 of them, not 25, after \d+ ms \(deadline 1500 ms\): 25 closed sessions leaked/);
        expect(proxy.mutations()).toBeGreaterThanOrEqual(25);
      } finally {
        await session.close();
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('T221 writers and listeners', () => {
  it('passes on PostgreSQL 15: every notification to every listener, none dropped', async () => {
    const session = await openForTest(testServer('postgres').dsn, LOOSE_NOTIFY);
    try {
      const r = await runCases(session, ['T221']);
      const n = (r.T221!.metrics as { notify: { inserted: number; received: number[]; missing: number; latency: { count: number; p99: number } } }).notify;
      console.info(`T221: ${n.inserted} rows, latency p99 ${n.latency.p99} ms`);
      expect(r.T221!.status, r.T221!.message ?? '').toBe('pass');
      expect(n.inserted).toBeGreaterThan(300);
      expect(n.received).toEqual(new Array(20).fill(n.inserted));
      expect(n.latency.count).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });

  it('fails behind a proxy that drops the NotificationResponses of one session', async () => {
    const server = testServer('postgres');
    // Connections are numbered in order: the suite's own (endpoint, load driver) first; the hook
    // drops every NotificationResponse ('A') on the connections of listeners named by the case.
    const proxy = await startProxy({
      family: 'postgres',
      upstream: server,
      server: (f, ctx) => {
        if (f.type === 'A' && /_listener$/.test(ctx.startup.application_name ?? '') && ctx.connection % 7 === 0) {
          ctx.mark();
          return null;
        }
        return f;
      },
    });
    try {
      const session = await openForTest(proxy.dsnVia(server.dsn), LOOSE_NOTIFY);
      try {
        const r = await runCases(session, ['T221']);
        expect(proxy.mutations()).toBeGreaterThan(0);
        expect(r.T221!.status, r.T221!.message ?? '').toBe('fail');
        expect(r.T221!.message).toMatch(/notifications never arrived/);
      } finally {
        await session.close();
      }
    } finally {
      await proxy.stop();
    }
  });
});

describe('T227 backlog bounded', () => {
  it('passes on PostgreSQL 15: queue and lock waits bounded and back to baseline, no notification lost', async () => {
    const session = await openForTest(testServer('postgres').dsn);
    try {
      const r = await runCases(session, ['T227']);
      const b = (r.T227!.metrics as { backlog: { peak: { queueUsage: number; waiting: number }; samples: number; settleMs: number | null } }).backlog;
      console.info(`T227: peak queue ${b.peak.queueUsage}, peak lock waits ${b.peak.waiting}, settled in ${b.settleMs} ms`);
      expect(r.T227!.status, r.T227!.message ?? '').toBe('pass');
      expect(b.samples).toBeGreaterThan(5);
      // The load did queue notifications and contend for rows: the bounds were tested, not idle.
      expect(b.peak.queueUsage).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });

  it('fails when a session on the server listens but never reads (idle in a transaction): the queue does not drain', async () => {
    const server = testServer('postgres');
    const pg = (await import('pg')).default;
    const stuck = new pg.Client({ connectionString: server.dsn });
    await stuck.connect();
    try {
      // A listener inside a transaction reads nothing until it ends, and the queue cannot be freed past it.
      await stuck.query('LISTEN hc_stuck_listener');
      await stuck.query('BEGIN');
      await stuck.query('SELECT 1');
      const session = await openForTest(server.dsn, { 'backlog-settle-ms': '1500' });
      try {
        const r = await runCases(session, ['T227']);
        expect(r.T227!.status, r.T227!.message ?? '').toBe('fail');
        expect(r.T227!.message).toMatch(/1500 ms after the load the backlog has not returned to its baseline: the notification queue is at [\d.e-]+ of its size \(baseline 0/);
      } finally {
        await session.close();
      }
    } finally {
      await stuck.query('ROLLBACK').catch(() => undefined);
      await stuck.end();
    }
  });
});

describe('T228 graceful degradation', () => {
  it('passes on PostgreSQL 15: the ramp ends in 53300 refusals, every accepted session still works', async () => {
    const session = await openForTest(testServer('postgres').dsn);
    try {
      const r = await runCases(session, ['T228']);
      const ramp = (r.T228!.metrics as { ramp: { stoppedBy: string; peakConnections: number; alive: number; servedAfter: boolean } }).ramp;
      console.info(`T228: stopped by ${ramp.stoppedBy} at ${ramp.peakConnections} sessions`);
      expect(r.T228!.status, r.T228!.message ?? '').toBe('pass');
      // The test server keeps PostgreSQL's default max_connections (100): the ramp reaches it.
      expect(ramp.stoppedBy).toBe('refusal');
      expect(ramp.alive).toBe(ramp.peakConnections);
      expect(ramp.servedAfter).toBe(true);
    } finally {
      await session.close();
    }
  });

  it('fails behind a proxy that sheds its oldest sessions once more than 30 are open', async () => {
    const server = testServer('postgres');
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
