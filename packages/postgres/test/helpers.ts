import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { listLeftoverNamespaces } from '@helios-conformance/fixtures';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));
export const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
export const pgliteExpectations = fileURLToPath(new URL('../expectations/pglite.json', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI (dist/cli.js) in a child process, not a TTY. */
export function runCli(args: string[], timeoutMs = 60_000, nodeArgs: string[] = []): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, cliPath, ...args], { cwd: packageDir, env: { ...process.env, HC_DSN: '', CI: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Schemas named hc_% left on the server behind `dsn` (TLS without verification). */
export async function leftoverSchemas(dsn: string): Promise<string[]> {
  const url = new URL(dsn);
  url.search = '';
  const client = new pg.Client({ connectionString: url.toString(), ssl: { rejectUnauthorized: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await listLeftoverNamespaces(client, 'postgres');
  } finally {
    await client.end();
  }
}
