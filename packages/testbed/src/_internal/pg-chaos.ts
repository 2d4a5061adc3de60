/**
 * Chaos actions of a pg-cluster (see ../pg-cluster.ts): clock skew under libfaketime, and a full disk
 * (the node's data directory moved onto a private tmpfs, then filled). Like the other node actions
 * they run in any process from DIR/state.json; what they change lives in files of DIR (never only in
 * a process's memory), so a later start of the node, from any process, keeps it.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, closeSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, statfsSync, symlinkSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { nodeSession, postmasterPid, startNode, stopNode, type ClusterState, type NodeState } from './pg-cluster-node.js';
import { runCommand } from './proc.js';
import { findLibfaketime, skewFile } from './pg-skew.js';
import { errorMessage, isRoot } from './util.js';

/** The node's clock_timestamp() minus this machine's clock, in seconds (midpoint of the round trip). */
export async function measureSkew(st: ClusterState, node: NodeState, timeoutMs = 3000): Promise<number> {
  const s = await nodeSession(st, node, timeoutMs);
  try {
    const t0 = Date.now();
    const r = await s.query('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint');
    const t1 = Date.now();
    return (Number(r[0]?.[0]) - (t0 + t1) / 2) / 1000;
  } finally {
    s.close();
  }
}

/**
 * `skew-clock NODE SECONDS`: restarts the node's postmaster (fast shutdown, start) under libfaketime
 * with its wall clock shifted by SECONDS (0 restores the real clock), then checks that the node's
 * clock_timestamp() is off by that much. A node that is down gets the skew at its next start.
 */
export async function skewClock(st: ClusterState, node: NodeState, secondsArg: string | undefined, timeoutMs: number): Promise<string> {
  if (secondsArg === undefined || !/^[+-]?\d+$/.test(secondsArg)) throw new Error(`skew-clock needs NODE SECONDS (a whole number, e.g. 30 or -30), not ${JSON.stringify(secondsArg ?? '')}`);
  const seconds = Number(secondsArg);
  if (Math.abs(seconds) > 365 * 86_400) throw new Error('skew-clock: SECONDS must be within one year');
  if (seconds !== 0 && !findLibfaketime()) throw new Error('skew-clock needs libfaketime (Debian: apt-get install libfaketime)');
  const deadline = Date.now() + timeoutMs;
  const running = postmasterPid(node) !== undefined;
  if (running) await stopNode(node, Math.max(1000, Math.min(20_000, deadline - Date.now())));
  if (seconds === 0) rmSync(skewFile(st, node), { force: true });
  else writeFileSync(skewFile(st, node), `${seconds}\n`, { mode: 0o600 });
  if (!running) return `${node.name} is down: its clock is shifted by ${seconds} s from its next start`;
  const how = await startNode(st, node, Math.max(1000, deadline - Date.now()));
  const seen = await measureSkew(st, node);
  // Loopback round trips are milliseconds; 2 s allows for a loaded machine, never for a missing skew.
  if (Math.abs(seen - seconds) > 2) throw new Error(`${node.name} restarted but its clock is off by ${seen.toFixed(1)} s, not ${seconds} s (libfaketime not in effect?)`);
  return `${node.name} clock ${seconds ? `shifted by ${seconds > 0 ? '+' : ''}${seconds} s (restarted under libfaketime)` : 'restored (restarted without libfaketime)'}; clock_timestamp() - host clock = ${seen.toFixed(1)} s; ${how}`;
}

const diskDir = (st: { dir: string }, node: NodeState): string => path.join(st.dir, `disk-${node.name}`);
const FILLER = 'filler';

/** Mount points at or under `dir` (from /proc/self/mounts), deepest first. */
export function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    // Octal escapes (\040 for a space) in the mount point field.
    const mp = (line.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === dir || mp.startsWith(dir + '/')) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

/** Unmounts every tmpfs fill-disk mounted under the cluster's directory (lazily when busy). Synchronous: also used at process exit. */
export function unmountAllSync(dir: string): void {
  for (const mp of mountsUnder(dir)) {
    const r = spawnSync('umount', [mp], { timeout: 5000, stdio: 'ignore' });
    if (r.status !== 0) spawnSync('umount', ['-l', mp], { timeout: 5000, stdio: 'ignore' });
  }
}

/** True when the node's data directory is the symlink into its fill-disk tmpfs, and that is mounted. */
function onTmpfs(st: ClusterState, node: NodeState): boolean {
  try {
    return lstatSync(node.dataDir).isSymbolicLink() && readlinkSync(node.dataDir) === path.join(diskDir(st, node), 'data') && mountsUnder(diskDir(st, node)).includes(diskDir(st, node));
  } catch {
    return false;
  }
}

/**
 * `fill-disk NODE`: the first time, moves the node's data directory onto a private tmpfs just larger
 * than it (fast shutdown, copy, the data dir path becomes a symlink, start again); then fills that
 * tmpfs with a file until no byte is free. Needs root (mount). The node then fails to extend a table
 * (53100 disk_full) or to create a WAL segment (PANIC).
 */
export async function fillDisk(st: ClusterState, node: NodeState, timeoutMs: number): Promise<string> {
  if (!isRoot()) throw new Error('fill-disk needs root: it mounts a tmpfs for the node');
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1000, deadline - Date.now());
  const dir = diskDir(st, node);
  let moved = '';
  if (!onTmpfs(st, node)) {
    const running = postmasterPid(node) !== undefined;
    if (running) await stopNode(node, Math.min(20_000, left()));
    const du = await runCommand('du', ['-sb', node.dataDir], { timeoutMs: Math.min(20_000, left()) });
    const used = Number(du.output.split(/\s/)[0]);
    if (du.code !== 0 || !(used > 0)) throw new Error(`${node.name}: du of the data directory failed: ${du.output.trim()}`);
    // Room to start and take a checkpoint; the filler takes the rest.
    const sizeMb = Math.ceil(used / 1048576) + 48;
    if (mountsUnder(dir).length) unmountAllSync(dir);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o700 });
    const m = await runCommand('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { timeoutMs: 10_000 });
    if (m.code !== 0) throw new Error(`${node.name}: mount -t tmpfs failed: ${m.output.trim()}`);
    if (st.owner) chownSync(dir, st.owner.uid, st.owner.gid);
    const cp = await runCommand('cp', ['-a', node.dataDir, path.join(dir, 'data')], { timeoutMs: left() });
    if (cp.code !== 0) {
      unmountAllSync(dir);
      throw new Error(`${node.name}: copying the data directory onto the tmpfs failed: ${cp.output.trim()}`);
    }
    rmSync(node.dataDir, { recursive: true, force: true });
    symlinkSync(path.join(dir, 'data'), node.dataDir);
    moved = `data directory moved onto a ${sizeMb} MB tmpfs (${dir})${running ? `; ${(await startNode(st, node, left())).replace(/ \(pid \d+\)$/, '')}` : ''}; `;
  } else {
    // Again after a free-disk, which gave the tmpfs room: back to what is used plus the same margin.
    const s = statfsSync(dir);
    const usedMb = Math.ceil((Number(s.blocks) - Number(s.bfree)) * Number(s.bsize) / 1048576);
    await remount(dir, usedMb + 48);
  }
  const file = path.join(dir, FILLER);
  const fd = openSync(file, 'a', 0o600);
  const chunk = Buffer.alloc(1 << 20);
  let written = 0;
  try {
    for (;;) {
      try {
        written += writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
      if (Date.now() > deadline) throw new Error(`${node.name}: filling the tmpfs did not finish in time`);
    }
    // The last partial block: the tmpfs is then full to the byte.
    for (let n = 4096; n >= 1; n = Math.floor(n / 2)) {
      try {
        for (;;) written += writeSync(fd, chunk, 0, n);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  const s = statfsSync(dir);
  return `${node.name}: ${moved}disk filled (${(written / 1048576).toFixed(1)} MB written, ${Number(s.bavail) * Number(s.bsize)} bytes free)`;
}

/** A tmpfs size is a limit, not memory: pages are used only as files grow. */
const FREED_TMPFS_MB = 4096;

async function remount(dir: string, sizeMb: number): Promise<void> {
  const m = await runCommand('mount', ['-o', `remount,size=${sizeMb}m`, dir], { timeoutMs: 10_000 });
  if (m.code !== 0) throw new Error(`mount -o remount,size=${sizeMb}m ${dir} failed: ${m.output.trim()}`);
}

/** `free-disk NODE`: removes the filler; starts the node again when the full disk brought it down. */
export async function freeDisk(st: ClusterState, node: NodeState, timeoutMs: number): Promise<string> {
  const file = path.join(diskDir(st, node), FILLER);
  let freed = 0;
  try {
    freed = lstatSync(file).size;
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${node.name}: cannot remove ${file}: ${errorMessage(err)}`);
  }
  // The node stays on its tmpfs: give it the room of a real disk again, or the cases after this one
  // (backups forcing checkpoints, WAL kept for them) fill its 48 MB margin and the node PANICs.
  if (onTmpfs(st, node)) await remount(diskDir(st, node), FREED_TMPFS_MB);
  const what = freed ? `${(freed / 1048576).toFixed(1)} MB freed` : 'no filler to remove';
  if (postmasterPid(node) !== undefined) return `${node.name}: ${what}; the node is running`;
  return `${node.name}: ${what}; it was down: ${await startNode(st, node, timeoutMs)}`;
}
