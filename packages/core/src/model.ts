import type { Rng } from './rng.js';

/** Seed priorities: p0 = Gold (must pass to be called compatible), p1 = Silver, p2 = Bronze. */
export type Priority = 'p0' | 'p1' | 'p2';

/** Every priority, strongest first. */
export const PRIORITIES: readonly Priority[] = ['p0', 'p1', 'p2'];

/**
 * Outcome of one case.
 * - `pass` / `fail`: the endpoint did / did not behave as the case requires.
 * - `xfail` / `xpass`: an expectations entry said `fail`; it failed (accepted) / it passed (fails the run).
 * - `skip`: not run, by an expectations entry, a missing `--allow-destructive`, or a whole-run stop.
 * - `n/a`: the endpoint does not declare a capability the case requires.
 * - `error`: the harness or the endpoint broke (timeout, lost connection, bug), not a failed assertion.
 */
export type Status = 'pass' | 'fail' | 'xfail' | 'xpass' | 'skip' | 'n/a' | 'error';

/** Every status, in report order. */
export const STATUSES: readonly Status[] = ['pass', 'fail', 'xfail', 'xpass', 'skip', 'n/a', 'error'];

/** What a case body receives. `T` is the suite's own target handle (e.g. a connection factory). */
export interface CaseContext<T = unknown> {
  /** The case ID. */
  readonly id: string;
  /** Aborted at the case deadline or when the run is interrupted; pass it to every I/O call. */
  readonly signal: AbortSignal;
  /** Seeded generator for this case: derived from the run seed and the case ID, so filters don't shift it. */
  readonly rng: Rng;
  /** The run seed. */
  readonly seed: number;
  /** The suite's handle on the endpoint. */
  readonly target: T;
  /** Capabilities the endpoint declared (or the suite observed) for this run. */
  readonly capabilities: ReadonlySet<string>;
  /** Epoch milliseconds at which the case is aborted. */
  readonly deadline: number;
  /** Milliseconds left before the deadline (never negative). */
  remainingMs(): number;
  /** Adds a line to the case's log (kept in the report, redacted). */
  log(message: string): void;
  /** Records a JSON-serialisable measurement in the case result. */
  metric(name: string, value: unknown): void;
  /** Registers cleanup that runs after the case, last-in first-out, also after a failure or timeout. */
  defer(cleanup: () => unknown): void;
  /** Ends the case as `skip`. */
  skip(reason: string): never;
  /** Ends the case as `n/a`: the endpoint lacks something optional the case needs. */
  notApplicable(reason: string): never;
  /** Ends the case as `fail` with a message that names what broke. */
  fail(message: string): never;
}

/** A conformance case: data plus a `run` function. Framework-free. */
export interface CaseDefinition<T = unknown> {
  /** Stable ID, never reused: `PREFIX-NNN` (e.g. `PG-001`, `TC-BR-003`, `T220`). */
  id: string;
  /** One line: what the endpoint must do. */
  title: string;
  priority: Priority;
  /** Grouping for reports and vitest `describe` blocks (e.g. `connection`, `copy`). */
  area: string;
  /** Capabilities the endpoint must declare; otherwise the case is `n/a`. */
  requires?: readonly string[];
  /** Where the required behaviour is specified (URL or document section). */
  spec?: string;
  /** Suite version that introduced the case. */
  since: string;
  /** Per-case deadline; defaults to the run's `timeoutMs`. */
  timeoutMs?: number;
  /** The case destroys things (kills servers, restores backups): runs only with `--allow-destructive`. */
  destructive?: boolean;
  run(ctx: CaseContext<T>): Promise<void> | void;
}

/** A case as stored in a suite (frozen, validated). */
export type Case<T = unknown> = Readonly<CaseDefinition<T>>;

/** Options a suite receives when it opens a session on the endpoint. */
export interface OpenOptions {
  /** The DSN given by the user, or undefined for the suite's embedded default. */
  dsn: string | undefined;
  seed: number;
  /** Aborted when the open takes too long or the run is interrupted. */
  signal: AbortSignal;
  /** Budget for opening the session. */
  timeoutMs: number;
  allowDestructive: boolean;
  /** Values of the suite's own CLI options. */
  options: Readonly<Record<string, string | boolean | undefined>>;
  /** Progress note for the user (e.g. "starting embedded PGlite"). */
  log(message: string): void;
  /**
   * `--shard i/n` of a suite whose {@link SuiteDefinition.shardBy} is `load`: this process offers
   * its part of the load (the suite divides rates and connections); absent otherwise.
   */
  shard?: { index: number; count: number };
}

/** A suite's open connection to the endpoint for one run. */
export interface SuiteSession<T> {
  target: T;
  /** Capabilities declared or observed; cases whose `requires` are missing become `n/a`. */
  capabilities?: Iterable<string>;
  /** What the endpoint says it is (e.g. `PostgreSQL 15.18`); shown, never used to decide a verdict. */
  server?: string;
  /** The DSN actually used (for the embedded default); redacted before it is shown. */
  dsn?: string;
  /** Secrets to scrub from every output in addition to the DSN password. */
  secrets?: string[];
  /** Suite-specific JSON to add to the report's `sections`. */
  sections?(): Record<string, unknown>;
  /** Drops everything the run created and releases the endpoint. Must be idempotent. */
  close(): Promise<void>;
  /**
   * Optional: called after each case with what it observed. Returning a result replaces it, as
   * reported (expectations do not apply): e.g. the embedded server crashed during the case and was
   * restarted for the next one.
   */
  afterCase?(observed: { status: Status; message: string | null }): Promise<{ status: 'error'; message: string } | undefined>;
  /**
   * Optional: a cheap "does the endpoint answer" check (a fresh connection and a trivial query),
   * resolving when it answered and rejecting with the reason when it did not. The runner calls it
   * after a case ended `fail`/`error` with a lost connection (or a timeout) to tell a dead endpoint
   * from a broken case, and before each following case while the endpoint is down (see
   * docs/architecture.md, "Liveness"). It must honour `signal` (aborted at the probe deadline,
   * about 1 s) and never touch the run's data.
   */
  probe?(signal: AbortSignal): Promise<void>;
  /**
   * What the run created on the endpoint (e.g. `schema hc_ab12cd34`), named in the cleanup warning
   * when `close()` could not drop it (the endpoint stopped answering).
   */
  namespace?: string;
}

/** An extra CLI option a suite adds to the shared contract. */
export interface SuiteCliOption {
  type: 'string' | 'boolean';
  description: string;
  /** Shown in --help, e.g. `URL`. */
  valueName?: string;
}

/** Everything the runner, CLI kit and vitest binding need to know about a suite. */
export interface SuiteDefinition<T = unknown> {
  /** npm package name, e.g. `@helios-conformance/postgres`. */
  name: string;
  version: string;
  /** One line shown in --help. */
  description: string;
  /** The command name of the bin (for --help). */
  bin: string;
  /** ID prefixes this suite owns, e.g. `['PG-']`. */
  idPrefixes: readonly string[];
  cases: readonly CaseDefinition<T>[];
  /** Default per-case deadline in ms (default 30 000). */
  defaultTimeoutMs?: number;
  /**
   * Default budget of each deferred cleanup (the runner's `cleanupTimeoutMs` wins when given; else
   * 10 s). A suite whose rollback restarts servers (ha-dr) needs more than a SQL suite's DROP.
   */
  defaultCleanupTimeoutMs?: number;
  /** How the suite opens the endpoint; throw {@link CannotRunError} with a line that says what to fix. */
  open(options: OpenOptions): Promise<SuiteSession<T>>;
  /** What `--dsn` looks like, for --help, e.g. `postgres://user:pass@host:5432/db`. */
  dsnExample?: string;
  /** What runs when no --dsn is given (e.g. `embedded PGlite`); undefined means a DSN is required. */
  defaultTarget?: string;
  /**
   * Optional: the start line's target when the run has no DSN but a suite option names the endpoint
   * (e.g. `--topology FILE`); undefined falls back to {@link SuiteDefinition.defaultTarget}.
   */
  describeTarget?(options: Readonly<Record<string, string | boolean | undefined>>): string | undefined;
  /**
   * Expectations files the suite ships, each for the kind of endpoint it was observed on. Without
   * an explicit file, the CLI and the vitest binding apply the first one whose `matches` accepts
   * what the opened endpoint reported (embedded default or --dsn alike), and say so.
   */
  shippedExpectations?: readonly import('./shipped.js').ShippedExpectations[];
  /**
   * The seed's tier of the ecosystem this suite judges (PostgreSQL and MySQL wire: gold;
   * Snowflake, Databricks, Pinecone: silver; SQL Server, DB2, Oracle: bronze); null or absent
   * when the suite judges no seed ecosystem. Shown next to the verdict, never earned by a run.
   */
  seedTier?: import('./report.js').SeedTier | null;
  /** The ecosystem's name as reports say it, e.g. `PostgreSQL wire`. */
  ecosystem?: string;
  /**
   * Every ID the package's append-only ids.json has ever registered (retired ones included).
   * hc-kit's generated bin fills it; an expectations file naming an exact ID outside it exits 2.
   */
  knownIds?: readonly string[];
  /** Decides whether a non-assertion error thrown by a case is `fail` or `error` (default `error`). */
  classifyError?(error: unknown): 'fail' | 'error';
  /**
   * True when an error thrown by a case means the connection to the endpoint is gone (the suite's
   * classifier, e.g. `classifyPgError(e).kind === 'connection-lost'`): the runner then probes the
   * endpoint. Default: Node's socket codes (ECONNRESET, ECONNREFUSED, EPIPE, ETIMEDOUT, ECONNABORTED).
   */
  isConnectionLoss?(error: unknown): boolean;
  /** Extra CLI options. */
  cliOptions?: Readonly<Record<string, SuiteCliOption>>;
  /**
   * What `--shard i/n` divides. `cases` (the default): each shard runs the selected cases whose ID
   * hashes to it. `load`: each shard runs every selected case with its part of the load
   * ({@link OpenOptions.shard}), for a load one machine cannot offer; `merge` then combines the
   * shards' results case by case with {@link SuiteDefinition.mergeLoadShards}.
   */
  shardBy?: 'cases' | 'load';
  /**
   * For `shardBy: 'load'`: the verdicts of the merged figures (e.g. percentiles of the added
   * histograms) and the merged suite sections, from every shard's report in shard order. A case
   * left out is judged as the worst of its shards. Throw `MergeError` when the shards cannot be
   * merged (e.g. they ran with other thresholds).
   */
  mergeLoadShards?(reports: readonly import('./report.js').Report[]): {
    verdicts: Record<string, { status: 'pass' | 'fail'; message: string | null; metrics?: Record<string, unknown> }>;
    sections: Record<string, unknown>;
  };
  /** Extra HTML (tables, inline SVG charts) placed in the report's suite slot. */
  renderHtml?(report: import('./report.js').Report): string;
  /** Extra console lines after the summary (e.g. an isolation matrix). */
  renderConsole?(report: import('./report.js').Report): string;
}

/** A validated suite. */
export type Suite<T = unknown> = Readonly<SuiteDefinition<T>> & { readonly cases: readonly Case<T>[] };

/** Thrown when a run cannot start or continue at all (bad DSN, unreachable, auth failed): CLI exit 2. */
export class CannotRunError extends Error {
  override readonly name = 'CannotRunError';
}

/** Thrown by `ctx.fail()`; also any error named `AssertionError` counts as a failure. */
export class CaseFailure extends Error {
  override readonly name = 'CaseFailure';
}

/** Thrown by `ctx.skip()`. */
export class CaseSkip extends Error {
  override readonly name = 'CaseSkip';
}

/** Thrown by `ctx.notApplicable()`. */
export class CaseNotApplicable extends Error {
  override readonly name = 'CaseNotApplicable';
}

const ID_RE = /^[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*-?\d{3,}$/;
const AREA_RE = /^[a-z][a-z0-9-]*$/;
const VERSION_RE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** True when `id` has the shape of a case ID (`PG-001`, `TC-BR-003`, `T220`). */
export function isValidCaseId(id: string): boolean {
  return ID_RE.test(id);
}

/** Validates and freezes one case definition. Throws a TypeError naming the problem. */
export function defineCase<T = unknown>(def: CaseDefinition<T>): Case<T> {
  const where = `case ${JSON.stringify(def?.id)}`;
  if (typeof def !== 'object' || def === null) throw new TypeError('defineCase: expected an object');
  if (typeof def.id !== 'string' || !isValidCaseId(def.id)) {
    throw new TypeError(`${where}: id must look like PREFIX-001 (upper-case prefix, at least 3 digits)`);
  }
  if (typeof def.title !== 'string' || def.title.trim() === '' || def.title.includes('\n')) {
    throw new TypeError(`${where}: title must be one non-empty line`);
  }
  if (!PRIORITIES.includes(def.priority)) throw new TypeError(`${where}: priority must be p0, p1 or p2`);
  if (typeof def.area !== 'string' || !AREA_RE.test(def.area)) {
    throw new TypeError(`${where}: area must be kebab-case (e.g. "extended-query")`);
  }
  if (typeof def.since !== 'string' || !VERSION_RE.test(def.since)) {
    throw new TypeError(`${where}: since must be a semver version`);
  }
  if (def.timeoutMs !== undefined && (!Number.isFinite(def.timeoutMs) || def.timeoutMs <= 0)) {
    throw new TypeError(`${where}: timeoutMs must be a positive number`);
  }
  if (def.requires !== undefined && (!Array.isArray(def.requires) || def.requires.some((r) => typeof r !== 'string'))) {
    throw new TypeError(`${where}: requires must be an array of capability names`);
  }
  if (typeof def.run !== 'function') throw new TypeError(`${where}: run must be a function`);
  return Object.freeze({ ...def, requires: def.requires ? Object.freeze([...def.requires]) : undefined });
}

/** Validates a suite: unique IDs within the suite's prefixes, valid cases. */
export function defineSuite<T = unknown>(def: SuiteDefinition<T>): Suite<T> {
  if (!def.name || !def.version) throw new TypeError('defineSuite: name and version are required');
  if (!def.idPrefixes?.length) throw new TypeError(`${def.name}: idPrefixes must name at least one prefix`);
  const seen = new Set<string>();
  const cases = def.cases.map((c) => {
    const frozen = Object.isFrozen(c) ? (c as Case<T>) : defineCase(c);
    if (seen.has(frozen.id)) throw new TypeError(`${def.name}: duplicate case id ${frozen.id}`);
    if (!def.idPrefixes.some((p) => frozen.id.startsWith(p))) {
      throw new TypeError(`${def.name}: case ${frozen.id} does not start with one of ${def.idPrefixes.join(', ')}`);
    }
    seen.add(frozen.id);
    return frozen;
  });
  return Object.freeze({ ...def, cases: Object.freeze(cases) });
}
