import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Package root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The built CLI (the package must be built first; turbo builds before tests). */
export const CLI = `${ROOT}dist/cli.js`;
/** The shipped MariaDB expectations. */
export const MARIADB_EXPECTATIONS = `${ROOT}expectations/mariadb-10.11.json`;

/** Result of one CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI with `args`; kills it after `timeoutMs`. */
export function runCli(args: string[], timeoutMs = 30_000, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HC_DSN: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** A DSN for the endpoint that verifies TLS against the testbed CA. */
export function verifiedDsn(ep: { dsn: string; caCertPath?: string }): string {
  return `${ep.dsn}?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(ep.caCertPath ?? '')}`;
}
