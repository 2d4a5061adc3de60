// `helios-testbed cluster` backup actions: usage errors are one line and exit 2, without any server.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTestbedCli } from '../src/index.js';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [resolveTestbedCli(), 'cluster', ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const dirs: string[] = [];
function stateDir(backup: boolean): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-backup-cli-'));
  dirs.push(dir);
  const state = {
    version: 1, dir, binDir: '/nonexistent', user: 'hc', password: 'secret-pw', database: 'hc', replication: 'async', passfile: path.join(dir, 'pgpass'), routerPort: 1,
    nodes: [{ name: 'n1', port: 1, dataDir: path.join(dir, 'n1'), logFile: path.join(dir, 'n1.log') }],
    ...(backup ? { backup: { tool: 'pgbackrest', bin: '/nonexistent/pgbackrest', config: path.join(dir, 'pgbackrest.conf'), repo: path.join(dir, 'repo') } } : {}),
  };
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
  return dir;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('helios-testbed cluster: backup action usage errors', () => {
  it.each([
    [false, ['backup', 'full'], 'this cluster was started without backup'],
    [true, ['backup'], 'backup needs a kind: full, diff or incr'],
    [true, ['backup', 'weekly'], 'backup needs a kind: full, diff or incr, not "weekly"'],
    [true, ['restore'], 'restore needs a target'],
    [true, ['restore', '../../etc'], 'restore target must be a backup label or latest, not "../../etc"'],
    [true, ['drop-restore'], 'drop-restore needs the DSN (or port) a restore printed'],
    [true, ['drop-restore', '4242'], 'no restore on port 4242'],
    [true, ['verify-backup', 'x'], 'verify-backup takes no argument'],
    [true, ['corrupt-backup', 'x'], 'corrupt-backup takes no argument'],
  ] as const)('backup state %s, %j → exit 2: %s', async (backup, args, message) => {
    const r = await cli(['--state', stateDir(backup), ...args]);
    expect([r.code, r.stdout, r.stderr.trim().split('\n').length], r.stderr).toEqual([2, '', 1]);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('secret-pw');
  });
});
