// Running the topology's action command lines: placeholders substituted shell-quoted, /bin/sh -c,
// a deadline that kills the whole process group, output kept (bounded) for the report.
import { spawn } from 'node:child_process';
import type { ActionName, Topology } from './topology.js';

/** What one action did. */
export interface ActionRun {
  action: ActionName;
  /** The command line as run (placeholders substituted). */
  command: string;
  ok: boolean;
  /** Exit code, or null when killed at the deadline. */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  startedAt: number;
  ms: number;
}

const MAX_OUTPUT = 16 * 1024;

/** A value as one shell word. */
export const shellQuote = (s: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** The command line of `action` with `{placeholders}` replaced, or undefined when the topology does not declare it. */
export function commandLine(t: Topology, action: ActionName, vars: Record<string, string> = {}): string | undefined {
  const line = t.actions[action];
  return line?.replace(/\{([a-z]+)\}/g, (_m, k: string) => shellQuote(vars[k] ?? ''));
}

/**
 * Runs one action with the topology's deadline (or `timeoutMs`). Never throws for a failing
 * command: the caller decides what a non-zero exit means. Throws when the action is not declared.
 */
export function runAction(t: Topology, action: ActionName, vars: Record<string, string> = {}, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ActionRun> {
  const command = commandLine(t, action, vars);
  if (command === undefined) throw new Error(`the topology declares no "${action}" action`);
  const timeoutMs = o.timeoutMs ?? t.actionTimeoutMs;
  const startedAt = Date.now();
  return new Promise((resolve) => {
    // Its own process group: a deadline or an abort kills the command and everything it started.
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const keep = (acc: string, d: Buffer): string => (acc.length < MAX_OUTPUT ? (acc + d.toString()).slice(0, MAX_OUTPUT) : acc);
    child.stdout.on('data', (d: Buffer) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d: Buffer) => (stderr = keep(stderr, d)));
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = (): void => killGroup();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (code: number | null): void => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve({ action, command, ok: code === 0 && !timedOut, code: timedOut ? null : code, timedOut, stdout, stderr, startedAt, ms: Date.now() - startedAt });
    };
    child.on('error', (e) => {
      stderr += String(e);
      done(127);
    });
    child.on('close', (code) => done(code));
  });
}

/** One line about a failed action, for a case message. */
export function describeFailure(r: ActionRun): string {
  const why = r.timedOut ? `did not finish within its deadline (${r.ms} ms)` : `exited ${r.code}`;
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-2).join(' / ');
  return `action ${r.action} (${r.command}) ${why}${out ? `: ${out}` : ''}`;
}
