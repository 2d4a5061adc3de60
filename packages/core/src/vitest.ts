import { describe, test, beforeAll, afterAll } from 'vitest';
import type { Suite, SuiteSession } from './model.js';
import { defaultOpenTimeoutMs, executeCase, openSession, selectCases, type CaseFilter } from './runner.js';
import { readFileSync } from 'node:fs';
import { ExpectationMatcher, parseExpectations, type Expectations } from './expectations.js';
import { Redactor } from './redact.js';
import { randomSeed } from './rng.js';

declare module 'vitest' {
  interface TaskMeta {
    /** The conformance case ID this test runs. */
    caseId?: string;
    /** Its seed priority. */
    priority?: string;
  }
}

/** Options of {@link registerSuite}. */
export interface RegisterOptions extends CaseFilter {
  dsn?: string;
  /** Expectations object or a path to the JSON file. */
  expectations?: Expectations | string;
  seed?: number;
  timeoutMs?: number;
  openTimeoutMs?: number;
  allowDestructive?: boolean;
  options?: Record<string, string | boolean | undefined>;
}

/**
 * Registers a suite in the calling vitest file: one `describe` per area, one test per case
 * (named `ID title`, the ID also in `task.meta.caseId`). An expected `fail` becomes a
 * `fails` test; `skip` entries and `n/a` cases are skipped with their reason.
 */
export function registerSuite<T>(suite: Suite<T>, options: RegisterOptions = {}): void {
  const seed = options.seed ?? randomSeed();
  const redactor = new Redactor().addDsn(options.dsn);
  const cases = selectCases(suite.cases, options);
  // `fails` is decided at collection time, so a file path is read synchronously here.
  const expectations =
    typeof options.expectations === 'string'
      ? parseExpectations(JSON.parse(readFileSync(options.expectations, 'utf8')), options.expectations)
      : options.expectations;
  const matcher = new ExpectationMatcher(expectations);
  let session: SuiteSession<T> | undefined;
  let capabilities = new Set<string>();
  const timeoutMs = options.timeoutMs ?? suite.defaultTimeoutMs ?? 30_000;

  describe(`${suite.name} ${suite.version}`, () => {
    beforeAll(async () => {
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
    }, (options.openTimeoutMs ?? Math.max(30_000, defaultOpenTimeoutMs(options.dsn))) + 5_000);
    afterAll(async () => {
      await session?.close();
    }, 60_000);

    for (const area of [...new Set(cases.map((c) => c.area))]) {
      describe(area, () => {
        for (const c of cases.filter((k) => k.area === area)) {
          const exp = matcher.match(c.id);
          const limit = (c.timeoutMs ?? timeoutMs) + 5_000;
          test(
            `${c.id} ${c.title}`,
            { timeout: limit, fails: exp?.expect === 'fail', meta: { caseId: c.id, priority: c.priority } },
            async (ctx) => {
              if (exp?.expect === 'skip') ctx.skip(`expected skip: ${exp.reason}`);
              if (!session) throw new Error('the endpoint session did not open');
              const ex = await executeCase(c, {
                session,
                capabilities,
                seed,
                timeoutMs,
                graceMs: 500,
                cleanupTimeoutMs: 10_000,
                classifyError: suite.classifyError,
                allowDestructive: options.allowDestructive ?? false,
                redactor,
              });
              if (ex.status === 'n/a' || ex.status === 'skip') ctx.skip(`${ex.status}: ${ex.message ?? ''}`);
              if (ex.status === 'fail' || ex.status === 'error') {
                if (exp?.expect === 'flaky') ctx.skip(`flaky (${exp.reason}): ${ex.message ?? ''}`);
                const err = new Error(`${c.id} ${ex.status}: ${ex.message ?? ''}`);
                err.stack = err.message;
                throw err;
              }
            },
          );
        }
      });
    }
  });
}
