import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { reaperPid } from '../src/_internal/reaper-client.js';
import { startPostgres, stopAll } from '../src/index.js';
import { childPids, groupMembers, pidExists } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ownerScript = path.join(here, 'fixtures', 'owner.mjs');

interface Started {
  owner: number;
  started: Array<{ kind: string; pid: number; tempDir: string | null; dataDir: string | null }>;
}

/** Resolves when `predicate()` holds; throws with `what` after `timeoutMs`. */
async function eventually(predicate: () => boolean, timeoutMs: number, what: () => string): Promise<number> {
  const t0 = Date.now();
  while (!predicate()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

/** Reaper processes (node …/reaper.js <dir>) whose parent is `ppid`. */
function reapersOf(ppid: number): Array<{ pid: number; dir: string }> {
  const out: Array<{ pid: number; dir: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== ppid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith('reaper.js'))) out.push({ pid: Number(entry), dir: argv[argv.length - 2] ?? argv[argv.length - 1]! });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Spawns the owner fixture and resolves with what it started (its one JSON line). */
function startOwner(kinds: string[]): Promise<{ child: ChildProcess; info: Started; reaper: { pid: number; dir: string } }> {
  const child = spawn(process.execPath, [ownerScript, ...kinds], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`owner did not report within 90 s\n${err}`));
    }, 90_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as Started;
      const reapers = reapersOf(info.owner);
      if (reapers.length !== 1) reject(new Error(`expected one reaper of ${info.owner}, found ${JSON.stringify(reapers)}`));
      else resolve({ child, info, reaper: reapers[0]! });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`owner exited (${code ?? signal}) before reporting\n${err}`));
    });
  });
}

let owner: ChildProcess | undefined;
afterEach(() => {
  if (owner?.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL');
  owner = undefined;
});

describe('reaper: servers never outlive their owner', () => {
  it('SIGKILL of the owner: PostgreSQL, MariaDB and the PGlite child are stopped and their temp dirs removed', async () => {
    const { child, info, reaper } = await startOwner(['postgres', 'mariadb', 'pglite']);
    owner = child;
    expect(info.started.map((s) => s.kind)).toEqual(['postgres', 'mariadb', 'pglite']);
    for (const s of info.started) expect(groupMembers(s.pid).length).toBeGreaterThan(0);
    for (const s of info.started) if (s.tempDir) expect(existsSync(s.tempDir)).toBe(true);
    // The reaper knows every server: one registry entry each, naming its process group.
    const entries = readdirSync(reaper.dir).filter((n) => n.endsWith('.json'));
    expect(entries.map((n) => (JSON.parse(readFileSync(path.join(reaper.dir, n), 'utf8')) as { pgid: number }).pgid).sort()).toEqual(info.started.map((s) => s.pid).sort());

    child.kill('SIGKILL');
    const ms = await eventually(
      () => info.started.every((s) => groupMembers(s.pid).length === 0 && !(s.tempDir && existsSync(s.tempDir))) && !pidExists(reaper.pid) && !existsSync(reaper.dir),
      20_000,
      () => JSON.stringify(info.started.map((s) => ({ ...s, group: groupMembers(s.pid), tempDir: s.tempDir && existsSync(s.tempDir) }))),
    );
    console.log(`reaper: owner SIGKILLed, servers gone and temp dirs removed after ${ms} ms`);
  });

  it('a torn-down worker thread (a vitest worker after a hook timeout): its PostgreSQL is stopped', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(path.join(here, '..', 'dist', 'index.js'))}).then(async (tb) => {
        const e = await tb.startPostgres({ tls: false });
        parentPort.postMessage({ pid: e.pid, tempDir: e.tempDir });
        setInterval(() => undefined, 60_000);
      });`;
    const worker = new Worker(code, { eval: true });
    const info = await new Promise<{ pid: number; tempDir: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(groupMembers(info.pid).length).toBeGreaterThan(0);
    await worker.terminate();
    const ms = await eventually(
      () => groupMembers(info.pid).length === 0 && !existsSync(info.tempDir) && reapersOf(process.pid).length === 0,
      20_000,
      () => `group ${JSON.stringify(groupMembers(info.pid))}, temp dir ${existsSync(info.tempDir)}`,
    );
    console.log(`reaper: worker terminated, its server gone after ${ms} ms`);
  });

  it('a normal stop deregisters the server and retires the reaper: no child process left', async () => {
    const ep = await startPostgres({ tls: false });
    const pid = reaperPid();
    expect(pid).toBeGreaterThan(0);
    expect(childPids()).toContain(pid);
    const [reaper] = reapersOf(process.pid);
    expect(reaper?.pid).toBe(pid);
    expect(readdirSync(reaper!.dir).filter((n) => n.endsWith('.json'))).toHaveLength(1);
    await ep.stop();
    expect(reaperPid()).toBeUndefined();
    expect(pidExists(pid!)).toBe(false);
    expect(existsSync(reaper!.dir)).toBe(false);
    expect(childPids()).toEqual([]);
    await stopAll();
  });
});
