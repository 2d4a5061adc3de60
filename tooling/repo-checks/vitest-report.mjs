// The JSON report each package's vitest run writes (the shared config's reporters:
// reports/vitest.json), read by the closing summary and by test-lanes' list of failed tests.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The report of the package in `dir`: undefined when there is none, 'stale' when it was written
 * before `since` (epoch ms: an earlier run's, not this one's), else the parsed report.
 */
export function readVitestReport(dir, since) {
  const f = join(dir, 'reports', 'vitest.json');
  if (!existsSync(f)) return undefined;
  if (statSync(f).mtimeMs < since) return 'stale';
  return JSON.parse(readFileSync(f, 'utf8'));
}
