import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** True when a process with this PID exists (zombies included). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Stat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

function stats(): Stat[] {
  const out: Stat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let raw: string;
    try {
      raw = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    out.push({ pid: Number(entry), state: rest[0] ?? '?', ppid: Number(rest[1]), pgrp: Number(rest[2]) });
  }
  return out;
}

/** Live (non-zombie) child processes of this process. */
export function childPids(): number[] {
  return stats()
    .filter((s) => s.ppid === process.pid && s.state !== 'Z')
    .map((s) => s.pid);
}

/** Live (non-zombie) members of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  return stats()
    .filter((s) => s.pgrp === pgid && s.state !== 'Z')
    .map((s) => s.pid);
}

/** Asserts-friendly summary of what an endpoint left behind. */
export function leftovers(ep: { pid: number; tempDir?: string }): { pid: boolean; group: number[]; tempDir: boolean } {
  return { pid: pidExists(ep.pid), group: groupMembers(ep.pid), tempDir: ep.tempDir ? existsSync(ep.tempDir) : false };
}
