import { createRng, hashString, randomSeed } from './rng.js';
import {
  CannotRunError,
  CaseFailure,
  CaseNotApplicable,
  CaseSkip,
  type Case,
  type CaseContext,
  type Priority,
  type Status,
  type Suite,
  type SuiteSession,
} from './model.js';
import { ExpectationMatcher, type Expectations, type MatchedExpectation } from './expectations.js';
import { chooseExpectations, type ExpectationsChoice } from './shipped.js';
import {
  REPORT_SCHEMA_VERSION,
  countPriorities,
  isConformant,
  summarize,
  type CaseResult,
  type Report,
  type Shard,
} from './report.js';
import { Redactor, redactDsn } from './redact.js';
import { matchesAny } from './_internal/glob.js';
import { DEFAULT_LIVENESS_BUDGET_MS, isSocketLoss, PROBE_DEADLINE_MS, PROBE_WINDOW_MS, probeOnce, waitForEndpoint } from './liveness.js';

/** Progress events, for reporters. */
export type RunEvent =
  | { type: 'start'; suite: string; version: string; total: number; seed: number; target: string }
  | { type: 'note'; message: string }
  | { type: 'open'; server: string | null; capabilities: string[] }
  | { type: 'case-start'; index: number; total: number; id: string; title: string }
  | { type: 'case-end'; index: number; total: number; result: CaseResult }
  | { type: 'end'; report: Report };

/** Which cases to run. Empty arrays mean "no filter". */
export interface CaseFilter {
  /** IDs or globs (`PG-00?`, `PG-*`). */
  only?: readonly string[];
  priorities?: readonly Priority[];
  areas?: readonly string[];
  /** Only the cases of this shard (see {@link shardOf}); applied after the other filters. */
  shard?: Shard;
}

/** Options of {@link runSuite}. */
export interface RunOptions extends CaseFilter {
  /** Endpoint; undefined runs the suite's embedded default (if it has one). */
  dsn?: string;
  /** Replays the same random choices; random when omitted (and printed in the report). */
  seed?: number;
  /** Default per-case deadline in ms (a case's own `timeoutMs` wins). */
  timeoutMs?: number;
  /** How long a case that ignores its abort signal gets before it is abandoned (default 500 ms). */
  graceMs?: number;
  /** Whole-run deadline in ms; cases not started by then become `error`. */
  runTimeoutMs?: number;
  /** Budget to open the endpoint (default 15 s; 60 s for the embedded default, which starts a server first). */
  openTimeoutMs?: number;
  /** Budget for each deferred cleanup and for closing the session (default 10 s / 30 s). */
  cleanupTimeoutMs?: number;
  /**
   * Total time the run spends waiting for an endpoint that stopped answering, before the cases
   * that follow (about 1 s each); once spent, the remaining cases are reported not run without
   * waiting (default 30 s). The wait before the final cleanup is bounded by `cleanupTimeoutMs`.
   */
  livenessBudgetMs?: number;
  expectations?: Expectations;
  /** Path of the expectations file, for the report. */
  expectationsFile?: string;
  /**
   * Without `expectations`: apply the suite's shipped file that matches what the opened endpoint
   * reported (the CLI and the vitest binding do; default false, so a direct call judges bare).
   */
  shippedExpectations?: boolean;
  /** How the user turns shipped expectations off, named on the console (default `--no-shipped-expectations`). */
  shippedOffHint?: string;
  /** Aborting it (Ctrl-C) stops the run: the current case is aborted, cleanup runs, a partial report is returned. */
  signal?: AbortSignal;
  allowDestructive?: boolean;
  /** Values of the suite's own CLI options. */
  options?: Record<string, string | boolean | undefined>;
  onEvent?: (event: RunEvent) => void;
  /** Lines shown right after the run's first line (e.g. which expectations apply). */
  notes?: readonly string[];
  /** Shared redactor; one is created from the DSN when omitted. */
  redactor?: Redactor;
}

/**
 * The shard (1..count) a case ID belongs to: FNV-1a of the ID, mixed (murmur3's finalizer, so
 * IDs that differ in their last digit spread), modulo `count`. It depends on the ID alone, so a
 * case stays in its shard when cases are added, removed or filtered out, and every machine of a
 * CI matrix computes the same split without talking to the others.
 */
export function shardOf(id: string, count: number): number {
  let h = hashString(id);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) % count) + 1;
}

/** Parses `--shard i/n` (1 <= i <= n); throws a one-line message otherwise. */
export function parseShard(v: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new CannotRunError(`--shard must be i/n with 1 <= i <= n (e.g. 2/3), got "${v}"`);
  }
  return { index, count };
}

/** Selects cases by ID/glob, priority and area (then shard), keeping catalog order. */
export function selectCases<T>(cases: readonly Case<T>[], filter: CaseFilter): Case<T>[] {
  return cases.filter(
    (c) =>
      (!filter.only?.length || matchesAny(c.id, filter.only)) &&
      (!filter.priorities?.length || filter.priorities.includes(c.priority)) &&
      (!filter.areas?.length || filter.areas.includes(c.area)) &&
      (!filter.shard || shardOf(c.id, filter.shard.count) === filter.shard.index),
  );
}

/**
 * Null when the filters (without the shard) select at least one case; otherwise the one line
 * that says which flag matched nothing. A run that checked nothing is never green: the CLI and
 * {@link runSuite} refuse it. An empty *shard* of a non-empty selection is not an error (the hash
 * split can leave a shard empty); the merge of all shards covers the selection.
 */
export function emptySelectionReason(suite: Pick<Suite<any>, 'name' | 'cases' | 'idPrefixes'>, filter: CaseFilter): string | null {
  const { shard: _shard, ...unsharded } = filter;
  if (selectCases(suite.cases, unsharded).length > 0) return null;
  const of = `matched no case of ${suite.name}`;
  const first = suite.cases[0]?.id ?? `${suite.idPrefixes[0] ?? 'X-'}001`;
  if (!suite.cases.length) return `${suite.name} has no cases`;
  if (filter.only?.length && !selectCases(suite.cases, { only: filter.only }).length) {
    return `--only ${filter.only.join(',')} ${of} (IDs look like ${first}; see --list)`;
  }
  if (filter.areas?.length && !selectCases(suite.cases, { areas: filter.areas }).length) {
    return `--area ${filter.areas.join(',')} ${of} (areas: ${[...new Set(suite.cases.map((c) => c.area))].join(', ')})`;
  }
  if (filter.priorities?.length && !selectCases(suite.cases, { priorities: filter.priorities }).length) {
    return `--priority ${filter.priorities.join(',')} ${of} (it has ${[...new Set(suite.cases.map((c) => c.priority))].sort().join(', ')} cases)`;
  }
  const flags = [
    filter.only?.length ? `--only ${filter.only.join(',')}` : '',
    filter.priorities?.length ? `--priority ${filter.priorities.join(',')}` : '',
    filter.areas?.length ? `--area ${filter.areas.join(',')}` : '',
  ].filter(Boolean);
  return `${flags.join(' ')} together ${of} (each alone matches some; see --list with the same flags)`;
}

const TIMEOUT = Symbol('timeout');
const INTERRUPT = Symbol('interrupt');

function isAssertion(err: unknown): boolean {
  if (err instanceof CaseFailure) return true;
  const e = err as { name?: unknown; matcherResult?: unknown } | null;
  return !!e && (e.name === 'AssertionError' || e.matcherResult !== undefined);
}

const showValue = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : Buffer.isBuffer(x) ? `0x${x.toString('hex')}` : x)) ?? String(v);

const COMPARING = new Set(['strictEqual', 'deepStrictEqual', 'equal', 'deepEqual']);

/**
 * A case's own words for a failed `assert.equal(actual, expected, 'what')`, completed with the
 * values when the words do not already state them, so `node:assert` messages name what broke.
 */
function assertionMessage(err: Error & { generatedMessage?: boolean; operator?: string; actual?: unknown; expected?: unknown }): string {
  if (err.generatedMessage !== false) return err.message;
  // Node appends its own diff to a custom message on the lines after it.
  const words = err.message.split('\n')[0] ?? err.message;
  if (!COMPARING.has(err.operator ?? '') || /\bexpected\b|\bgot\b/i.test(words)) return words;
  return `${words}: expected ${showValue(err.expected)}, got ${showValue(err.actual)}`;
}

/** One line describing an error: its code (SQLSTATE, errno) and message. */
export function describeError(err: unknown): string {
  if (err instanceof Error && err.name === 'AssertionError') return assertionMessage(err);
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const base = err.message || err.name;
    return code !== undefined && !String(base).includes(String(code)) ? `${String(code)}: ${base}` : base;
  }
  return String(err);
}

/** Inputs of {@link executeCase}. */
export interface ExecuteOptions<T> {
  session: SuiteSession<T>;
  capabilities: ReadonlySet<string>;
  seed: number;
  timeoutMs: number;
  graceMs: number;
  cleanupTimeoutMs: number;
  runSignal?: AbortSignal;
  classifyError?: (error: unknown) => 'fail' | 'error';
  /** True when a thrown error means the connection is gone (default: Node socket codes). */
  isConnectionLoss?: (error: unknown) => boolean;
  allowDestructive: boolean;
  redactor: Redactor;
}

/** What a single case did, before expectations are applied. */
export interface Execution {
  status: Status;
  message: string | null;
  durationMs: number;
  metrics: Record<string, unknown>;
  log: string[];
  /**
   * The case lost its connection to the endpoint or timed out: the endpoint may have stopped
   * answering, and the runner probes it.
   */
  suspect?: boolean;
}

function withDeadline<V>(p: Promise<V>, ms: number, what: string): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Runs one case with its deadline. A case that ignores its abort signal is abandoned
 * `graceMs` after the deadline and reported `error`; deferred cleanup still runs.
 */
export async function executeCase<T>(c: Case<T>, o: ExecuteOptions<T>): Promise<Execution> {
  const started = performance.now();
  const metrics: Record<string, unknown> = {};
  const log: string[] = [];
  let suspect = false;
  const done = (status: Status, message: string | null): Execution => ({
    ...(suspect ? { suspect } : {}),
    status,
    message: message === null ? null : o.redactor.redact(message),
    durationMs: Math.round(performance.now() - started),
    metrics: o.redactor.redactValue(metrics),
    log: log.map((l) => o.redactor.redact(l)),
  });

  if (c.destructive && !o.allowDestructive) return done('skip', 'destructive case: pass --allow-destructive to run it');
  const missing = (c.requires ?? []).filter((r) => !o.capabilities.has(r));
  if (missing.length) return done('n/a', `endpoint does not declare capability ${missing.join(', ')}`);

  const timeoutMs = c.timeoutMs ?? o.timeoutMs;
  const ac = new AbortController();
  let abortKind: typeof TIMEOUT | typeof INTERRUPT | undefined;
  const onRunAbort = (): void => {
    abortKind ??= INTERRUPT;
    ac.abort(o.runSignal?.reason ?? new Error('run interrupted'));
  };
  if (o.runSignal?.aborted) return done('skip', 'not run: the run was interrupted');
  o.runSignal?.addEventListener('abort', onRunAbort, { once: true });
  const deadline = Date.now() + timeoutMs;
  const timer = setTimeout(() => {
    abortKind ??= TIMEOUT;
    ac.abort(new Error(`case deadline of ${timeoutMs} ms reached`));
  }, timeoutMs);

  const defers: Array<() => unknown> = [];
  const ctx: CaseContext<T> = {
    id: c.id,
    signal: ac.signal,
    rng: createRng(o.seed).fork(c.id),
    seed: o.seed,
    target: o.session.target,
    capabilities: o.capabilities,
    deadline,
    remainingMs: () => Math.max(0, deadline - Date.now()),
    log: (m) => void log.push(String(m)),
    metric: (name, value) => void (metrics[name] = value),
    defer: (fn) => void defers.push(fn),
    skip: (reason) => {
      throw new CaseSkip(reason);
    },
    notApplicable: (reason) => {
      throw new CaseNotApplicable(reason);
    },
    fail: (message) => {
      throw new CaseFailure(message);
    },
  };

  type Settled = { ok: true } | { ok: false; error: unknown } | { abandoned: true };
  let graceTimer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<Settled>((resolve) => {
    const arm = (): void => void (graceTimer = setTimeout(() => resolve({ abandoned: true }), o.graceMs));
    if (ac.signal.aborted) arm();
    else ac.signal.addEventListener('abort', arm, { once: true });
  });
  const body = (async () => c.run(ctx))().then(
    (): Settled => ({ ok: true }),
    (error: unknown): Settled => ({ ok: false, error }),
  );
  const settled = await Promise.race([body, abandoned]);
  clearTimeout(timer);
  clearTimeout(graceTimer);
  o.runSignal?.removeEventListener('abort', onRunAbort);

  let status: Status;
  let message: string | null = null;
  if (abortKind !== undefined && !('ok' in settled && !settled.ok && (settled.error instanceof CaseSkip || settled.error instanceof CaseNotApplicable))) {
    status = 'error';
    const why = abortKind === TIMEOUT ? `timed out after ${timeoutMs} ms` : 'interrupted';
    message = 'abandoned' in settled ? `${why}; the case ignored its abort signal and was abandoned after ${o.graceMs} ms more` : why;
    if ('ok' in settled && !settled.ok && abortKind === TIMEOUT) message += ` (${describeError(settled.error)})`;
    // A frozen endpoint shows up as a timeout.
    suspect = abortKind === TIMEOUT;
  } else if ('ok' in settled && settled.ok) {
    status = 'pass';
  } else {
    const error = (settled as { error: unknown }).error;
    message = describeError(error);
    if (error instanceof CaseSkip) status = 'skip';
    else if (error instanceof CaseNotApplicable) status = 'n/a';
    else if (isAssertion(error)) status = 'fail';
    else status = o.classifyError?.(error) ?? 'error';
    if (status === 'fail' || status === 'error') {
      try {
        suspect = (o.isConnectionLoss ?? isSocketLoss)(error);
      } catch {
        suspect = false;
      }
    }
  }

  for (const fn of defers.reverse()) {
    try {
      await withDeadline(Promise.resolve().then(fn), o.cleanupTimeoutMs, `cleanup of ${c.id}`);
    } catch (e) {
      const note = `cleanup failed: ${describeError(e)}`;
      if (status === 'pass') {
        status = 'error';
        message = note;
      } else {
        message = message ? `${message}; ${note}` : note;
      }
    }
  }
  return done(status, message);
}

/** Maps an observed status through an expectations entry. */
export function applyExpectation(status: Status, exp: MatchedExpectation | undefined): Status {
  if (!exp) return status;
  const failed = status === 'fail' || status === 'error';
  if (exp.expect === 'fail') return failed ? 'xfail' : status === 'pass' ? 'xpass' : status;
  if (exp.expect === 'flaky') return failed ? 'xfail' : status;
  return status;
}

/**
 * Default budget to open the endpoint: 15 s to reach a server that runs; 60 s (still bounded) for
 * the embedded default, which starts its server first (PGlite compiles WebAssembly: ~12 s on a
 * loaded 2-core machine, where a fixed 15 s failed).
 */
export function defaultOpenTimeoutMs(dsn: string | undefined): number {
  return dsn === undefined ? 60_000 : 15_000;
}

/** Opens the suite's session with a deadline; every failure becomes a {@link CannotRunError}. */
export async function openSession<T>(
  suite: Suite<T>,
  o: { dsn?: string; seed: number; openTimeoutMs: number; graceMs: number; signal?: AbortSignal; allowDestructive: boolean; options: Record<string, string | boolean | undefined>; log: (m: string) => void; redactor: Redactor; shard?: { index: number; count: number } },
): Promise<SuiteSession<T>> {
  if (o.dsn === undefined && !suite.defaultTarget) {
    throw new CannotRunError(`${suite.bin} needs an endpoint: pass --dsn ${suite.dsnExample ?? 'URL'}`);
  }
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ac.abort(new Error('open timed out')), o.openTimeoutMs);
  let late: NodeJS.Timeout | undefined;
  const opening = suite.open({
    dsn: o.dsn,
    seed: o.seed,
    signal: ac.signal,
    timeoutMs: o.openTimeoutMs,
    allowDestructive: o.allowDestructive,
    options: o.options,
    log: o.log,
    ...(o.shard ? { shard: o.shard } : {}),
  });
  try {
    const giveUp = new Promise<never>((_, reject) => {
      const arm = (): void =>
        void (late = setTimeout(() => reject(new CannotRunError(`could not open the endpoint within ${o.openTimeoutMs} ms`)), o.graceMs));
      if (ac.signal.aborted) arm();
      else ac.signal.addEventListener('abort', arm, { once: true });
    });
    return await Promise.race([opening, giveUp]);
  } catch (e) {
    // A session that opens after we gave up must still be released.
    opening.then((s) => s.close()).catch(() => undefined);
    if (e instanceof CannotRunError) throw new CannotRunError(o.redactor.redact(e.message));
    if (ac.signal.aborted && !(o.signal?.aborted ?? false)) {
      throw new CannotRunError(`could not open the endpoint within ${o.openTimeoutMs} ms`);
    }
    throw new CannotRunError(o.redactor.redact(`could not open the endpoint: ${describeError(e)}`));
  } finally {
    clearTimeout(timer);
    clearTimeout(late);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs a suite against one endpoint and returns its report. Throws {@link CannotRunError}
 * only when the endpoint cannot be opened; every case-level problem becomes a result.
 */
export async function runSuite<T>(suite: Suite<T>, opts: RunOptions = {}): Promise<Report> {
  const seed = opts.seed ?? randomSeed();
  const redactor = opts.redactor ?? new Redactor();
  redactor.addDsn(opts.dsn);
  const emit = (e: RunEvent): void => opts.onEvent?.(e);
  const startedAt = new Date();
  const t0 = performance.now();
  const empty = emptySelectionReason(suite, opts);
  if (empty) throw new CannotRunError(empty);
  // A load-sharded suite runs every selected case in every shard, each with its part of the load.
  const byLoad = suite.shardBy === 'load';
  const selected = selectCases(suite.cases, byLoad ? { ...opts, shard: undefined } : opts);
  const graceMs = opts.graceMs ?? 500;
  const cleanupTimeoutMs = opts.cleanupTimeoutMs ?? suite.defaultCleanupTimeoutMs ?? 10_000;
  // A suite reached through its own option (ha-dr's --topology) names the target itself.
  const described = opts.dsn === undefined ? suite.describeTarget?.(opts.options ?? {}) : undefined;
  const targetLabel = opts.dsn !== undefined ? redactDsn(opts.dsn) : (described ?? `${suite.defaultTarget ?? 'default'} (embedded default)`);
  emit({ type: 'start', suite: suite.name, version: suite.version, total: selected.length, seed, target: targetLabel });
  for (const message of opts.notes ?? []) emit({ type: 'note', message: redactor.redact(message) });
  if (opts.shard && byLoad) {
    emit({ type: 'note', message: `shard ${opts.shard.index}/${opts.shard.count}: every selected case with this shard's part of the load; merge the ${opts.shard.count} JSON reports for the verdict` });
  } else if (opts.shard) {
    const all = selectCases(suite.cases, { ...opts, shard: undefined }).length;
    emit({
      type: 'note',
      message: `shard ${opts.shard.index}/${opts.shard.count}: ${selected.length} of the ${all} selected cases${selected.length ? '' : ' (none hash to this shard; the merge of all shards covers them)'}`,
    });
  }

  // One controller for both Ctrl-C and the whole-run deadline.
  const stop = new AbortController();
  let deadlineHit = false;
  const onUserAbort = (): void => stop.abort(opts.signal?.reason ?? new Error('interrupted'));
  if (opts.signal?.aborted) onUserAbort();
  opts.signal?.addEventListener('abort', onUserAbort, { once: true });
  const runTimer = opts.runTimeoutMs
    ? setTimeout(() => {
        deadlineHit = true;
        stop.abort(new Error('whole-run deadline reached'));
      }, opts.runTimeoutMs)
    : undefined;

  const session = await openSession(suite, {
    dsn: opts.dsn,
    seed,
    openTimeoutMs: opts.openTimeoutMs ?? defaultOpenTimeoutMs(opts.dsn),
    graceMs,
    signal: stop.signal,
    allowDestructive: opts.allowDestructive ?? false,
    options: opts.options ?? {},
    log: (m) => emit({ type: 'note', message: redactor.redact(m) }),
    redactor,
    ...(byLoad && opts.shard ? { shard: { ...opts.shard } } : {}),
  }).catch((e: unknown) => {
    clearTimeout(runTimer);
    opts.signal?.removeEventListener('abort', onUserAbort);
    throw e;
  });
  redactor.addDsn(session.dsn);
  for (const s of session.secrets ?? []) redactor.add(s);
  const capabilities = new Set(session.capabilities ?? []);
  emit({ type: 'open', server: session.server ?? null, capabilities: [...capabilities].sort() });
  // Which expectations apply is known only now: the shipped file follows the endpoint, not the flag.
  let choice: ExpectationsChoice;
  try {
    choice = await chooseExpectations(
      suite,
      { server: session.server ? redactor.redact(session.server) : null, capabilities: [...capabilities].sort(), embedded: opts.dsn === undefined },
      {
        explicit: opts.expectations ? { expectations: opts.expectations, file: opts.expectationsFile ?? null, via: opts.expectationsFile ? '--expectations' : 'the run options' } : undefined,
        shipped: opts.shippedExpectations ?? false,
        offHint: opts.shippedOffHint ?? '--no-shipped-expectations',
      },
    );
  } catch (e) {
    clearTimeout(runTimer);
    opts.signal?.removeEventListener('abort', onUserAbort);
    await withDeadline(session.close(), cleanupTimeoutMs * 3, 'closing the endpoint session').catch(() => undefined);
    throw e;
  }
  if (choice.line) emit({ type: 'note', message: redactor.redact(choice.line) });
  const matcher = new ExpectationMatcher(choice.expectations);

  const results: CaseResult[] = [];
  let sections: Record<string, unknown> = {};
  // Liveness (docs/architecture.md): set from the moment a probe after a lost connection went
  // unanswered until a probe is answered again.
  let down: { since: string; probe: string; notRun: number } | null = null;
  let waitBudget = opts.livenessBudgetMs ?? DEFAULT_LIVENESS_BUDGET_MS;
  const allowDestructive = opts.allowDestructive ?? false;
  // A case that would not touch the endpoint anyway (n/a, destructive without the flag) keeps its own status.
  const needsEndpoint = (c: Case<T>): boolean => !(c.destructive && !allowDestructive) && (c.requires ?? []).every((r) => capabilities.has(r));
  try {
    for (let i = 0; i < selected.length; i++) {
      const c = selected[i] as Case<T>;
      if (stop.signal.aborted && !deadlineHit) break; // Ctrl-C: partial report of what ran
      const exp = matcher.match(c.id);
      emit({ type: 'case-start', index: i, total: selected.length, id: c.id, title: c.title });
      let ex: Execution | undefined;
      // A result decided here, never mapped through expectations (a down endpoint is no verdict).
      let replaced: { status: 'error'; message: string } | undefined;
      let liveness: CaseResult['liveness'];
      if (down && !stop.signal.aborted && exp?.expect !== 'skip' && needsEndpoint(c)) {
        // Wait a little for it before each case (bounded per case and per run), then run normally.
        let reason: string | null = down.probe;
        if (waitBudget > 0) {
          const t = Date.now();
          reason = await waitForEndpoint(session, Math.min(PROBE_WINDOW_MS, waitBudget), stop.signal);
          waitBudget -= Date.now() - t;
        }
        if (stop.signal.aborted && !deadlineHit) break;
        if (reason === null) {
          emit({ type: 'note', message: `endpoint answering again after ${down.notRun} case${down.notRun === 1 ? '' : 's'} not run (down since ${down.since})` });
          down = null;
        } else if (!stop.signal.aborted) {
          down.probe = redactor.redact(reason);
          down.notRun++;
          const waited = waitBudget <= 0 ? `; stopped waiting for it after ${opts.livenessBudgetMs ?? DEFAULT_LIVENESS_BUDGET_MS} ms` : '';
          const message = `not run: endpoint down since ${down.since} (probe: ${down.probe}${waited})`;
          replaced = { status: 'error', message };
          liveness = { state: 'down', since: down.since, probe: down.probe };
          ex = { status: 'error', message, durationMs: 0, metrics: {}, log: [] };
        }
      }
      if (ex) {
        // decided above: the endpoint is down
      } else if (stop.signal.aborted) {
        ex = { status: 'error', message: `not run: whole-run deadline of ${opts.runTimeoutMs} ms reached`, durationMs: 0, metrics: {}, log: [] };
      } else if (exp?.expect === 'skip') {
        ex = { status: 'skip', message: exp.reason, durationMs: 0, metrics: {}, log: [] };
      } else {
        ex = await executeCase(c, {
          session,
          capabilities,
          seed,
          timeoutMs: opts.timeoutMs ?? suite.defaultTimeoutMs ?? 30_000,
          graceMs,
          cleanupTimeoutMs,
          runSignal: stop.signal,
          classifyError: suite.classifyError,
          isConnectionLoss: suite.isConnectionLoss,
          allowDestructive,
          redactor,
        });
        if (deadlineHit && ex.status === 'error' && ex.message === 'interrupted') {
          ex.message = `whole-run deadline of ${opts.runTimeoutMs} ms reached during the case`;
        }
        if (stop.signal.aborted && !deadlineHit && ex.status === 'skip') break;
        // The suite's own restart (an embedded server that crashed) comes first; only a result it
        // left alone is probed, so a restarted server is not reported down as well.
        replaced = await session.afterCase?.({ status: ex.status, message: ex.message }).catch(() => undefined);
        if (replaced) ex = { ...ex, message: redactor.redact(replaced.message) };
        else if (ex.suspect && session.probe && (ex.status === 'error' || ex.status === 'fail') && !stop.signal.aborted) {
          const reason = await probeOnce(session, PROBE_DEADLINE_MS, stop.signal);
          if (reason !== null && !stop.signal.aborted) {
            const probe = redactor.redact(reason);
            const message = `${ex.message ?? ex.status}; the endpoint stopped answering during this case (probe: ${probe})`;
            replaced = { status: 'error', message };
            ex = { ...ex, message };
            liveness = { state: 'stopped-answering', since: c.id, probe };
            down = { since: c.id, probe, notRun: 0 };
            const next = i + 1 < selected.length ? `; waiting up to ${PROBE_WINDOW_MS} ms for it before each following case` : '';
            emit({ type: 'note', message: `endpoint down since ${c.id} (probe: ${probe})${next}` });
          }
        }
      }
      const status = replaced ? replaced.status : applyExpectation(ex.status, exp);
      const result: CaseResult = {
        id: c.id,
        title: c.title,
        priority: c.priority,
        area: c.area,
        status,
        durationMs: ex.durationMs,
        message: ex.message ?? (status === 'xpass' ? `expected to fail (${exp?.reason}) but passed` : null),
        metrics: ex.metrics,
        ...(status !== ex.status ? { observed: ex.status } : {}),
        ...(exp ? { expectation: exp } : {}),
        ...(liveness ? { liveness } : {}),
        ...(ex.log.length ? { log: ex.log } : {}),
        ...(c.spec ? { spec: c.spec } : {}),
      };
      results.push(result);
      emit({ type: 'case-end', index: i, total: selected.length, result });
    }
    try {
      sections = redactor.redactValue(session.sections?.() ?? {});
    } catch (e) {
      emit({ type: 'note', message: `suite sections failed: ${redactor.redact(describeError(e))}` });
    }
  } finally {
    clearTimeout(runTimer);
    opts.signal?.removeEventListener('abort', onUserAbort);
    // An endpoint that went down: give it the cleanup budget to come back, so close() can drop
    // the run's namespace (after Ctrl-C, one probe only).
    let stillDown: string | null = null;
    if (down && session.probe) {
      const window = opts.signal?.aborted ? PROBE_DEADLINE_MS : cleanupTimeoutMs;
      emit({ type: 'note', message: `endpoint down since ${down.since}: waiting up to ${window} ms for it to answer so the run can clean up` });
      stillDown = await waitForEndpoint(session, window, opts.signal?.aborted ? undefined : opts.signal);
      if (stillDown === null) emit({ type: 'note', message: `endpoint answering again; cleaning up` });
    }
    const left = session.namespace ? `; ${session.namespace} was left behind on the endpoint` : '';
    try {
      await withDeadline(session.close(), cleanupTimeoutMs * 3, 'closing the endpoint session');
      if (stillDown !== null) emit({ type: 'note', message: `cleanup warning: the endpoint, down since ${down?.since}, still did not answer a probe (${redactor.redact(stillDown)}) but closing the session succeeded` });
    } catch (e) {
      const why = stillDown !== null ? ` (the endpoint, down since ${down?.since}, did not answer within ${cleanupTimeoutMs} ms: ${stillDown})` : '';
      emit({ type: 'note', message: `cleanup warning: ${redactor.redact(`${describeError(e)}${why}${left}`)}` });
    }
  }

  const interrupted = stop.signal.aborted;
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    suite: suite.name,
    suiteVersion: suite.version,
    target: {
      dsn: opts.dsn !== undefined ? redactDsn(opts.dsn) : session.dsn ? redactDsn(session.dsn) : null,
      server: session.server ? redactor.redact(session.server) : null,
      embedded: opts.dsn === undefined,
    },
    seed,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    conformant: isConformant(results, interrupted),
    cannotRun: null,
    priorities: countPriorities(suite.cases, results),
    seedTier: suite.seedTier ?? null,
    ecosystem: suite.ecosystem ?? null,
    interrupted,
    summary: summarize(results),
    filters: { only: [...(opts.only ?? [])], priorities: [...(opts.priorities ?? [])], areas: [...(opts.areas ?? [])] },
    shard: opts.shard ? { ...opts.shard } : null,
    expectations: { file: choice.file, unmatched: interrupted ? [] : matcher.unmatched(), source: choice.source, reason: redactor.redact(choice.reason) },
    capabilities: [...capabilities].sort(),
    results,
    sections,
  };
  emit({ type: 'end', report });
  return report;
}

/** What a report says about a run that could not start (exit 2): the reason, no results, not conformant. */
export function cannotRunReport(
  suite: Pick<Suite<any>, 'name' | 'version' | 'cases' | 'seedTier' | 'ecosystem'>,
  o: { reason: string; dsn?: string; seed?: number; filter?: CaseFilter; expectationsFile?: string; startedAt?: Date },
): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    suite: suite.name,
    suiteVersion: suite.version,
    target: { dsn: o.dsn !== undefined ? redactDsn(o.dsn) : null, server: null, embedded: o.dsn === undefined },
    seed: o.seed ?? 0,
    startedAt: (o.startedAt ?? new Date()).toISOString(),
    durationMs: o.startedAt ? Math.max(0, Date.now() - o.startedAt.getTime()) : 0,
    conformant: false,
    cannotRun: { reason: o.reason },
    priorities: countPriorities(suite.cases, []),
    seedTier: suite.seedTier ?? null,
    ecosystem: suite.ecosystem ?? null,
    interrupted: false,
    summary: summarize([]),
    filters: { only: [...(o.filter?.only ?? [])], priorities: [...(o.filter?.priorities ?? [])], areas: [...(o.filter?.areas ?? [])] },
    shard: o.filter?.shard ? { ...o.filter.shard } : null,
    expectations: { file: o.expectationsFile ?? null, unmatched: [] },
    capabilities: [],
    results: [],
    sections: {},
  };
}
