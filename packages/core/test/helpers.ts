import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Suite } from '../src/index.js';

export const TOY_CLI = fileURLToPath(new URL('./fixtures/toy-cli.mjs', import.meta.url));

export async function loadToy(): Promise<Suite<any>> {
  const mod = (await import('./fixtures/toy-suite.mjs')) as { toySuite: Suite<any> };
  return mod.toySuite;
}

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the toy CLI as a real process (no TTY), with a hard kill after `killMs`. */
export function runToyCli(args: string[], opts: { env?: Record<string, string>; killMs?: number; onSpawn?: (pid: number) => void } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [TOY_CLI, ...args], { env: { ...process.env, CI: '', NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.killMs ?? 30_000);
    if (child.pid) opts.onSpawn?.(child.pid);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}
