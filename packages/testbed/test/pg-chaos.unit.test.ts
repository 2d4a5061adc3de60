// `helios-testbed cluster` chaos actions without a server: argument errors are one line (exit 2), a
// negative SECONDS is an argument, and a skew on a node that is down is recorded for its next start.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTestbedCli } from '../src/index.js';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [resolveTestbedCli(), 'cluster', ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const faketime = existsSync('/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1') || existsSync('/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1');

describe('helios-testbed cluster: chaos action arguments', () => {
  it('skew-clock NODE SECONDS: errors are one line; a down node gets the skew at its next start; 0 removes it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-chaos-cli-'));
    try {
      const state = { version: 1, dir, binDir: '/nonexistent', user: 'hc', password: 'secret-pw', database: 'hc', replication: 'async', passfile: path.join(dir, 'pgpass'), routerPort: 1, nodes: [{ name: 'n1', port: 1, dataDir: path.join(dir, 'n1'), logFile: path.join(dir, 'n1.log') }] };
      writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
      for (const [args, message] of [
        [['skew-clock', 'n1'], 'skew-clock needs NODE SECONDS (a whole number, e.g. 30 or -30), not ""'],
        [['skew-clock', 'n1', '1.5'], 'not "1.5"'],
        [['skew-clock', 'n1', '30', 'x'], 'unexpected argument "x"'],
        [['kill', 'n1', '-30'], 'unexpected argument "-30"'],
        [['fill-disk', 'n1', '5'], 'unexpected argument "5"'],
      ] as const) {
        const r = await cli(['--state', dir, ...args]);
        expect([r.code, r.stderr.trim().split('\n').length], r.stderr).toEqual([2, 1]);
        expect(r.stderr).toContain(message);
      }
      if (faketime) {
        const r = await cli(['--state', dir, 'skew-clock', 'n1', '-30']);
        expect([r.code, r.stdout], r.stderr).toEqual([0, 'n1 is down: its clock is shifted by -30 s from its next start\n']);
        expect(readFileSync(path.join(dir, 'clock-skew-n1'), 'utf8').trim()).toBe('-30');
      }
      expect((await cli(['--state', dir, 'skew-clock', 'n1', '0'])).code).toBe(0);
      expect(existsSync(path.join(dir, 'clock-skew-n1'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
