// The resource cases (T220, T222, T224, T226) against the real PostgreSQL 15 the test run shares,
// watched through --server-pid (its postmaster), and each one against a mutant that must fail it:
// - a leaking endpoint: a framing proxy that sends a never-deallocated PREPARE of a large
//   statement after every client statement (the server's backends grow) and a pooler behind it that
//   never gives a server session back (so neither the sessions nor their growth are released):
//   T220 (growth under load) and T224 (release after the load) must fail;
// - a proxy that rewrites each insert into one that also burns CPU (a count over generate_series):
//   T222 must fail on CPU;
// - a proxy that answers CHECKPOINT with an I/O error: T226 must fail; a real role without the
//   privilege makes it n/a (the endpoint was not judged), not a pass;
// - a DSN without --server-pid: the memory and CPU cases are n/a with the reason.
// Limits here are the seed's except where a margin is needed that does not depend on the machine's
// speed: the CPU limits (CPU time, not wall time, is measured) sit between the plain server's
// figure and the mutant's with a wide margin on both sides.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Execution, SuiteSession } from '@helios-conformance/core';
import { rewriteSql, startProxy, testServer, type PgFrame, type Proxy } from '@helios-conformance/suite-kit';
import { openSqlEndpoint } from '@helios-conformance/sql';
import type { StressTarget } from '../src/target.js';
import type { ServerSeries } from '../src/monitor/server-monitor.js';
import { openForTest, runCases } from './helpers.js';

const server = (): ReturnType<typeof testServer> => testServer('postgres');
const PID = (): string => String(server().pid);
// T222 at 200 inserts/s: the plain server needs a few % of this machine for it; the mutant's
// inserts each burn several ms of CPU, more than 100 % of one core at that rate.
const CPU = { 't222-rate': '200', 't222-cpu-avg-pct': '20', 't222-cpu-peak-pct': '35' };
// Loads of 2 s here: samples every 100 ms; T224's backends are gone within milliseconds of the
// load's end, so a 1 s settle (the leak keeps them for good).
const SAMPLE = { 'sample-ms': '100', 't224-settle': '1' };

type Judged = { series: ServerSeries; judged?: Record<string, unknown> };
const judged = (s: SuiteSession<StressTarget>, id: string): Judged => (s.target.sections.server as Record<string, Judged>)[id]!;

async function run(dsn: string, ids: string[], options: Record<string, string> = {}): Promise<{ r: Record<string, Execution>; s: SuiteSession<StressTarget> }> {
  const s = await openForTest(dsn, { 'server-pid': PID(), ...CPU, ...SAMPLE, ...options });
  try {
    return { r: await runCases(s, ids), s };
  } finally {
    await s.close();
  }
}

/** A pooler that never gives a server session back: when its client goes, the server connection stays open (until close). */
async function startHoldingPooler(upstream: { host: string; port: number }): Promise<{ host: string; port: number; held: () => number; close: () => Promise<void> }> {
  const kept = new Set<Socket>();
  let held = 0;
  const srv: Server = createServer((client) => {
    const up = connect(upstream);
    kept.add(up).add(client);
    client.pipe(up, { end: false });
    up.pipe(client);
    client.on('error', () => undefined);
    up.on('error', () => undefined);
    client.on('close', () => {
      kept.delete(client);
      if (!up.destroyed) held++;
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address() as { port: number };
  return {
    host: '127.0.0.1',
    port: addr.port,
    held: () => held,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of kept) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/**
 * The leaking endpoint: client → framing proxy (after each Sync or Query, a PREPARE of a ~16 kB
 * statement the client never sees, its answers swallowed; the client's Terminate dropped) →
 * holding pooler → server.
 */
async function startLeakingEndpoint(): Promise<{ dsn: string; proxy: Proxy; pooler: Awaited<ReturnType<typeof startHoldingPooler>>; close: () => Promise<void> }> {
  const pooler = await startHoldingPooler(server());
  let n = 0;
  const filler = 'x'.repeat(16_000);
  const proxy = await startProxy({
    family: 'postgres',
    upstream: pooler,
    // Answers arrive in order: one unit per Sync or Query, ended by ReadyForQuery ('Z'). `swallow`
    // says, per unit still owed, whether it answers an injected PREPARE. The first unit is the startup's.
    client(frame, ctx) {
      const owed = (ctx.state.owed ??= [false]) as boolean[];
      if (frame.type === 'X') return null;
      if (frame.type !== 'S' && frame.type !== 'Q') return frame;
      owed.push(false, true);
      ctx.mark();
      const prepare: PgFrame = { type: 'Q', body: Buffer.from(`PREPARE hc_leak_${n++} AS SELECT '${filler}'::text || ${n}\0`) };
      return [frame, prepare];
    },
    server(frame, ctx) {
      const owed = (ctx.state.owed ??= [false]) as boolean[];
      const swallow = owed[0] === true;
      if (frame.type === 'Z') owed.shift();
      return swallow ? null : frame;
    },
  });
  return {
    dsn: proxy.dsnVia(server().dsn),
    proxy,
    pooler,
    close: async () => {
      await proxy.stop();
      await pooler.close();
    },
  };
}

describe('resource cases on PostgreSQL 15 (--server-pid: its postmaster)', () => {
  it('pass on the plain server, each with its figures and a series of the server\'s memory and CPU', async () => {
    const { r, s } = await run(server().dsn, ['T220', 'T222', 'T224', 'T226']);
    for (const id of ['T220', 'T222', 'T224', 'T226']) expect(`${id}:${r[id]!.status}`, r[id]!.message ?? '').toBe(`${id}:pass`);
    for (const id of ['T220', 'T222', 'T224', 'T226']) {
      const { series } = judged(s, id);
      expect(series.source).toBe('proc');
      expect(series.pid).toBe(server().pid);
      // The tree is the postmaster, its auxiliary processes and the backends of the load.
      expect(Math.max(...series.samples.map((x) => x.processes ?? 0))).toBeGreaterThanOrEqual(10);
      expect(series.samples.every((x) => (x.anonKb ?? 0) > 0 && (x.rssKb ?? 0) >= (x.pssKb ?? 0))).toBe(true);
      expect(Math.max(...series.samples.map((x) => x.connections ?? 0))).toBeGreaterThanOrEqual(10);
    }
    const t220 = judged(s, 'T220').judged!;
    const t222 = judged(s, 'T222').judged!;
    const t224 = judged(s, 'T224').judged!;
    console.info(`plain: T220 growth ${t220.growthPct} %; T222 CPU avg ${t222.avgPct} % peak ${t222.peakPct} % of the machine; T224 baseline ${t224.baselineKb} peak ${t224.peakKb} after ${t224.afterKb} kB`);
    // The load's backends are seen: the peak is well above the server at rest, and it went back.
    expect(t224.peakKb as number).toBeGreaterThan((t224.baselineKb as number) * 1.3);
    // The CPU of 200 inserts/s is seen, and far from the loosened limit the mutant must cross.
    expect(t222.avgPct as number).toBeGreaterThan(0);
    expect(t222.avgPct as number).toBeLessThan(Number(CPU['t222-cpu-avg-pct']) / 2);
    const cps = judged(s, 'T226').judged!.checkpoints as Array<{ outcome: string; ms: number }>;
    expect(cps.map((c) => c.outcome)).toEqual(['done']);
  });

  it('fails T220 and T224 on an endpoint whose sessions leak memory and are never released', async () => {
    const leak = await startLeakingEndpoint();
    try {
      const a = await run(leak.dsn, ['T220']);
      expect(a.r.T220!.status, a.r.T220!.message ?? '').toBe('fail');
      expect(a.r.T220!.message).toMatch(/anon memory grew [\d.]+ % under a constant write rate/);
      console.info(`leaking: T220 ${a.r.T220!.message}`);
    } finally {
      await leak.close();
    }
    const leak2 = await startLeakingEndpoint();
    try {
      const b = await run(leak2.dsn, ['T224']);
      expect(b.r.T224!.status, b.r.T224!.message ?? '').toBe('fail');
      expect(b.r.T224!.message).toMatch(/^1 s after the load stopped the server's anon memory is [\d.]+ MB, [\d.]+ % above its baseline/);
      expect(leak2.pooler.held()).toBeGreaterThanOrEqual(10);
      expect(leak2.proxy.mutations()).toBeGreaterThan(100);
      console.info(`leaking: T224 ${b.r.T224!.message}`);
    } finally {
      await leak2.close();
    }
  });

  it('fails T222 when every insert costs real CPU on the server', async () => {
    const proxy = await startProxy({
      family: 'postgres',
      upstream: server(),
      client: rewriteSql((sql) => (/^INSERT INTO .* VALUES \(\$1, 0, repeat\('x', 80\)\)$/.test(sql) ? sql.replace(/ VALUES \((.*)\)$/, (_, values: string) => ` SELECT ${values} FROM (SELECT count(*) FROM generate_series(1, 25000)) burn`) : sql)),
    });
    try {
      const { r, s } = await run(proxy.dsnVia(server().dsn), ['T222']);
      expect(proxy.mutations()).toBeGreaterThan(0);
      expect(r.T222!.status, r.T222!.message ?? '').toBe('fail');
      expect(r.T222!.message).toMatch(/the server's CPU (averaged|peaked at) [\d.]+ % of the machine/);
      console.info(`burning: T222 ${r.T222!.message}; ${JSON.stringify(judged(s, 'T222').judged)}`);
    } finally {
      await proxy.stop();
    }
  });

  it('fails T226 when CHECKPOINT errors, and is n/a (not a pass) for a role that may not checkpoint', async () => {
    const proxy = await startProxy({
      family: 'postgres',
      upstream: server(),
      client: rewriteSql((sql) => (sql.trim().toUpperCase() === 'CHECKPOINT' ? "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = '58030', MESSAGE = 'could not fsync file \"base/1/2\": Input/output error'; END$$" : sql)),
    });
    try {
      const { r } = await run(proxy.dsnVia(server().dsn), ['T226']);
      expect(proxy.mutations()).toBe(1);
      expect(r.T226!.status, r.T226!.message ?? '').toBe('fail');
      expect(r.T226!.message).toMatch(/CHECKPOINT issued under load failed: SQLSTATE 58030: could not fsync/);
    } finally {
      await proxy.stop();
    }

    const role = `hc_nockpt_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const admin = await openSqlEndpoint(server().dsn, { timeoutMs: 10_000, log: () => undefined });
    const a = await admin.open();
    try {
      await a.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await a.query(`GRANT CREATE ON DATABASE ${server().database} TO ${role}`);
      const u = new URL(server().dsn);
      u.username = role;
      u.password = password;
      const { r } = await run(u.toString(), ['T226']);
      expect(r.T226!.status, r.T226!.message ?? '').toBe('n/a');
      expect(r.T226!.message).toMatch(/may not run CHECKPOINT \(SQLSTATE 42501/);
    } finally {
      await a.query(`REVOKE CREATE ON DATABASE ${server().database} FROM ${role}`).catch(() => undefined);
      await a.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await a.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await a.close();
      await admin.close();
    }
  });

  it('without --server-pid the memory and CPU cases are n/a with the reason; a --server-pid of another process is refused', async () => {
    const s = await openForTest(server().dsn);
    try {
      const r = await runCases(s, ['T220', 'T222', 'T224']);
      for (const id of ['T220', 'T222', 'T224']) {
        expect(r[id]!.status).toBe('n/a');
        expect(r[id]!.message).toMatch(/pass --server-pid .* or run without --dsn/);
        expect(r[id]!.durationMs).toBeLessThan(1_000);
      }
    } finally {
      await s.close();
    }
    await expect(openForTest(server().dsn, { 'server-pid': String(process.pid) })).rejects.toThrow(new RegExp(`--server-pid ${process.pid} is not this endpoint's server`));
    await expect(openForTest(server().dsn, { 'server-pid': '4194304' })).rejects.toThrow(/--server-pid 4194304: no such process/);
  });
});
