// Verdicts through a hop that only delays and re-chunks traffic (suite-kit's perturbation proxy)
// must equal the direct verdicts: a difference is a case that judged arrival order, a deadline too
// tight for one more hop, or a parser that expects a message in one chunk. The whole catalog runs
// directly and through the proxy (seed 1, up to 5 ms per chunk, split; in three shards at once, each
// through its own proxy); then the cases about two or more sessions at once run again at seeds 1-3
// with up to 40 ms per chunk, the three seeds (three shards each) at the same time. A full sweep of the whole catalog at
// 40 ms: HC_PERTURB_SEEDS=1,2,...,20.
import { describe, expect, it } from 'vitest';
import { defineSuite, runSuite, type Report, type RunEvent } from '@helios-conformance/core';
import { startPerturbProxy, testServer, withParams } from '@helios-conformance/suite-kit';
import { connect, defineMysqlCase } from '../src/_internal/case-kit.js';
import { mysqlSuite } from '../src/index.js';

const SWEEP = process.env.HC_PERTURB_SEEDS?.split(',').map(Number);
const SEEDS = SWEEP ?? [1, 2, 3];
/** The cases' own random choices: the same in every run, so only the network differs. */
const CASE_SEED = 42;
/**
 * The cases whose subject is two or more sessions at once (read one by one for this list): visibility
 * across sessions (MY-003, MY-014, MY-058, MY-080), lock waits, deadlock, FOR UPDATE and named locks
 * (MY-056, MY-057, MY-059, MY-081), one session killing another's query or connection (MY-060,
 * MY-013), a watcher waiting for closed sessions to leave the process list (MY-012, MY-015), a pool
 * of five connections (MY-078). Other cases that open a second connection use it as a tool (a login
 * as another user, another driver, other client flags) and run only in the whole-catalog comparison.
 */
const CONCURRENT = ['MY-003', 'MY-012', 'MY-013', 'MY-014', 'MY-015', 'MY-056', 'MY-057', 'MY-058', 'MY-059', 'MY-060', 'MY-078', 'MY-080', 'MY-081'];

/** The test MariaDB with TLS verified (its certificate names 127.0.0.1, where the proxy listens too). */
function dsn(): string {
  const s = testServer('mariadb');
  return withParams(s.dsn, { 'ssl-mode': 'VERIFY_IDENTITY', 'ssl-ca': s.caCertPath ?? '' });
}

/** Every case whose status differs, with both messages. */
function differences(direct: Report, via: Report[]): string[] {
  const byId = new Map(direct.results.map((r) => [r.id, r]));
  return via
    .flatMap((v) => v.results)
    .filter((r) => byId.get(r.id)?.status !== r.status)
    .map((r) => {
      const d = byId.get(r.id);
      return `${r.id}: directly ${d?.status ?? 'not run'} (${d?.message ?? '-'}); through the proxy ${r.status} (${r.message ?? '-'})`;
    });
}

/**
 * Cases that used more than half their deadline through the proxy: one more hop of that size would
 * turn them into errors, so the deadline is too tight for the round trips the case makes.
 */
function tight(rs: Report[]): string[] {
  const deadline = new Map(mysqlSuite.cases.map((c) => [c.id, c.timeoutMs ?? mysqlSuite.defaultTimeoutMs ?? 15_000]));
  return rs
    .flatMap((r) => r.results)
    .filter((x) => x.durationMs > deadline.get(x.id)! / 2)
    .map((x) => `${x.id}: ${Math.round(x.durationMs)} ms of its ${deadline.get(x.id)} ms deadline`);
}

/** The slowest cases of some runs, for the log (where the proxy's time goes). */
const slowest = (rs: Report[], n = 4): string =>
  rs
    .flatMap((r) => r.results)
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, n)
    .map((x) => `${x.id} ${Math.round(x.durationMs)} ms`)
    .join(', ');

/**
 * Runs the selection through a fresh proxy (Nagle off, so a split write does not wait for a delayed
 * ACK on top of the random delay), in `shards` runs at once, each through its own proxy. Returns the
 * reports and how many connections each case opened.
 */
async function throughProxy(seed: number, maxDelayMs: number, o: { only?: readonly string[]; shards?: number } = {}): Promise<{ reports: Report[]; connections: Map<string, number> }> {
  const { host, port } = testServer('mariadb');
  const count = o.shards ?? 1;
  const connections = new Map<string, number>();
  const reports = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const proxy = await startPerturbProxy({ upstream: { host, port }, seed, maxDelayMs, split: true });
      let before = 0;
      const onEvent = (e: RunEvent): void => {
        if (e.type === 'case-start') before = proxy.stats().connections;
        if (e.type === 'case-end') connections.set(e.result.id, proxy.stats().connections - before);
      };
      try {
        const report = await runSuite(mysqlSuite, {
          dsn: proxy.dsnVia(dsn()),
          seed: CASE_SEED,
          ...(o.only ? { only: o.only } : {}),
          ...(count > 1 ? { shard: { index: i + 1, count } } : {}),
          onEvent,
        });
        // It did perturb: it cut the answers into more pieces than it read, and wrote some pieces together.
        const st = proxy.stats();
        expect(st.pieces.down).toBeGreaterThan(st.chunks.down);
        expect(st.writes.down).toBeLessThan(st.pieces.down);
        return report;
      } finally {
        await proxy.close();
      }
    }),
  );
  return { reports, connections };
}

describe('through the perturbation proxy (MariaDB, TLS verified)', () => {
  let direct: Report | undefined;

  it('the whole catalog gives the same statuses as directly (seed 1, up to 5 ms per chunk, split)', async () => {
    const t0 = performance.now();
    const [d, { reports, connections }] = await Promise.all([runSuite(mysqlSuite, { dsn: dsn(), seed: CASE_SEED }), throughProxy(1, 5, { shards: 3 })]);
    direct = d;
    console.log(`[perturb] directly and through the proxy at 5 ms: ${Math.round(performance.now() - t0)} ms (slowest through it: ${slowest(reports)}; directly: ${slowest([d])})`);
    // A comparison of two runs that checked nothing would prove nothing.
    expect(d.summary.pass).toBeGreaterThan(d.results.length / 2);
    expect(reports.flatMap((r) => r.results.map((x) => x.id)).sort()).toEqual(d.results.map((r) => r.id).sort());
    expect(differences(d, reports)).toEqual([]);
    expect(tight(reports)).toEqual([]);
    // Each case of the list opened at least two connections (a list of cases that no longer do would go stale).
    expect(CONCURRENT.filter((id) => (connections.get(id) ?? 0) < 2)).toEqual([]);
  });

  it.each(SEEDS)(`${SWEEP ? 'the whole catalog' : 'the cases about two or more sessions at once'} at up to 40 ms per chunk (seed %i)`, async (seed) => {
    expect(direct, 'the direct run is missing').toBeDefined();
    // In CI the first seed starts all three: they mostly wait on the delays, so they overlap well.
    // A sweep runs one seed (the whole catalog in two shards) after the other.
    if (SWEEP) runs = new Map([[seed, throughProxy(seed, 40, { shards: 2 })]]);
    else runs ??= new Map(SEEDS.map((s) => [s, throughProxy(s, 40, { only: CONCURRENT, shards: 3 })]));
    const t0 = performance.now();
    const { reports } = await runs.get(seed)!;
    console.log(`[perturb] seed ${seed} at 40 ms: ${Math.round(performance.now() - t0)} ms more (slowest: ${slowest(reports)})`);
    expect(reports.flatMap((r) => r.results.map((x) => x.id)).sort()).toEqual(SWEEP ? direct!.results.map((r) => r.id).sort() : CONCURRENT);
    expect(differences(direct!, reports)).toEqual([]);
    expect(tight(reports)).toEqual([]);
  });
});

let runs: Map<number, Promise<{ reports: Report[] }>> | undefined;

describe('the comparison catches a case that judges arrival order', () => {
  // The control: two sessions answer a quick query at nearly the same time, and the case calls the
  // second session's answer arriving first a failure. Directly A's answer (sent first, B's query
  // sleeps 10 ms) always wins; through the proxy B's sometimes does, so the comparison must name it.
  const firstAnswerWins = defineMysqlCase({
    id: 'MY-900',
    title: 'control (arrival order): the first query sent answers first, twenty times',
    priority: 'p2',
    area: 'control',
    timeoutMs: 20_000,
    async run(ctx) {
      const a = await connect(ctx);
      const b = await connect(ctx);
      for (let round = 0; round < 20; round++) {
        const order: string[] = [];
        await Promise.all([a.query('SELECT 1').then(() => order.push('A')), b.query('SELECT SLEEP(0.01)').then(() => order.push('B'))]);
        if (order[0] === 'B') ctx.fail(`round ${round + 1}: B's answer arrived before A's`);
      }
    },
  });
  const control = defineSuite({ ...mysqlSuite, cases: [firstAnswerWins] });

  it('passes directly and differs through the proxy (seed 1, up to 40 ms per chunk)', async () => {
    const d = await runSuite(control, { dsn: dsn(), seed: CASE_SEED });
    expect(d.results.map((r) => r.status)).toEqual(['pass']);
    const { host, port } = testServer('mariadb');
    const proxy = await startPerturbProxy({ upstream: { host, port }, seed: 1, maxDelayMs: 40, split: true });
    try {
      const v = await runSuite(control, { dsn: proxy.dsnVia(dsn()), seed: CASE_SEED });
      expect(differences(d, [v])).toEqual([expect.stringMatching(/^MY-900: directly pass \(-\); through the proxy fail \(round \d+: B's answer arrived before A's\)$/)]);
    } finally {
      await proxy.close();
    }
  });
});
