import { spawn } from 'node:child_process';
import path from 'node:path';

/** What a CLI run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Package directory whose `dist/cli.js` runs (default: the test's package, `process.cwd()`). */
  packageDir?: string;
  /** Killed with SIGKILL after this long (default 120 000 ms). */
  timeoutMs?: number;
  /** Arguments for node itself, before the script. */
  nodeArgs?: string[];
  /** Extra environment; `HC_DSN` is cleared and `CI=1` set unless given here. */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Runs a package's built CLI (`dist/cli.js`) in a child process, not a TTY, and collects its output. */
export function runCli(args: readonly string[], o: RunCliOptions = {}): Promise<CliRun> {
  const packageDir = o.packageDir ?? process.cwd();
  const cliPath = path.join(packageDir, 'dist', 'cli.js');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), cliPath, ...args], {
      cwd: o.cwd ?? packageDir,
      env: { ...process.env, HC_DSN: '', CI: '1', ...o.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}
