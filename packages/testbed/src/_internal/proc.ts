import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants as fsConstants, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Bytes of server output kept in memory per endpoint. */
export const LOG_LIMIT = 200 * 1024;

/** A bounded in-memory log: keeps roughly the last `limit` characters. */
export class LogBuffer {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly limit = LOG_LIMIT) {}

  append(text: string): void {
    if (text.length === 0) return;
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      const dropped = this.chunks.shift()!;
      this.size -= dropped.length;
    }
    if (this.size > this.limit && this.chunks.length === 1) {
      const only = this.chunks[0]!;
      this.chunks[0] = only.slice(only.length - this.limit);
      this.size = this.chunks[0].length;
    }
  }

  toString(): string {
    return this.chunks.join('');
  }
}

/** Returns the last `maxChars` characters of `text`, cut at a line start when possible. */
export function tail(text: string, maxChars = 4000): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(text.length - maxChars);
  const nl = cut.indexOf('\n');
  return nl >= 0 && nl < cut.length - 1 ? cut.slice(nl + 1) : cut;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Environment for database binaries: the caller's, minus libpq/MySQL variables that would redirect them. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PG|MYSQL|MARIADB)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Finds an executable by name in the given directories and then in PATH. */
export function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...extraDirs, ...(process.env.PATH ?? '').split(path.delimiter)].filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Result of {@link runCommand}. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a command to completion, capturing stdout+stderr; never throws on non-zero exit. */
export function runCommand(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number; input?: string } = {},
): Promise<CommandResult> {
  const { timeoutMs = 120_000, input, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      reject(err);
      return;
    }
    const log = new LogBuffer();
    child.stdout?.setEncoding('utf8').on('data', (d: string) => log.append(d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => log.append(d));
    const timer = setTimeout(() => {
      log.append(`\n[helios-testbed] ${path.basename(command)} timed out after ${timeoutMs} ms\n`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output: log.toString() });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/**
 * True while any non-zombie process is in process group `pgid`.
 * Uses /proc on Linux (zombies are ignored because an orphan may wait for a
 * reaper that never comes); elsewhere falls back to `kill(-pgid, 0)`.
 */
export function groupAlive(pgid: number): boolean {
  if (process.platform === 'linux') {
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      entries = [];
    }
    if (entries.length > 0) {
      for (const entry of entries) {
        if (!/^\d+$/.test(entry)) continue;
        const stat = readStat(Number(entry));
        if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
      }
      return false;
    }
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fields of /proc/PID/stat that the testbed uses. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** Start time in clock ticks since boot: with the PID, it names one process (PIDs are reused). */
  startTime: string;
}

/** Parses /proc/PID/stat; undefined when the process is gone or /proc is unavailable. */
export function readStat(pid: number): ProcStat | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = raw.indexOf('(');
  const close = raw.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  const rest = raw.slice(close + 2).split(' ');
  return {
    pid,
    comm: raw.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    startTime: rest[19] ?? '',
  };
}

/** Sends `signal` to process group `pgid`, ignoring "no such process". */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Sends `signal` to one process, ignoring "no such process". */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Waits until `predicate()` is false or `timeoutMs` passes; returns true if it became false. */
export async function waitUntilFalse(predicate: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (predicate()) {
    if (Date.now() >= deadline) return false;
    await sleep(stepMs);
  }
  return true;
}

/** Resolves true when `promise` settles within `ms`, false otherwise; never leaves a timer behind. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
