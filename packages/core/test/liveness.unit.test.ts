import { createRequire } from 'node:module';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { defineCase, defineSuite, runSuite, updatedExpectations, type Report, type RunEvent, type SuiteSession } from '../src/index.js';

/**
 * A real loopback TCP endpoint (one line in, "PONG" out) that can go down (listener closed, every
 * connection destroyed: ECONNREFUSED/ECONNRESET, as when a server process dies) and come back
 * on the same port.
 */
class LineEndpoint {
  port = 0;
  answered = 0;
  private frozen = false;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  async up(): Promise<void> {
    const server = createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
      s.on('data', () => {
        if (this.frozen) return;
        this.answered++;
        s.end('PONG\n');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Connections are accepted and their data read, but nothing is answered (a frozen server). */
  freeze(): void {
    this.frozen = true;
  }

  down(): void {
    this.server?.close();
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
  }
}

/** One round trip to the endpoint: rejects with the socket's error (ECONNREFUSED when it is down). */
function ask(port: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const onAbort = (): void => {
      s.destroy();
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let got = '';
    s.on('connect', () => s.write('PING\n'));
    s.on('data', (d) => (got += String(d)));
    s.on('error', (e) => reject(e));
    s.on('close', () => {
      signal?.removeEventListener('abort', onAbort);
      if (got.startsWith('PONG')) resolve();
      else reject(Object.assign(new Error('connection closed without an answer'), { code: 'ECONNRESET' }));
    });
  });
}

const endpoints: LineEndpoint[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(() => {
  for (const t of timers.splice(0)) clearTimeout(t);
  for (const e of endpoints.splice(0)) e.down();
});

interface Lab {
  ep: LineEndpoint;
  probes: number;
  closes: { ok: boolean }[];
  events: RunEvent[];
}

/** A suite of `n` cases that each ask the endpoint; `dieIn` takes the endpoint down inside that case. */
async function lab(n: number, dieIn: string, o: { comeBackAfterMs?: number; probe?: boolean; afterCase?: SuiteSession<unknown>['afterCase'] } = {}) {
  const ep = new LineEndpoint();
  endpoints.push(ep);
  await ep.up();
  const l: Lab = { ep, probes: 0, closes: [], events: [] };
  const cases = Array.from({ length: n }, (_, i) => {
    const id = `LV-${String(i + 1).padStart(3, '0')}`;
    return defineCase({
      id,
      title: `asks the endpoint (${id})`,
      priority: 'p0',
      area: 'liveness',
      since: '0.1.0',
      async run(ctx) {
        if (id === dieIn) {
          ep.down();
          if (o.comeBackAfterMs !== undefined) timers.push(setTimeout(() => void ep.up(), o.comeBackAfterMs));
        }
        await ask(ep.port, ctx.signal);
      },
    });
  });
  const suite = defineSuite({
    name: '@helios-conformance/liveness-lab',
    version: '0.1.0',
    description: 'liveness lab',
    bin: 'lab',
    idPrefixes: ['LV-'],
    cases,
    defaultTimeoutMs: 3_000,
    defaultTarget: 'a loopback line server',
    async open() {
      return {
        target: {},
        namespace: 'schema hc_lab00001',
        ...(o.probe === false ? {} : { probe: (signal: AbortSignal) => (l.probes++, ask(ep.port, signal)) }),
        ...(o.afterCase ? { afterCase: o.afterCase } : {}),
        async close() {
          // Like fromDsn's close(): a fresh connection drops the namespace.
          try {
            await ask(ep.port);
            l.closes.push({ ok: true });
          } catch (e) {
            l.closes.push({ ok: false });
            throw e;
          }
        },
      };
    },
  });
  return { l, suite };
}

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validateReport = ajv.compile(createRequire(import.meta.url)('../schemas/report.schema.json') as object);

const byId = (r: Report) => Object.fromEntries(r.results.map((x) => [x.id, x]));
const notes = (l: Lab) => l.events.flatMap((e) => (e.type === 'note' ? [e.message] : []));

describe('runner liveness', () => {
  it('names the case during which the endpoint died, reports the next ones down, runs again once it answers, and cleans up', async () => {
    const { l, suite } = await lab(8, 'LV-002', { comeBackAfterMs: 1_600 });
    const t0 = Date.now();
    const report = await runSuite(suite, {
      onEvent: (e) => l.events.push(e),
      // Expected failures must not mask a dead endpoint.
      expectations: { expectations: { 'LV-002': { expect: 'fail', reason: 'known' }, 'LV-003': { expect: 'fail', reason: 'known' } } },
    });
    const ms = Date.now() - t0;
    const r = byId(report);
    expect(r['LV-001']?.status).toBe('pass');
    expect(r['LV-002']?.status).toBe('error');
    expect(r['LV-002']?.message).toMatch(/ECONNREFUSED.*; the endpoint stopped answering during this case \(probe: .*ECONNREFUSED/);
    expect(r['LV-002']?.liveness).toMatchObject({ state: 'stopped-answering', since: 'LV-002' });
    const down = report.results.filter((x) => x.liveness?.state === 'down');
    // About 1 s of waiting per case: a 1.6 s outage costs one or two cases, never the rest of the run.
    expect(down.length).toBeGreaterThanOrEqual(1);
    expect(down.length).toBeLessThanOrEqual(2);
    for (const d of down) {
      expect(d.status).toBe('error');
      expect(d.message).toMatch(/^not run: endpoint down since LV-002 \(probe: .*ECONNREFUSED/);
    }
    expect(down.map((d) => d.id)).toEqual(['LV-003', 'LV-004'].slice(0, down.length));
    for (const x of report.results.slice(2 + down.length)) expect(x.status, x.id).toBe('pass');
    expect(r['LV-008']?.status).toBe('pass');
    expect(notes(l).some((m) => /^endpoint down since LV-002 \(probe: .*\); waiting up to 1000 ms/.test(m))).toBe(true);
    expect(notes(l)).toContain(`endpoint answering again after ${down.length} case${down.length === 1 ? '' : 's'} not run (down since LV-002)`);
    expect(l.closes).toEqual([{ ok: true }]);
    expect(report.conformant).toBe(false);
    expect(ms).toBeLessThan(6_000);
    // --update-expectations never baselines a dead endpoint: those cases count as not run, so the
    // entries they had are kept as they were and none is added for them.
    const ids = suite.cases.map((c) => c.id);
    expect(Object.keys(updatedExpectations(undefined, report, ids).expectations)).toEqual([]);
    expect(updatedExpectations({ expectations: { 'LV-002': { expect: 'fail', reason: 'known' } } }, report, ids).expectations).toEqual({ 'LV-002': { expect: 'fail', reason: 'known' } });
    // The liveness fields are part of the published report schema.
    expect(validateReport(JSON.parse(JSON.stringify(report))), JSON.stringify(validateReport.errors)).toBe(true);
  });

  it('waits for the endpoint before the final cleanup, so the namespace is still dropped', async () => {
    const { l, suite } = await lab(4, 'LV-003', { comeBackAfterMs: 1_500 });
    // No waiting between cases: LV-004 is reported down at once, the cleanup wait sees it come back.
    const report = await runSuite(suite, { onEvent: (e) => l.events.push(e), livenessBudgetMs: 0, cleanupTimeoutMs: 5_000 });
    const r = byId(report);
    expect(r['LV-003']?.liveness?.state).toBe('stopped-answering');
    expect(r['LV-004']?.message).toMatch(/^not run: endpoint down since LV-003 \(probe: .*; stopped waiting for it after 0 ms\)$/);
    expect(notes(l)).toContain('endpoint down since LV-003: waiting up to 5000 ms for it to answer so the run can clean up');
    expect(notes(l)).toContain('endpoint answering again; cleaning up');
    expect(l.closes).toEqual([{ ok: true }]);
    expect(notes(l).filter((m) => m.startsWith('cleanup warning'))).toEqual([]);
  });

  it('an endpoint that stays down ends the run within its bounds and names the namespace left behind', async () => {
    const { l, suite } = await lab(30, 'LV-001');
    const t0 = Date.now();
    const report = await runSuite(suite, { onEvent: (e) => l.events.push(e), livenessBudgetMs: 2_000, cleanupTimeoutMs: 600 });
    const ms = Date.now() - t0;
    expect(report.results.map((x) => x.status)).toEqual(Array(30).fill('error'));
    expect(report.results.slice(1).every((x) => x.liveness?.state === 'down' && x.liveness.since === 'LV-001')).toBe(true);
    expect(report.results.at(-1)?.message).toMatch(/stopped waiting for it after 2000 ms\)$/);
    // 2 s of waiting between cases in all, then 0.6 s before cleanup.
    expect(ms).toBeLessThan(2_000 + 600 + 1_500);
    const warning = notes(l).find((m) => m.startsWith('cleanup warning'));
    expect(warning).toMatch(/ECONNREFUSED.*\(the endpoint, down since LV-001, did not answer within 600 ms: .*\); schema hc_lab00001 was left behind on the endpoint$/);
  });

  it('a frozen endpoint: the case that timed out is named, the next ones are not run, within bounds', async () => {
    const ep = new LineEndpoint();
    endpoints.push(ep);
    await ep.up();
    const cases = ['LV-001', 'LV-002', 'LV-003', 'LV-004'].map((id) =>
      defineCase({
        id,
        title: `asks the endpoint (${id})`,
        priority: 'p0',
        area: 'liveness',
        since: '0.1.0',
        timeoutMs: 500,
        async run(ctx) {
          if (id === 'LV-002') ep.freeze();
          await ask(ep.port, ctx.signal);
        },
      }),
    );
    const suite = defineSuite({
      name: '@helios-conformance/liveness-lab',
      version: '0.1.0',
      description: 'liveness lab',
      bin: 'lab',
      idPrefixes: ['LV-'],
      defaultTarget: 'a loopback line server',
      cases,
      async open() {
        return { target: {}, probe: (signal: AbortSignal) => ask(ep.port, signal), close: () => ask(ep.port, AbortSignal.timeout(300)) };
      },
    });
    const events: RunEvent[] = [];
    const t0 = Date.now();
    const report = await runSuite(suite, { livenessBudgetMs: 1_000, cleanupTimeoutMs: 300, onEvent: (e) => events.push(e) });
    const ms = Date.now() - t0;
    expect(report.results.map((r) => r.status)).toEqual(['pass', 'error', 'error', 'error']);
    expect(report.results[1]?.message).toMatch(/^timed out after 500 ms.*; the endpoint stopped answering during this case \(probe: no answer within 2000 ms\)$/);
    for (const r of report.results.slice(2)) expect(r.message).toMatch(/^not run: endpoint down since LV-002 \(probe: no answer within 2000 ms/);
    // 0.5 s timeout + 2 s probe + (1 s window + one 2 s probe) + final probe 2 s + close 0.3 s, with slack.
    expect(ms).toBeLessThan(10_000);
    expect(events.some((e) => e.type === 'note' && e.message.startsWith('cleanup warning'))).toBe(true);
  });

  it('probes only after a lost connection, and not at all when afterCase already replaced the result', async () => {
    // A failing assertion is no reason to probe.
    const ep = new LineEndpoint();
    endpoints.push(ep);
    await ep.up();
    let probes = 0;
    const suite = defineSuite({
      name: '@helios-conformance/liveness-lab',
      version: '0.1.0',
      description: 'liveness lab',
      bin: 'lab',
      idPrefixes: ['LV-'],
      defaultTarget: 'a loopback line server',
      cases: [
        defineCase({ id: 'LV-001', title: 'fails an assertion', priority: 'p0', area: 'x', since: '0.1.0', run: (ctx) => ctx.fail('wrong answer') }),
        defineCase({ id: 'LV-002', title: 'asks', priority: 'p0', area: 'x', since: '0.1.0', run: (ctx) => ask(ep.port, ctx.signal) }),
      ],
      async open() {
        return { target: {}, probe: (signal: AbortSignal) => (probes++, ask(ep.port, signal)), close: async () => undefined };
      },
    });
    const report = await runSuite(suite, {});
    expect(report.results.map((x) => x.status)).toEqual(['fail', 'pass']);
    expect(probes).toBe(0);

    const { l, suite: crashing } = await lab(3, 'LV-001', {
      comeBackAfterMs: 0,
      afterCase: async (observed) => (observed.status === 'error' ? { status: 'error', message: 'embedded server crashed during this case; restarted for the next case' } : undefined),
    });
    const r2 = await runSuite(crashing, {});
    expect(r2.results[0]?.message).toBe('embedded server crashed during this case; restarted for the next case');
    expect(r2.results[0]?.liveness).toBeUndefined();
    expect(l.probes).toBe(0);
  });
});
