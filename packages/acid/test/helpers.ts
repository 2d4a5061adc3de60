// What the acid test files share: the suite opened in-process, cases run the way the runner runs
// them, and the CLI runs whose reports several files judge (run once per `vitest run`, kept in
// runCacheDir(), so no matrix or workload is run twice against the same server).
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { executeCase, Redactor, type Case, type Execution, type OpenOptions } from '@helios-conformance/core';
import type { SqlEndpoint } from '@helios-conformance/sql';
import { runCacheDir, runCli, testServer, type CliRun } from '@helios-conformance/suite-kit';
import { acidSuite, openAcid, type AcidSession } from '../src/suite.js';
import type { AcidTarget } from '../src/target.js';

/** Opens the acid suite's session the way the CLI does (testbed server or a DSN). */
export function openForTest(o: { dsn?: string; testbed?: 'postgres' | 'mariadb'; historyDir?: string }): Promise<AcidSession> {
  const opts: OpenOptions = {
    dsn: o.dsn,
    seed: 42,
    signal: AbortSignal.timeout(60_000),
    timeoutMs: 60_000,
    allowDestructive: true,
    options: { testbed: o.testbed, 'history-dir': o.historyDir },
    log: () => undefined,
  };
  return openAcid(opts);
}

/** Runs the named cases of the acid suite against an open session, in catalog order. */
export async function runCases(session: AcidSession, ids: readonly string[], o: { allowDestructive?: boolean; seed?: number } = {}): Promise<Record<string, Execution>> {
  const out: Record<string, Execution> = {};
  for (const c of acidSuite.cases.filter((x) => ids.includes(x.id))) out[c.id] = await execute(c, session, o.seed ?? 42, o.allowDestructive ?? true);
  return out;
}

/** Result of {@link runOnEndpoint}: per case ID, what executeCase returned; plus the filled sections. */
export interface CasesRun {
  results: Map<string, Execution>;
  sections: Record<string, unknown>;
}

/** Executes the named cases in catalog order against `endpoint` with a fresh AcidTarget (no server control). */
export async function runOnEndpoint(ids: readonly string[], endpoint: SqlEndpoint, blockAfterMs: number): Promise<CasesRun> {
  const sections: Record<string, unknown> = {};
  const target: AcidTarget = { endpoint, server: undefined, size: 'ci', blockAfterMs, sections };
  const results = new Map<string, Execution>();
  for (const c of acidSuite.cases.filter((x) => ids.includes(x.id))) results.set(c.id, await execute(c, { target, close: async () => undefined }, 1, false));
  return { results, sections };
}

function execute(c: Case<AcidTarget>, session: { target: AcidTarget; close(): Promise<void> }, seed: number, allowDestructive: boolean): Promise<Execution> {
  return executeCase(c, {
    session,
    capabilities: new Set(),
    seed,
    timeoutMs: 180_000,
    graceMs: 500,
    cleanupTimeoutMs: 10_000,
    allowDestructive,
    redactor: new Redactor(),
    classifyError: acidSuite.classifyError,
  });
}

/** A CLI run and the JSON report it wrote. */
export interface ReportedRun {
  run: CliRun;
  /** The report (`results`, `sections`, …). */
  report: { results: Array<{ id: string; status: string; message: string | null }>; sections: Record<string, any>; [k: string]: unknown };
  /** Where its --html and --history-dir output went (when asked for). */
  html: string;
  histories: string;
}

/** Statuses by case ID. */
export const statuses = (r: ReportedRun): Record<string, string> => Object.fromEntries(r.report.results.map((x) => [x.id, x.status]));
/** One case's result. */
export const result = (r: ReportedRun, id: string): { status: string; message: string | null } => r.report.results.find((x) => x.id === id)!;

/** A scripted statement waiting longer than this is blocked (the CLI's default is 1500 ms). */
export const BLOCK_MS = 1_000;
const MATRIX = 'AC-001,AC-002,AC-003,AC-004,AC-005,AC-006,AC-007,AC-008';

/**
 * The CLI runs several test files judge, by name:
 * - `postgres`, `mariadb`: the whole catalog with --dsn against the shared test servers (durability
 *   is skipped: no --allow-destructive), with the shipped expectations, --html and --history-dir;
 * - `mariadbSnapshot`: the matrix cases against MariaDB with innodb_snapshot_isolation=ON;
 * - `embeddedPostgres`, `embeddedMariadb`: the embedded default (a testbed server the run starts,
 *   crashes and restarts) with --allow-destructive, for the durability case.
 */
const RUNS: Record<string, (dir: string) => string[]> = {
  postgres: (dir) => [
    '--dsn', testServer('postgres').dsn, '--expectations', 'expectations/postgresql-15.json', '--block-after-ms', String(BLOCK_MS),
    '--html', path.join(dir, 'report.html'), '--history-dir', path.join(dir, 'histories'), '--seed', '7',
  ],
  mariadb: () => ['--dsn', testServer('mariadb').dsn, '--expectations', 'expectations/mariadb-10.11.json', '--block-after-ms', String(BLOCK_MS), '--seed', '7'],
  mariadbSnapshot: () => ['--dsn', testServer('mariadbSnapshot').dsn, '--only', MATRIX, '--block-after-ms', String(BLOCK_MS), '--seed', '7'],
  embeddedPostgres: () => ['--allow-destructive', '--only', 'AC-120,AC-130', '--seed', '7'],
  embeddedMariadb: () => ['--testbed', 'mariadb', '--allow-destructive', '--only', 'AC-121,AC-130', '--seed', '7'],
};

/** In this file: the runs already started (all of them start together the first time one is asked for). */
let started: Promise<void> | undefined;

/**
 * The report of the named CLI run. The first file that asks starts every run at once (the
 * matrix spends most of its time waiting out blocked statements, so they overlap well) and
 * leaves the results in runCacheDir(); later files read them.
 */
export async function reported(name: keyof typeof RUNS): Promise<ReportedRun> {
  const root = runCacheDir();
  const dirOf = (n: string): string => path.join(root, `acid-${n}`);
  // Server test files run two at a time, in separate workers: the first to take this lock (an
  // atomic mkdir) makes the runs; a worker that finds it taken waits for the runs, then reads them.
  const lock = path.join(root, 'acid-runs.lock');
  const deadline = Date.now() + 420_000;
  while (!existsSync(path.join(dirOf(name), 'run.json'))) {
    try {
      mkdirSync(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() > deadline) throw new Error(`the acid CLI runs another test file started did not finish within 420 s (lock ${lock})`);
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      started ??= Promise.all(
        Object.entries(RUNS).map(async ([n, args]) => {
          const dir = dirOf(n);
          if (existsSync(path.join(dir, 'run.json'))) return;
          mkdirSync(dir, { recursive: true });
          const run = await runCli([...args(dir), '--json', path.join(dir, 'report.json')], { timeoutMs: 400_000 });
          writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
        }),
      ).then(() => undefined);
      await started;
    } finally {
      rmdirSync(lock);
    }
  }
  const dir = dirOf(name);
  const run = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as CliRun;
  const file = path.join(dir, 'report.json');
  if (!existsSync(file)) throw new Error(`the ${name} run wrote no report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  return { run, report: JSON.parse(readFileSync(file, 'utf8')), html: path.join(dir, 'report.html'), histories: path.join(dir, 'histories') };
}
