/**
 * The reaper: a small detached watchdog (the idea of Testcontainers' Ryuk) that stops the
 * servers a testbed owner started once that owner is gone, however it went (SIGKILL, OOM
 * killer, a vitest worker torn down after a hook timeout). Spawned by the owner as
 * `node dist/reaper.js <registry dir>` in its own session, stdin a pipe from the owner,
 * stdout/stderr ignored.
 *
 * - The owner never writes to the pipe; it only holds it. When the owner dies the kernel
 *   closes its end and this process reads EOF: that is the signal, no polling of PIDs needed
 *   (a parent-PID check every second backs it up).
 * - The registry dir holds one `<id>.json` per server, written by the owner synchronously
 *   before and after each spawn (see _internal/reaper-client.ts): process group, the leader's
 *   start time (so a reused PID is never signalled), the polite stop signal, the temp dir.
 * - Reaping: the polite signal to each leader, SIGKILL to the whole group after a grace
 *   period, then the temp dirs and the registry dir are removed, and the reaper exits.
 *   An owner that stops its servers normally removes their entries and closes the pipe
 *   when none is left; the reaper then finds nothing to do and exits.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { groupAlive, readStat, signalGroup, signalProcess, waitUntilFalse } from './_internal/proc.js';
import type { ReapEntry } from './_internal/reaper-client.js';

/** How long a server gets to shut down after the polite signal before its group is SIGKILLed. */
const GRACE_MS = 3000;

const registryDir = process.argv[2];
if (!registryDir) {
  process.stderr.write('usage: reaper.js <registry dir>\n');
  process.exit(2);
}

function readEntries(): ReapEntry[] {
  let names: string[];
  try {
    names = readdirSync(registryDir!);
  } catch {
    return [];
  }
  const out: ReapEntry[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(path.join(registryDir!, name), 'utf8')) as ReapEntry);
    } catch {
      // a half-written entry (the owner died mid-write) names nothing we can act on
    }
  }
  return out;
}

async function reapOne(e: ReapEntry): Promise<void> {
  const pgid = e.pgid;
  if (pgid !== undefined && pgid > 0) {
    const leader = readStat(pgid);
    // The leader is the server we registered only if its start time matches; a process with
    // a reused PID is someone else's. Without a leader, members of group `pgid` can only be
    // the server's orphans (Linux never hands out a PID that is still in use as a group id).
    const ours = leader ? leader.startTime === e.startTime && leader.state !== 'Z' : groupAlive(pgid);
    if (ours) {
      if (leader) signalProcess(pgid, e.stopSignal);
      if (!(await waitUntilFalse(() => groupAlive(pgid), leader ? GRACE_MS : 0, 50))) {
        signalGroup(pgid, 'SIGKILL');
        await waitUntilFalse(() => groupAlive(pgid), 5000, 50);
      }
    }
  }
  // A cluster of network namespaces (pg_auto_failover): its processes die with their namespace.
  for (const ns of (e.netns ?? []).filter((n) => n.startsWith('hc-'))) {
    const pids = (): number[] => {
      try {
        return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    for (const p of pids()) signalProcess(p, 'SIGKILL');
    await waitUntilFalse(() => pids().length > 0, 5000, 100);
    try {
      execFileSync('ip', ['netns', 'delete', ns], { timeout: 5000, stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  for (const link of (e.links ?? []).filter((n) => n.startsWith('hc'))) {
    try {
      execFileSync('ip', ['link', 'delete', link], { timeout: 5000, stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  if (e.tempDir && path.basename(e.tempDir).startsWith('hc-testbed-')) {
    try {
      rmSync(e.tempDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {
      // nothing else to try
    }
  }
}

let reaping = false;
async function reap(): Promise<void> {
  if (reaping) return;
  reaping = true;
  await Promise.all(readEntries().map((e) => reapOne(e).catch(() => undefined)));
  try {
    rmSync(registryDir!, { recursive: true, force: true });
  } catch {
    // best effort
  }
  process.exit(0);
}

// Signals meant for the owner's terminal or group never reach this process (own session);
// ignore the ones that might anyway so that only the owner's disappearance triggers reaping.
for (const sig of ['SIGINT', 'SIGHUP', 'SIGPIPE'] as const) process.on(sig, () => undefined);
process.on('SIGTERM', () => void reap());

process.stdin.on('data', () => undefined);
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
process.stdin.resume();

// Backup for an owner whose pipe end somehow stays open (inherited by another process):
// once the owner is gone this process is re-parented.
const owner = process.ppid;
const watch = setInterval(() => {
  if (process.ppid !== owner) {
    clearInterval(watch);
    void reap();
  }
}, 1000);
