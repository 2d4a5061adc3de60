// `kill -9` of the acid CLI while it runs on its embedded default (a throwaway PostgreSQL 15 from
// the testbed) must leave nothing behind: the testbed's reaper stops that server and removes its
// temp dir once the CLI's pipe to it closes. The CLI gets its own TMPDIR, so everything the run
// created (server temp dir, reaper registry) can be told apart from other runs on this machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

/** PIDs of live processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Live members of process group `pgid` (the postmaster leads its backends' group). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const rest = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').pop()!.split(' ');
      if (rest[0] !== 'Z' && Number(rest[2]) === pgid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

let tmp: string | undefined;
let running: ChildProcess | undefined;
afterEach(() => {
  if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
  running = undefined;
  // Only once nothing runs in it any more (the assertion below waited for that).
  if (tmp && processesMentioning(tmp).length === 0) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

describe('kill -9 of the CLI on its embedded default', () => {
  it('leaves no PostgreSQL and no temp dir behind', async () => {
    tmp = mkdtempSync('/tmp/hc-reap-');
    chmodSync(tmp, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data dir
    const child = spawn(process.execPath, [cli, '--no-color'], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // The first case line: the server is up and the run is under way.
    const t0 = Date.now();
    while (!/AC-\d{3}/.test(out)) {
      if (child.exitCode !== null || Date.now() - t0 > 90_000) {
        child.kill('SIGKILL');
        throw new Error(`no case line within 90 s (exit ${child.exitCode}):\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const serverDirs = readdirSync(tmp).filter((n) => n.startsWith('hc-testbed-postgres-'));
    expect(serverDirs).toHaveLength(1);
    // The postmaster (a case may briefly run other programs on the same directory).
    const postgres = processesMentioning(path.join(tmp, serverDirs[0]!)).filter((pid) => /\/postgres\0-D\0/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
    expect(postgres).toHaveLength(1);
    const pgid = postgres[0]!;
    expect(groupMembers(pgid).length).toBeGreaterThan(0);

    child.kill('SIGKILL');
    const t1 = Date.now();
    while (processesMentioning(tmp).length > 0 || groupMembers(pgid).length > 0 || readdirSync(tmp).length > 0) {
      if (Date.now() - t1 > 20_000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect({ processes: processesMentioning(tmp), group: groupMembers(pgid), left: readdirSync(tmp) }).toEqual({ processes: [], group: [], left: [] });
    console.log(`acid CLI SIGKILLed: its PostgreSQL (pid ${pgid}) and temp dirs gone after ${Date.now() - t1} ms`);
    expect(existsSync(path.join(tmp, serverDirs[0]!))).toBe(false);
  }, 150_000);
});
