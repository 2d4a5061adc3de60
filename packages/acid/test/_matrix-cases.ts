// Runs the matrix cases through core's executeCase (deadlines, abort, status classification)
// against an endpoint, the way the suite's runner will.
import { executeCase, Redactor, type Case, type Execution } from '@helios-conformance/core';
import type { SqlEndpoint } from '../src/session/index.js';
import type { AcidTarget } from '../src/target.js';

/** Result of {@link runCases}: per case ID, what executeCase returned; plus the filled sections. */
export interface CasesRun {
  results: Map<string, Execution>;
  sections: Record<string, unknown>;
}

/** Executes `cases` in order against `endpoint` with a fresh AcidTarget. */
export async function runCases(cases: readonly Case<AcidTarget>[], endpoint: SqlEndpoint, blockAfterMs: number): Promise<CasesRun> {
  const sections: Record<string, unknown> = {};
  const target: AcidTarget = { endpoint, server: undefined, size: 'ci', blockAfterMs, sections };
  const results = new Map<string, Execution>();
  for (const c of cases) {
    const r = await executeCase(c, {
      session: { target, close: async () => undefined },
      capabilities: new Set(),
      seed: 1,
      timeoutMs: 180_000,
      graceMs: 500,
      cleanupTimeoutMs: 10_000,
      allowDestructive: false,
      redactor: new Redactor(),
    });
    results.set(c.id, r);
  }
  return { results, sections };
}
