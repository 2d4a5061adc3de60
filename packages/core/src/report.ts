import type { Priority, Status } from './model.js';
import { PRIORITIES, STATUSES } from './model.js';
import type { MatchedExpectation } from './expectations.js';

/** Report schema version; bumped only on incompatible changes (2: `tier` gave way to `priorities` and `seedTier`). */
export const REPORT_SCHEMA_VERSION = 2 as const;

/**
 * The seed's tier of the *ecosystem* a suite judges (PostgreSQL and MySQL wire are Gold;
 * Snowflake, Databricks, Pinecone Silver; SQL Server, DB2, Oracle Bronze). A property of the
 * suite, never a medal for a run.
 */
export type SeedTier = 'gold' | 'silver' | 'bronze';
/** One case's outcome. */
export interface CaseResult {
  id: string;
  title: string;
  priority: Priority;
  area: string;
  status: Status;
  durationMs: number;
  /** Why it failed, errored, was skipped or is n/a; null on a plain pass. */
  message: string | null;
  /** Measurements the case recorded with `ctx.metric`. */
  metrics: Record<string, unknown>;
  /** The status before expectations were applied, when they changed it. */
  observed?: Status;
  /** The expectations entry that applied. */
  expectation?: MatchedExpectation;
  /**
   * Set when the endpoint stopped answering its liveness probe: `stopped-answering` on the case
   * during which it happened, `down` on each following case not run while it stayed down. `since`
   * names the case during which it stopped; `probe` is why the last probe failed. Such results are
   * `error` whatever the expectations say.
   */
  liveness?: { state: 'stopped-answering' | 'down'; since: string; probe: string };
  /** Lines the case logged. */
  log?: string[];
  spec?: string;
}

/** Counts per status. */
export type Summary = Record<Status, number>;

/**
 * One priority's counts over the cases this run selected. `required` = `total` minus `na`
 * (a case the endpoint cannot apply to is not owed); `passed` counts plain passes only; `failed`
 * counts what makes the run not conformant (fail, error, xpass); `xfail` and `skipped` are owed
 * but were accepted as missing by an expectations entry (or not run), so they are shown apart.
 */
export interface PriorityCounts {
  total: number;
  required: number;
  passed: number;
  failed: number;
  xfail: number;
  skipped: number;
  na: number;
  /** Cases of this priority in the whole catalog (more than `total` when a filter or shard narrowed the run). */
  catalog: number;
}

/** `--shard i/n`: this run holds the selected cases whose ID hashes to shard `index` of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** A run's report (JSON shape documented in conventions.md, schema in schemas/report.schema.json). */
export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  suite: string;
  suiteVersion: string;
  target: { dsn: string | null; server: string | null; embedded: boolean };
  seed: number;
  startedAt: string;
  durationMs: number;
  /** No unexpected failure, error or pass, and the run was not interrupted. */
  conformant: boolean;
  /** Set when the run could not start (exit 2): no result is a verdict, `conformant` is false. */
  cannotRun: { reason: string } | null;
  /** Per-priority counts ("P0 must-pass 30/30"). */
  priorities: Record<Priority, PriorityCounts>;
  /** The seed's tier of the ecosystem this suite judges, and the ecosystem's name; null when the suite judges none. */
  seedTier: SeedTier | null;
  ecosystem: string | null;
  /** Ctrl-C or a whole-run deadline stopped the run early. */
  interrupted: boolean;
  summary: Summary;
  filters: { only: string[]; priorities: Priority[]; areas: string[] };
  /** The `--shard` this run held, or null for the whole selection (also for a merged report). */
  shard: Shard | null;
  /** Which expectations applied (`source`: explicit file, shipped file matching the endpoint, or none) and why. */
  expectations: { file: string | null; unmatched: string[]; source?: import('./shipped.js').ExpectationsSource; reason?: string };
  capabilities: string[];
  results: CaseResult[];
  /** Suite-specific typed sections (isolation matrix, recall curves, latency histograms). */
  sections: Record<string, unknown>;
}

/** Counts results per status (every status present, zero when absent). */
export function summarize(results: readonly CaseResult[]): Summary {
  const s = Object.fromEntries(STATUSES.map((k) => [k, 0])) as Summary;
  for (const r of results) s[r.status]++;
  return s;
}

/** Statuses that make a run not conformant. */
export const UNEXPECTED: readonly Status[] = ['fail', 'error', 'xpass'];

/** True when no result is an unexpected failure, error or pass. */
export function isConformant(results: readonly CaseResult[], interrupted: boolean): boolean {
  return !interrupted && results.every((r) => !UNEXPECTED.includes(r.status));
}

/** Per-priority counts of a run's results (see {@link PriorityCounts}). */
export function countPriorities(
  catalog: ReadonlyArray<{ priority: Priority }>,
  results: readonly CaseResult[],
): Record<Priority, PriorityCounts> {
  const out = Object.fromEntries(
    PRIORITIES.map((p) => [p, { total: 0, required: 0, passed: 0, failed: 0, xfail: 0, skipped: 0, na: 0, catalog: catalog.filter((c) => c.priority === p).length }]),
  ) as Record<Priority, PriorityCounts>;
  for (const r of results) {
    const c = out[r.priority];
    c.total++;
    if (r.status === 'n/a') c.na++;
    else c.required++;
    if (r.status === 'pass') c.passed++;
    else if (UNEXPECTED.includes(r.status)) c.failed++;
    else if (r.status === 'xfail') c.xfail++;
    else if (r.status === 'skip') c.skipped++;
  }
  return out;
}

const TIER_WORD: Record<SeedTier, string> = { gold: 'Gold', silver: 'Silver', bronze: 'Bronze' };

/**
 * "P0 must-pass 30/30 · P1 12/14 (2 xfail) · P2 3/3 (1 n/a)": passed of required per priority
 * that ran, with accepted failures, skips and n/a named apart; "(of 30)" when the run held
 * only part of the catalog's cases of that priority.
 */
export function describePriorities(report: Pick<Report, 'priorities'>): string {
  const parts: string[] = [];
  for (const p of PRIORITIES) {
    const c = report.priorities[p];
    if (!c || c.total === 0) continue;
    const extra = [c.xfail && `${c.xfail} xfail`, c.skipped && `${c.skipped} skipped`, c.na && `${c.na} n/a`, c.total < c.catalog && `${c.total} of ${c.catalog} cases run`].filter(Boolean);
    parts.push(`${p.toUpperCase()}${p === 'p0' ? ' must-pass' : ''} ${c.passed}/${c.required}${extra.length ? ` (${extra.join(', ')})` : ''}`);
  }
  return parts.length ? parts.join(' · ') : 'no case run';
}

/** "suite: PostgreSQL wire (the seed's Gold ecosystem)", or the package name when it is no seed ecosystem. */
export function describeSeedTier(report: Pick<Report, 'seedTier' | 'ecosystem' | 'suite'>): string {
  if (!report.seedTier) return `suite: ${report.ecosystem ?? report.suite} (not one of the seed's tiered ecosystems)`;
  return `suite: ${report.ecosystem ?? report.suite} (the seed's ${TIER_WORD[report.seedTier]} ecosystem)`;
}
