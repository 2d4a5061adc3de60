import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStat, settlesWithin } from './proc.js';

/** One server as the reaper sees it: what to stop and what to remove once the owner is gone. */
export interface ReapEntry {
  kind: string;
  /** Process group of the server (its leader's PID); absent until the server is spawned. */
  pgid?: number;
  /** Start time of the leader (/proc/PID/stat field 22): a reused PID is never signalled. */
  startTime?: string;
  /** The polite stop signal for the leader; the group gets SIGKILL after a grace period. */
  stopSignal: NodeJS.Signals;
  /** The `hc-testbed-*` temp dir to remove. */
  tempDir?: string;
  /**
   * Network namespaces (`ip netns` names, `hc-` prefixed) whose every process is killed before the
   * namespace is deleted, and root-namespace links (`hc` prefixed: a bridge) to delete afterwards.
   */
  netns?: string[];
  links?: string[];
}

/**
 * The owner's side of the reaper (see reaper.ts): one detached watchdog per owner process (per
 * worker thread, as each has its own module state and its own pipe), started with the first
 * server and retired when the last one is stopped. Entries are files written synchronously, so a
 * server is registered before its spawn returns, even if the owner is SIGKILLed the next instant.
 */
interface Generation {
  dir: string;
  child: ChildProcess;
  exited: Promise<void>;
}

let current: Generation | undefined;
let nextId = 0;
const live = new Set<Registration>();

/** Opt-out for diagnosis (e.g. to show what leaks without the reaper): HC_TESTBED_NO_REAPER=1. */
function disabled(): boolean {
  return process.env.HC_TESTBED_NO_REAPER === '1';
}

/** Path of the built `dist/reaper.js` (also when the library runs from `src/` under vitest). */
export function resolveReaperScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'reaper.js'),
    path.join(here, '..', 'reaper.js'),
    path.join(here, '..', 'dist', 'reaper.js'),
    path.join(here, '..', '..', 'dist', 'reaper.js'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('dist/reaper.js not found: build the package first (npm run build -w @helios-conformance/testbed)');
  return found;
}

function ensureGeneration(): Generation | undefined {
  if (disabled()) return undefined;
  if (current) return current;
  const script = resolveReaperScript();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-reaper-'));
  const child = spawn(process.execPath, [script, dir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  const gen: Generation = {
    dir,
    child,
    exited: new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    }),
  };
  child.stdin?.on('error', () => undefined);
  // The watchdog must never keep its owner alive.
  child.unref();
  (child.stdin as unknown as Socket | null)?.unref?.();
  // Someone killed the watchdog: the next registration starts another one on a fresh registry.
  void gen.exited.then(() => {
    if (current === gen) current = undefined;
  });
  current = gen;
  // A new watchdog (the previous one retired or was killed) learns every server still running.
  for (const r of live) r.rewrite();
  return gen;
}

/** A server's entry in the reaper's registry; update it as the server's footprint changes. */
export class Registration {
  private readonly id = `${process.pid}-${nextId++}`;
  private file: string | undefined;
  private entry: ReapEntry;

  constructor(kind: string, stopSignal: NodeJS.Signals) {
    this.entry = { kind, stopSignal };
  }

  /** Records (or replaces) what the reaper must clean up for this server. */
  update(patch: Partial<ReapEntry>): void {
    this.entry = { ...this.entry, ...patch };
    if (patch.pgid !== undefined) this.entry.startTime = readStat(patch.pgid)?.startTime;
    this.write();
  }

  /** Writes the entry into the current watchdog's registry. @internal */
  rewrite(): void {
    this.write();
  }

  private write(): void {
    live.add(this);
    const gen = ensureGeneration();
    if (!gen) return;
    const file = path.join(gen.dir, `${this.id}.json`);
    if (this.file && this.file !== file) this.dropFile();
    // Write-then-rename: the reaper never reads half an entry.
    writeFileSync(`${file}.tmp`, JSON.stringify(this.entry));
    renameSync(`${file}.tmp`, file);
    this.file = file;
  }

  /** Drops the entry (the owner cleaned up itself). */
  remove(): void {
    live.delete(this);
    this.dropFile();
  }

  private dropFile(): void {
    if (!this.file) return;
    try {
      rmSync(this.file, { force: true });
    } catch {
      // the reaper may have removed its registry already
    }
    this.file = undefined;
  }
}

/**
 * Retires the watchdog once nothing is registered: closes the pipe (the reaper reads EOF,
 * finds an empty registry and exits) and, unless `wait` is false, waits for it to exit.
 */
export async function retireReaper(wait = true): Promise<void> {
  const gen = current;
  if (!gen) return;
  current = undefined;
  gen.child.stdin?.end();
  if (wait) await settlesWithin(gen.exited, 5000);
}

/** The PID of the running watchdog, if any (tests). */
export function reaperPid(): number | undefined {
  return current?.child.pid;
}
