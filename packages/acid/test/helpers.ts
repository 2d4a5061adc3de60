import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { executeCase, Redactor, type Execution, type OpenOptions } from '@helios-conformance/core';
import { acidSuite, openAcid, type AcidSession } from '../src/suite.js';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));
export const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Opens the acid suite's session the way the CLI does (testbed server or a DSN). */
export function openForTest(o: { dsn?: string; testbed?: 'postgres' | 'mariadb'; historyDir?: string }): Promise<AcidSession> {
  const opts: OpenOptions = {
    dsn: o.dsn,
    seed: 42,
    signal: AbortSignal.timeout(60_000),
    timeoutMs: 60_000,
    allowDestructive: true,
    options: { testbed: o.testbed, 'history-dir': o.historyDir },
    log: () => undefined,
  };
  return openAcid(opts);
}

/** Runs the named cases of the acid suite against an open session, in catalog order. */
export async function runCases(session: AcidSession, ids: readonly string[], o: { allowDestructive?: boolean; seed?: number } = {}): Promise<Record<string, Execution>> {
  const out: Record<string, Execution> = {};
  for (const c of acidSuite.cases.filter((x) => ids.includes(x.id))) {
    out[c.id] = await executeCase(c, {
      session,
      capabilities: new Set(session.capabilities ?? []),
      seed: o.seed ?? 42,
      timeoutMs: 60_000,
      graceMs: 500,
      cleanupTimeoutMs: 10_000,
      allowDestructive: o.allowDestructive ?? true,
      redactor: new Redactor(),
    });
  }
  return out;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI (dist/cli.js) in a child process, not a TTY. */
export function runCli(args: string[], timeoutMs = 180_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: packageDir, env: { ...process.env, HC_DSN: '', CI: '1' } });
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
