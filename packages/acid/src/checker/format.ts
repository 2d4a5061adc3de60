import type { CheckResult } from './types.js';

/**
 * The result as plain text for a terminal or a log: a verdict line with the strongest model, then
 * each anomaly type with its count and one line per listed anomaly.
 */
export function formatCheckResult(result: CheckResult): string {
  const s = result.stats;
  const head = result.valid
    ? `valid: ${result.summary} (${s.txns} transactions: ${s.ok} ok, ${s.fail} failed, ${s.info} unknown)`
    : `INVALID: ${result.summary}; strongest model consistent with the history: ${result.strongestModel} (${s.txns} transactions: ${s.ok} ok, ${s.fail} failed, ${s.info} unknown)`;
  const lines = [head];
  for (const type of result.anomalyTypes) {
    const listed = result.anomalies.filter((a) => a.type === type);
    const count = result.counts[type] ?? listed.length;
    lines.push(`${type}: ${count}${count > listed.length ? ` (first ${listed.length} shown)` : ''}`);
    for (const a of listed) lines.push(`  - ${a.explanation}`);
  }
  return lines.join('\n');
}
