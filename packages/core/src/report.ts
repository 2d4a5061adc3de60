import type { Priority, Status } from './model.js';
import { PRIORITIES, STATUSES } from './model.js';
import type { MatchedExpectation } from './expectations.js';

/** Report schema version; bumped only on incompatible changes. */
export const REPORT_SCHEMA_VERSION = 1 as const;

/** Highest tier fully passed: gold = every p0 case, silver = p0+p1, bronze = all. */
export type Tier = 'gold' | 'silver' | 'bronze';

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
  /** Lines the case logged. */
  log?: string[];
  spec?: string;
}

/** Counts per status. */
export type Summary = Record<Status, number>;

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
  tier: Tier | null;
  /** Ctrl-C or a whole-run deadline stopped the run early. */
  interrupted: boolean;
  summary: Summary;
  filters: { only: string[]; priorities: Priority[]; areas: string[] };
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

/**
 * The highest tier whose cases all passed. Every case of the catalog at that priority and
 * above must have run and passed (`n/a` counts as passed: the endpoint does not offer that
 * optional capability); a filtered-out, skipped or expected-failure case blocks the tier.
 */
export function computeTier(
  catalog: ReadonlyArray<{ id: string; priority: Priority }>,
  results: readonly CaseResult[],
): Tier | null {
  const byId = new Map(results.map((r) => [r.id, r]));
  const passed = (p: Priority): boolean =>
    catalog.filter((c) => c.priority === p).every((c) => {
      const st = byId.get(c.id)?.status;
      return st === 'pass' || st === 'n/a';
    });
  const tiers: Tier[] = ['gold', 'silver', 'bronze'];
  let tier: Tier | null = null;
  for (let i = 0; i < PRIORITIES.length; i++) {
    if (!passed(PRIORITIES[i] as Priority)) break;
    tier = tiers[i] as Tier;
  }
  return tier;
}
