import { describe, test, beforeAll, afterAll } from 'vitest';
import type { Suite, SuiteSession } from './model.js';
import { applyExpectation, defaultOpenTimeoutMs, executeCase, openSession, selectCases, type CaseFilter } from './runner.js';
import { ExpectationMatcher, loadExpectations, type Expectations } from './expectations.js';
import { chooseExpectations, type ExpectationsChoice } from './shipped.js';
import { Redactor } from './redact.js';
import { randomSeed } from './rng.js';
import { PROBE_DEADLINE_MS, PROBE_WINDOW_MS, probeOnce, waitForEndpoint } from './liveness.js';

declare module 'vitest' {
  interface TaskMeta {
    /** The conformance case ID this test runs. */
    caseId?: string;
    /** Its seed priority. */
    priority?: string;
    /** The status the runner would report (`pass`, `xfail`, `xpass`, `skip`, …), set when the test ran. */
    conformance?: string;
    /** The expectations file that applied to the run (null: none), and why. */
    expectationsFile?: string | null;
    expectationsReason?: string;
  }
}

/** Options of {@link registerSuite}. */
export interface RegisterOptions extends CaseFilter {
  dsn?: string;
  /** Expectations object or a path to the JSON file; always wins over the shipped ones. */
  expectations?: Expectations | string;
  /**
   * Without `expectations`, apply the suite's shipped file that matches the endpoint once it is
   * open (default true, as the CLI does); `false` mirrors `--no-shipped-expectations`.
   */
  shippedExpectations?: boolean;
  seed?: number;
  timeoutMs?: number;
  openTimeoutMs?: number;
  allowDestructive?: boolean;
  options?: Record<string, string | boolean | undefined>;
}

/**
 * Registers a suite in the calling vitest file: one `describe` per area, one test per case
 * (named `ID title`, the ID also in `task.meta.caseId`). Which expectations apply is decided as
 * the CLI decides it, after the endpoint is open (explicit `expectations`, else the shipped file
 * that matches the endpoint), so they are applied when each test runs: an expected failure that
 * happened passes (annotated xfail), an expected failure that passed fails the test, a `skip`
 * entry and an `n/a` case are skipped with their reason.
 */
export function registerSuite<T>(suite: Suite<T>, options: RegisterOptions = {}): void {
  const seed = options.seed ?? randomSeed();
  const redactor = new Redactor().addDsn(options.dsn);
  const cases = selectCases(suite.cases, suite.shardBy === 'load' ? { ...options, shard: undefined } : options);
  let session: SuiteSession<T> | undefined;
  let capabilities = new Set<string>();
  let choice: ExpectationsChoice | undefined;
  let matcher = new ExpectationMatcher(undefined);
  const timeoutMs = options.timeoutMs ?? suite.defaultTimeoutMs ?? 30_000;
  // Liveness, as in the CLI's runner (docs/architecture.md): set while the endpoint does not
  // answer its probe; each test then waits up to 1 s for it, else fails "not run: endpoint down".
  let down: { since: string; probe: string; notRun: number } | null = null;
  const allowDestructive = options.allowDestructive ?? false;

  describe(`${suite.name} ${suite.version}`, () => {
    beforeAll(async () => {
      // A bad expectations file says so before any server is started.
      const explicit =
        typeof options.expectations === 'string'
          ? { expectations: await loadExpectations(options.expectations), file: options.expectations, via: 'the expectations option' }
          : options.expectations
            ? { expectations: options.expectations, file: null, via: 'the expectations option' }
            : undefined;
      session = await openSession(suite, {
        dsn: options.dsn,
        seed,
        openTimeoutMs: options.openTimeoutMs ?? Math.max(30_000, defaultOpenTimeoutMs(options.dsn)),
        graceMs: 500,
        allowDestructive: options.allowDestructive ?? false,
        options: options.options ?? {},
        log: () => undefined,
        redactor,
      });
      redactor.addDsn(session.dsn);
      for (const s of session.secrets ?? []) redactor.add(s);
      capabilities = new Set(session.capabilities ?? []);
      // The same choice as the CLI's (runner.ts), from the same fingerprint.
      choice = await chooseExpectations(
        suite,
        { server: session.server ? redactor.redact(session.server) : null, capabilities: [...capabilities].sort(), embedded: options.dsn === undefined },
        { explicit, shipped: options.shippedExpectations ?? true, offHint: 'shippedExpectations: false' },
      );
      matcher = new ExpectationMatcher(choice.expectations);
      if (choice.line) console.info(`${suite.bin}: ${redactor.redact(choice.line)}`);
    }, (options.openTimeoutMs ?? Math.max(30_000, defaultOpenTimeoutMs(options.dsn))) + 5_000);
    afterAll(async () => {
      // Give an endpoint that went down the cleanup budget to come back, so close() can drop the namespace.
      if (down && session?.probe) {
        const still = await waitForEndpoint(session, 10_000);
        if (still !== null) console.warn(`${suite.bin}: ${redactor.redact(`cleanup warning: the endpoint, down since ${down.since}, did not answer within 10000 ms (${still})${session.namespace ? `; ${session.namespace} may be left behind on it` : ''}`)}`);
      }
      await session?.close();
    }, 60_000);

    for (const area of [...new Set(cases.map((c) => c.area))]) {
      describe(area, () => {
        for (const c of cases.filter((k) => k.area === area)) {
          const limit = (c.timeoutMs ?? timeoutMs) + 5_000;
          test(`${c.id} ${c.title}`, { timeout: limit, meta: { caseId: c.id, priority: c.priority } }, async (ctx) => {
            if (!session) throw new Error('the endpoint session did not open');
            ctx.task.meta.expectationsFile = choice?.file ?? null;
            if (choice) ctx.task.meta.expectationsReason = redactor.redact(choice.reason);
            const exp = matcher.match(c.id);
            if (exp?.expect === 'skip') {
              ctx.task.meta.conformance = 'skip';
              ctx.skip(`expected skip: ${exp.reason}`);
            }
            const needsEndpoint = !(c.destructive && !allowDestructive) && (c.requires ?? []).every((r) => capabilities.has(r));
            if (down && needsEndpoint) {
              const reason = await waitForEndpoint(session, PROBE_WINDOW_MS);
              if (reason === null) {
                console.info(`${suite.bin}: endpoint answering again after ${down.notRun} case${down.notRun === 1 ? '' : 's'} not run (down since ${down.since})`);
                down = null;
              } else {
                down.probe = redactor.redact(reason);
                down.notRun++;
                // Never an expected failure: a dead endpoint is no verdict on the case.
                ctx.task.meta.conformance = 'error';
                const err = new Error(`${c.id} error: not run: endpoint down since ${down.since} (probe: ${down.probe})`);
                err.stack = err.message;
                throw err;
              }
            }
            let ex = await executeCase(c, {
              session,
              capabilities,
              seed,
              timeoutMs,
              graceMs: 500,
              cleanupTimeoutMs: 10_000,
              classifyError: suite.classifyError,
              isConnectionLoss: suite.isConnectionLoss,
              allowDestructive,
              redactor,
            });
            // An embedded server that died during the case is restarted for the next one (as in the CLI).
            let replaced = await session.afterCase?.({ status: ex.status, message: ex.message }).catch(() => undefined);
            if (replaced) ex = { ...ex, message: redactor.redact(replaced.message) };
            else if (ex.suspect && session.probe && (ex.status === 'error' || ex.status === 'fail')) {
              const reason = await probeOnce(session, PROBE_DEADLINE_MS);
              if (reason !== null) {
                const probe = redactor.redact(reason);
                down = { since: c.id, probe, notRun: 0 };
                console.info(`${suite.bin}: endpoint down since ${c.id} (probe: ${probe})`);
                const message = `${ex.message ?? ex.status}; the endpoint stopped answering during this case (probe: ${probe})`;
                replaced = { status: 'error', message };
                ex = { ...ex, message };
              }
            }
            // The runner's own mapping, so a status here is the status the CLI would report.
            const status = replaced ? replaced.status : applyExpectation(ex.status, exp);
            ctx.task.meta.conformance = status;
            if (status === 'n/a' || status === 'skip') ctx.skip(`${status}: ${ex.message ?? ''}`);
            if (status === 'xfail') {
              const note = `xfail (${exp?.expect === 'flaky' ? 'flaky' : 'expected failure'}: ${exp?.reason ?? ''}): observed ${ex.status}: ${ex.message ?? ''}`;
              await ctx.annotate?.(redactor.redact(note), 'xfail');
              return;
            }
            if (status === 'xpass') {
              const err = new Error(`${c.id} expected to fail (${exp?.reason ?? ''}) but passed`);
              err.stack = err.message;
              throw err;
            }
            if (status === 'fail' || status === 'error') {
              const err = new Error(`${c.id} ${status}: ${ex.message ?? ''}`);
              err.stack = err.message;
              throw err;
            }
          });
        }
      });
    }
  });
}
