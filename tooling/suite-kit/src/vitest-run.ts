import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One test of a vitest JSON report. */
export interface VitestTest {
  title: string;
  fullName?: string;
  ancestorTitles: string[];
  status: string;
  failureMessages?: string[];
  meta?: { caseId?: string; priority?: string; conformance?: string; expectationsFile?: string | null; expectationsReason?: string };
}

/** What a nested `vitest run` did. */
export interface VitestRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The JSON report as written (for checks that nothing secret reached it). */
  json: string;
  tests: VitestTest[];
}

const require = createRequire(import.meta.url);
const vitestBin = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

/**
 * Runs vitest in `cwd` (a fixture project that registers a suite the way a vendor would) with the
 * JSON reporter, and returns its exit status and tests.
 */
export function runVitest(cwd: string, o: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): VitestRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'hc-vitest-run-'));
  try {
    const out = path.join(dir, 'report.json');
    const r = spawnSync(process.execPath, [vitestBin, 'run', '--reporter=json', `--outputFile=${out}`], {
      cwd,
      encoding: 'utf8',
      timeout: o.timeoutMs ?? 90_000,
      env: { ...process.env, ...o.env },
    });
    let json = '';
    try {
      json = readFileSync(out, 'utf8');
    } catch {
      // no report: the run failed before writing one (its stderr says why)
    }
    const tests = json ? (JSON.parse(json) as { testResults: Array<{ assertionResults: VitestTest[] }> }).testResults.flatMap((f) => f.assertionResults) : [];
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, json, tests };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
