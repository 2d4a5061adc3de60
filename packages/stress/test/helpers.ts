// What the stress test files share: the suite opened in-process on a DSN, and cases run the way the runner runs them.
import { executeCase, Redactor, type Execution, type OpenOptions, type SuiteSession } from '@helios-conformance/core';
import { openStress, stressSuite } from '../src/suite.js';
import type { StressTarget } from '../src/target.js';

/** Opens the stress suite on `dsn` with the given suite options (short loads for tests). */
export function openForTest(dsn: string, options: Record<string, string> = {}): Promise<SuiteSession<StressTarget>> {
  const o: OpenOptions = {
    dsn,
    seed: 42,
    signal: AbortSignal.timeout(30_000),
    timeoutMs: 30_000,
    allowDestructive: false,
    options: { duration: '2', warmup: '0.5', rows: '10000', ...options },
    log: () => undefined,
  };
  return openStress(o);
}

/** Runs the named cases against an open session, in catalog order. */
export async function runCases(session: SuiteSession<StressTarget>, ids: readonly string[]): Promise<Record<string, Execution>> {
  const out: Record<string, Execution> = {};
  for (const c of stressSuite.cases.filter((x) => ids.includes(x.id))) {
    out[c.id] = await executeCase(c, {
      session,
      capabilities: new Set(),
      seed: 42,
      timeoutMs: 60_000,
      graceMs: 500,
      cleanupTimeoutMs: 10_000,
      allowDestructive: false,
      redactor: new Redactor(),
      classifyError: stressSuite.classifyError,
    });
  }
  return out;
}
