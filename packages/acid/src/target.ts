import type { ServerControl, SqlEndpoint } from '@helios-conformance/sql';

/** How big the randomized workloads are: `ci` fits the CI budget, `full` is the real run (`--size full`). */
export type AcidSize = 'ci' | 'full';

/**
 * What the acid cases receive as `ctx.target`.
 *
 * Cases write what they observed into {@link AcidTarget.sections}; the suite session hands
 * it to the report (`report.sections`), where the console and HTML reporters draw it.
 */
export interface AcidTarget {
  readonly endpoint: SqlEndpoint;
  /** Present only for a testbed-managed endpoint the run started itself (the durability case). */
  readonly server: ServerControl | undefined;
  readonly size: AcidSize;
  /** Milliseconds a statement may wait before the scripted matrix calls it blocked. */
  readonly blockAfterMs: number;
  /**
   * Report sections, filled in by the cases:
   * - `isolation`: `{ matrix: { [level]: { [anomaly]: { outcome, how } } }, levels: { [level]: verdict } }`
   * - `listAppend`: per level, the checker's verdict and anomalies
   * - `bank`, `atomicity`, `durability`: what each case observed
   */
  readonly sections: Record<string, unknown>;
}
