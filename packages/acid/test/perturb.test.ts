// Verdicts through a hop that only delays and re-chunks traffic (suite-kit's perturbation proxy)
// must equal the direct verdicts, on PostgreSQL 15 and on MariaDB 10.11: every case's status, and
// every cell of the scripted matrix (outcome and how it was prevented: a delay must not turn
// "blocked" into "allowed", "no effect" into "blocked", or the reverse).
//
// - The whole catalog, directly and through the proxy (seed 1, up to 5 ms per chunk, split).
// - At seeds 1-3 with up to 25 ms per chunk: the read committed row with the seed's visibility case
//   (G0, OTV, P4 and PMP block there, on both servers) and the vanishing writers. The other matrix
//   rows and the randomized workloads (judged from their histories, never from when an answer
//   arrived) run at a slower delay only in the full sweep: HC_PERTURB_SEEDS=1,2,...,20 runs the
//   whole catalog at 40 ms at each seed. That is the CI budget: the file is CPU-bound (the workloads
//   run four times), and one serializable row at 25 ms added about 5 s of wall time; 25 ms, not 40,
//   because the matrix is round trips. The deadlines a delay must not cross
//   (blocked after 1000 ms, 300 ms to settle) are far above either.
//
// Every run is cut into groups of cases (a matrix row, a few workloads) and the groups of all runs
// share a pool of concurrent runs, longest first: the matrix mostly waits out blocked statements and
// round trips, so they overlap well. Each group is its own suite run: its own namespace and proxy.
import { beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type Report } from '@helios-conformance/core';
import { startPerturbProxy, testServer } from '@helios-conformance/suite-kit';
import { acidSuite } from '../src/index.js';
import { runAnomaly } from '../src/matrix/index.js';
import type { IsolationSection } from '../src/matrix/index.js';
import { openSqlEndpoint } from '@helios-conformance/sql';

const SWEEP = process.env.HC_PERTURB_SEEDS?.split(',').map(Number);
const SEEDS = SWEEP ?? [1, 2, 3];
/** The cases' own random choices: the same in every run, so only the network differs. */
const CASE_SEED = 7;
/** What the other test files use: a scripted statement that has not answered after 1 s is blocked. */
const BLOCK_MS = 1_000;
/** The larger delay (ms per chunk): 25 in CI (round trips cost it twice, the matrix's time grows with it), 40 in a sweep. */
const SLOW_MS = SWEEP ? 40 : 25;
const SERVERS = ['postgres', 'mariadb'] as const;
type Server = (typeof SERVERS)[number];
/** Runs at once (each holds up to about eight sessions; PostgreSQL allows 100). */
const POOL = 20;

/** The catalog in groups that run at once; a level's P0 and P1 cases share their row, so they stay together. */
const GROUPS: Record<string, readonly string[]> = {
  ru: ['AC-001'],
  rc: ['AC-002', 'AC-008'],
  rr: ['AC-003', 'AC-004', 'AC-005', 'AC-006'],
  ser: ['AC-007'],
  w1: ['AC-100', 'AC-101', 'AC-110', 'AC-120'],
  w2: ['AC-102', 'AC-103', 'AC-104', 'AC-111', 'AC-121', 'AC-130'],
};
/** What runs at {@link SLOW_MS} in CI (see the top of the file). */
const TIMED: Record<string, readonly string[]> = { rc: GROUPS.rc!, writers: ['AC-120', 'AC-121'] };

interface Job {
  server: Server;
  ids: readonly string[];
  /** Through a proxy with this seed; directly when undefined. */
  seed?: number;
  maxDelayMs?: number;
  /** Seconds it took last time measured (only orders the pool: longest first). */
  weight: number;
}

async function runJob(j: Job): Promise<Report> {
  const s = testServer(j.server);
  const proxy =
    j.seed === undefined ? undefined : await startPerturbProxy({ upstream: { host: s.host, port: s.port }, seed: j.seed, maxDelayMs: j.maxDelayMs, split: true });
  try {
    const report = await runSuite(acidSuite, { dsn: proxy ? proxy.dsnVia(s.dsn) : s.dsn, seed: CASE_SEED, only: j.ids, options: { 'block-after-ms': String(BLOCK_MS) } });
    // It did perturb: it cut the answers into more pieces than it read, and wrote some pieces together.
    if (proxy) {
      const st = proxy.stats();
      expect(st.pieces.down).toBeGreaterThan(st.chunks.down);
      expect(st.writes.down).toBeLessThan(st.pieces.down);
    }
    return report;
  } finally {
    await proxy?.close();
  }
}

/** Runs every job, at most `POOL` at once, longest first; results in the jobs' order. */
async function runAll(jobs: Job[]): Promise<Report[]> {
  const order = jobs.map((j, i) => i).sort((a, b) => jobs[b]!.weight - jobs[a]!.weight);
  const out: Report[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < order.length) {
      const i = order[next++]!;
      out[i] = await runJob(jobs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(POOL, jobs.length) }, worker));
  return out;
}

/** Several group reports read as one: results in catalog order, matrix rows merged. */
interface Merged {
  results: Report['results'];
  cells: Map<string, string>;
  timing: IsolationSection['timing'][];
}
function merge(reports: Report[]): Merged {
  const order = new Map(acidSuite.cases.map((c, i) => [c.id, i]));
  const cells = new Map<string, string>();
  const timing: IsolationSection['timing'][] = [];
  for (const r of reports) {
    const iso = r.sections?.isolation as IsolationSection | undefined;
    if (iso) timing.push(iso.timing);
    for (const [level, row] of Object.entries(iso?.matrix ?? {})) {
      for (const [a, c] of Object.entries(row ?? {})) cells.set(`${level} × ${a}`, `${c?.outcome}: ${c?.how}`);
    }
  }
  return { results: reports.flatMap((r) => r.results).sort((a, b) => order.get(a.id)! - order.get(b.id)!), cells, timing };
}

/**
 * Cases that used more than half their deadline through the proxy: one more hop of that size would
 * turn them into errors, so the deadline is too tight for the round trips the case makes.
 */
function tight(m: Merged): string[] {
  const deadline = new Map(acidSuite.cases.map((c) => [c.id, c.timeoutMs]));
  return m.results.filter((x) => x.durationMs > deadline.get(x.id)! / 2).map((x) => `${x.id}: ${Math.round(x.durationMs)} ms of its ${deadline.get(x.id)} ms deadline`);
}

/** Every case whose status differs and every matrix cell that differs, with both sides. */
function differences(direct: Merged, via: Merged): string[] {
  const byId = new Map(direct.results.map((r) => [r.id, r]));
  const statuses = via.results
    .filter((r) => byId.get(r.id)?.status !== r.status)
    .map((r) => `${r.id}: directly ${byId.get(r.id)?.status ?? 'not run'} (${byId.get(r.id)?.message ?? '-'}); through the proxy ${r.status} (${r.message ?? '-'})`);
  const matrix = [...via.cells].filter(([k, x]) => direct.cells.get(k) !== x).map(([k, x]) => `${k}: directly ${direct.cells.get(k) ?? 'not run'}; through the proxy ${x}`);
  return [...statuses, ...matrix];
}

// About how many seconds each group takes on this machine (directly / at 5 ms / at SLOW_MS), only to start the longest first.
const WEIGHT: Record<string, [number, number, number]> = { ru: [8, 12, 20], rc: [8, 13, 22], rr: [8, 13, 20], ser: [14, 20, 26], w1: [12, 17, 17], w2: [10, 17, 17], writers: [1, 1, 3] };

describe('through the perturbation proxy (PostgreSQL 15 and MariaDB 10.11)', () => {
  const direct = new Map<Server, Merged>();
  const proxied = new Map<string, Merged>();

  beforeAll(async () => {
    const jobs: Array<Job & { key: string }> = [];
    for (const server of SERVERS) {
      for (const [g, ids] of Object.entries(GROUPS)) {
        jobs.push({ key: `${server} direct`, server, ids, weight: WEIGHT[g]![0] });
        jobs.push({ key: `${server} 5 ms`, server, ids, seed: 1, maxDelayMs: 5, weight: WEIGHT[g]![1] });
      }
      for (const seed of SEEDS) {
        for (const [g, ids] of Object.entries(SWEEP ? GROUPS : TIMED)) jobs.push({ key: `${server} slow seed ${seed}`, server, ids, seed, maxDelayMs: SLOW_MS, weight: WEIGHT[g]![2] });
      }
    }
    const t0 = performance.now();
    const reports = await runAll(jobs);
    console.log(`[perturb] ${jobs.length} runs, at most ${POOL} at once: ${Math.round(performance.now() - t0)} ms`);
    for (const key of new Set(jobs.map((j) => j.key))) {
      const m = merge(reports.filter((_, i) => jobs[i]!.key === key));
      if (key.endsWith(' direct')) direct.set(key.split(' ')[0] as Server, m);
      else proxied.set(key, m);
    }
  }, 600_000);

  it.each(SERVERS)('%s: the whole catalog gives the same statuses and the same matrix as directly (seed 1, up to 5 ms per chunk, split)', (server) => {
    const d = direct.get(server)!;
    const v = proxied.get(`${server} 5 ms`)!;
    // Two runs that checked nothing would agree about nothing.
    expect(d.results.filter((r) => r.status === 'pass').length).toBeGreaterThan(8);
    expect(d.cells.size).toBeGreaterThanOrEqual(40);
    // The report says what "blocked" meant.
    expect(new Set(d.timing.map((t) => JSON.stringify(t)))).toEqual(new Set([JSON.stringify({ blockedAfterMs: BLOCK_MS, settleMs: 300, hungAfterMs: 10_000 })]));
    expect(v.results.map((r) => r.id)).toEqual(acidSuite.cases.map((c) => c.id));
    expect(differences(d, v)).toEqual([]);
    expect(tight(v)).toEqual([]);
  });

  it.each(SEEDS.flatMap((seed) => SERVERS.map((server) => [server, seed] as const)))(
    `%s: ${SWEEP ? 'the whole catalog' : 'read committed (AC-002, AC-008) and the vanishing writers'} at up to ${SLOW_MS} ms per chunk (seed %i)`,
    (server, seed) => {
      const v = proxied.get(`${server} slow seed ${seed}`)!;
      expect(new Set(v.results.map((r) => r.id))).toEqual(new Set(Object.values(SWEEP ? GROUPS : TIMED).flat()));
      expect(differences(direct.get(server)!, v)).toEqual([]);
      expect(tight(v)).toEqual([]);
    },
  );
});

describe('the comparison catches a "blocked" deadline too tight for one more hop', () => {
  // The control: a threshold of 20 ms, under the proxy's 40 ms per chunk. Directly nothing in the
  // read committed G1c script waits; through the proxy its statements stall past 20 ms, are called
  // blocked, and the cell's "how" changes, which the comparison above would name.
  it('G1c at read committed: "no effect" directly, "blocked" through the proxy (seed 1)', async () => {
    const s = testServer('postgres');
    const proxy = await startPerturbProxy({ upstream: { host: s.host, port: s.port }, seed: 1, maxDelayMs: 40, split: true });
    const [d, v] = await Promise.all([openSqlEndpoint(s.dsn), openSqlEndpoint(proxy.dsnVia(s.dsn))]);
    try {
      const cell = async (ep: typeof d): Promise<string> => {
        const c = await runAnomaly(ep, 'read committed', 'G1c', { blockAfterMs: 20 });
        return `${c.outcome}: ${c.how}`;
      };
      expect(await cell(d)).toBe('prevented: no effect');
      expect(await cell(v)).toMatch(/^prevented: blocked/);
    } finally {
      await Promise.all([d.close(), v.close()]);
      await proxy.close();
    }
  });
});
