// `helios-testbed cluster` usage errors: exit 2 with one line on stderr, without any server.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTestbedCli, shellQuote } from '../src/index.js';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [resolveTestbedCli(), 'cluster', ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('helios-testbed cluster: usage errors', () => {
  it.each([
    [[], 'missing --state DIR'],
    [['--state', '/nonexistent'], 'missing action'],
    [['--state', '/nonexistent', 'frob', 'n1'], 'unknown action "frob"'],
    [['--state', '/nonexistent', 'kill'], 'no cluster state at /nonexistent/state.json'],
    [['--state', '/nonexistent', 'kill', 'n1', 'n2'], 'unexpected argument "n2"'],
    [['--state', '/nonexistent', 'kill', 'n1', '--timeout-ms', '0'], '--timeout-ms must be a positive number'],
  ])('%j → exit 2: %s', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('reads the node list from state.json: an unknown node or a missing/extra node name is one line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-cluster-cli-'));
    try {
      const state = { version: 1, dir, binDir: '/nonexistent', user: 'hc', password: 'secret-pw', database: 'hc', replication: 'async', passfile: path.join(dir, 'pgpass'), routerPort: 1, nodes: [{ name: 'n1', port: 1, dataDir: path.join(dir, 'n1'), logFile: path.join(dir, 'n1.log') }] };
      writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
      for (const [args, message] of [
        [['kill', 'n9'], 'unknown node "n9" (nodes: n1)'],
        [['promote'], 'promote needs a node name (n1)'],
        [['who-is-primary', 'n1'], 'who-is-primary takes no node name'],
      ] as const) {
        const r = await cli(['--state', dir, ...args]);
        expect([r.code, r.stderr.trim().split('\n').length], r.stderr).toEqual([2, 1]);
        expect(r.stderr).toContain(message);
        expect(r.stderr).not.toContain('secret-pw');
      }
      // A node that is not running: kill and stop are no-ops that say so (heals in a finally must not fail).
      expect((await cli(['--state', dir, 'kill', 'n1'])).stdout).toBe('n1 was not running\n');
      expect((await cli(['--state', dir, 'stop', 'n1'])).stdout).toBe('n1 was not running\n');
      const pause = await cli(['--state', dir, 'pause', 'n1']);
      expect([pause.code, pause.stderr.trim()]).toEqual([2, 'helios-testbed cluster: pause n1: n1 is not running']);

      // Actions on one node are serialized through <dir>/lock-n1: a live holder blocks until the deadline...
      writeFileSync(path.join(dir, 'lock-n1'), String(process.pid));
      const blocked = await cli(['--state', dir, 'kill', 'n1', '--timeout-ms', '400']);
      expect([blocked.code, blocked.stderr.trim()]).toEqual([2, `helios-testbed cluster: kill n1: another action on n1 is still running (pid ${process.pid})`]);
      // ...a dead holder's lock is taken over, and released after the action.
      const dead = await new Promise<number>((resolve) => {
        const p = spawn(process.execPath, ['-e', '0']);
        p.once('exit', () => resolve(p.pid!));
      });
      writeFileSync(path.join(dir, 'lock-n1'), String(dead));
      expect((await cli(['--state', dir, 'kill', 'n1'])).stdout).toBe('n1 was not running\n');
      expect(existsSync(path.join(dir, 'lock-n1'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shellQuote quotes what the shell would split or expand', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellQuote("/tmp/a b/it's")).toBe(`'/tmp/a b/it'\\''s'`);
    expect(shellQuote('$HOME')).toBe(`'$HOME'`);
  });
});
