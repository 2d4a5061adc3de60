// `helios-testbed cluster` usage errors: exit 2 with one line on stderr, without any server.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
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

  it('partition/heal: argument errors, a missing or silent owner: one line each, within the deadline', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-cluster-cli-'));
    const silent = net.createServer(() => undefined); // accepts, never answers
    try {
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const nodes = ['n1', 'n2', 'n3'].map((name) => ({ name, port: 1, dataDir: path.join(dir, name), logFile: path.join(dir, `${name}.log`) }));
      const state = { version: 1, dir, binDir: '/nonexistent', user: 'hc', password: 'secret-pw', database: 'hc', replication: 'async', passfile: path.join(dir, 'pgpass'), routerPort: 1, nodes, links: {} };
      writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
      for (const [args, message] of [
        [['partition'], "partition: partition needs GROUPS: node names, comma-separated within a group, groups separated by | (e.g. 'n1|n2,n3')"],
        [['heal', 'n1'], 'heal n1: heal takes no argument'],
        [['partition', 'n1|n4'], 'partition n1|n4: unknown node "n4" (nodes: n1, n2, n3)'],
        [['partition', 'n1,|n2'], 'empty node name or group'],
        [['partition', 'n1|n2|n1'], 'node "n1" is named twice'],
        [['partition', 'n1|n2'], 'state.json names no control port of the owner process'],
      ] as const) {
        const r = await cli(['--state', dir, ...args]);
        expect([r.code, r.stdout, r.stderr.trim().split('\n').length], r.stderr).toEqual([2, '', 1]);
        expect(r.stderr).toContain(message);
      }
      // The owner is gone (nothing listens on its control port any more).
      const gone = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const port = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(port));
        });
      });
      writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ ...state, control: { port: gone, token: 'x' } }));
      const refused = await cli(['--state', dir, 'heal']);
      expect([refused.code, refused.stderr.trim()]).toEqual([2, `helios-testbed cluster: heal: the cluster's owner process does not answer on its control port ${gone} (is the cluster still running?)`]);
      // An owner that never confirms: the CLI gives up at its deadline.
      const port = (silent.address() as net.AddressInfo).port;
      writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ ...state, control: { port, token: 'x' } }));
      const t0 = performance.now();
      const late = await cli(['--state', dir, 'partition', 'n1|n2,n3', '--timeout-ms', '400']);
      expect(performance.now() - t0).toBeLessThan(5000);
      expect([late.code, late.stderr.trim()]).toEqual([2, "helios-testbed cluster: partition n1|n2,n3: the cluster's owner process did not confirm within 400 ms (is its event loop blocked?)"]);
    } finally {
      silent.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shellQuote quotes what the shell would split or expand', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellQuote("/tmp/a b/it's")).toBe(`'/tmp/a b/it'\\''s'`);
    expect(shellQuote('$HOME')).toBe(`'$HOME'`);
  });
});
