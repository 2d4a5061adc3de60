// One full run of the catalog through the CLI against the test MariaDB (TLS verified against the
// testbed CA, shipped expectations), made once per `vitest run` and read by every test file that
// judges it, through the run's shared cache directory.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Report } from '@helios-conformance/core';
import { runCacheDir, runCli, testServer, withParams, type CliRun } from '@helios-conformance/suite-kit';

/** The shipped MariaDB expectations (relative to the package, where runCli runs). */
export const MARIADB_EXPECTATIONS = 'expectations/mariadb-10.11.json';

/** The test MariaDB with its certificate verified against the testbed CA. */
export function verifiedDsn(): string {
  const s = testServer('mariadb');
  return withParams(s.dsn, { 'ssl-mode': 'VERIFY_IDENTITY', 'ssl-ca': s.caCertPath ?? '' });
}

/** What the full run printed and reported. */
export interface FullRun {
  run: CliRun;
  report: Report;
  /** The report file as written (redacted). */
  reportText: string;
  /** The run's database `hc_<run id>`, from the CLI's note. */
  namespace: string | undefined;
}

/** The full run: made by the first test file that asks, read from the cache by the others. */
export async function fullRun(): Promise<FullRun> {
  const dir = runCacheDir();
  const jsonPath = path.join(dir, 'mysql-full.json');
  const runPath = path.join(dir, 'mysql-full.run.json');
  if (!existsSync(runPath)) {
    const run = await runCli(['--dsn', verifiedDsn(), '--expectations', MARIADB_EXPECTATIONS, '--seed', '42', '--json', jsonPath], { timeoutMs: 110_000 });
    writeFileSync(runPath, JSON.stringify(run));
  }
  const run = JSON.parse(readFileSync(runPath, 'utf8')) as CliRun;
  if (!existsSync(jsonPath)) throw new Error(`the full run wrote no report (exit ${run.code}): ${run.stderr}`);
  const reportText = readFileSync(jsonPath, 'utf8');
  return { run, report: JSON.parse(reportText) as Report, reportText, namespace: /run database (hc_[a-z0-9]+)/.exec(run.stdout + run.stderr)?.[1] };
}
