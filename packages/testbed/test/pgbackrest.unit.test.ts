// `helios-testbed cluster` backup actions: usage errors are one line and exit 2, without any server.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTestbedCli } from '../src/index.js';
import { parseTargetTime } from '../src/pgbackrest.js';

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
    [true, ['restore', '../../etc'], 'restore target must be a backup label, latest or time:TIMESTAMP (e.g. time:2026-12-07T01:30:00.250Z), not "../../etc"'],
    [true, ['drop-restore'], 'drop-restore needs the DSN (or port) a restore printed'],
    [true, ['drop-restore', '4242'], 'no restore on port 4242'],
    [true, ['verify-backup', 'x'], 'verify-backup takes no argument'],
    [true, ['corrupt-backup', 'x'], 'corrupt-backup takes no argument'],
    [true, ['restore', 'time:yesterday'], 'restore time target must be an ISO-8601 timestamp with a zone'],
    [true, ['restore', 'time:2026-12-07 01:30:00'], 'restore time target must be an ISO-8601 timestamp with a zone'],
    [true, ['restore', 'time:2026-13-45T01:30:00Z'], 'restore time target must be an ISO-8601 timestamp with a zone'],
    [true, ['corrupt-data'], 'corrupt-data needs a node name'],
    [true, ['corrupt-data', 'n1'], 'corrupt-data needs a node and a table: corrupt-data NODE TABLE'],
    [true, ['corrupt-data', 'n1', "t; drop table x"], 'corrupt-data: "t; drop table x" is not a table name'],
    [true, ['corrupt-data', 'n9', 't'], 'unknown node'],
    [true, ['backup', 'full', '1', 'extra'], 'unexpected argument "extra"'],
    // A second argument is the repository (backupRepos): one of this cluster's, by number.
    [true, ['backup', 'full', 'extra'], 'repository must be a number from 1 to 1 (this cluster has 1), not "extra"'],
    [true, ['backup', 'full', '2'], 'repository must be a number from 1 to 1 (this cluster has 1), not "2"'],
    [true, ['restore', 'latest', '0'], 'repository must be a number from 1 to 1 (this cluster has 1), not "0"'],
    [true, ['wal-archived'], 'wal-archived needs a repository (1, 2, …) and a WAL segment name'],
    [true, ['wal-archived', '1'], 'wal-archived needs a repository (1, 2, …) and a WAL segment name'],
    [true, ['wal-archived', '1', '../x'], 'wal-archived needs a repository (1, 2, …) and a WAL segment name'],
    [true, ['drop-restore', '4242', 'x'], 'unexpected argument "x"'],
  ] as const)('backup state %s, %j → exit 2: %s', async (backup, args, message) => {
    const r = await cli(['--state', stateDir(backup), ...args]);
    expect([r.code, r.stdout, r.stderr.trim().split('\n').length], r.stderr).toEqual([2, '', 1]);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('secret-pw');
  });
});

describe('restore time:TIMESTAMP', () => {
  it.each([
    ['2026-12-07T01:30:00.250Z', '2026-12-07 01:30:00.250+00'],
    ['2026-12-07 01:30:00Z', '2026-12-07 01:30:00+00'],
    ['2026-12-07T01:30:00.123456+01:00', '2026-12-07 01:30:00.123456+01:00'],
    ['2026-12-07T01:30:00-05:30', '2026-12-07 01:30:00-05:30'],
  ])('%s → recovery_target_time %s', (input, out) => {
    expect(parseTargetTime(input)).toBe(out);
  });
  it.each(['2026-12-07T01:30:00', '2026-12-07', 'now', "2026-12-07T01:30:00Z'; drop", '2026-12-07T25:30:00Z'])('rejects %j', (input) => {
    expect(() => parseTargetTime(input)).toThrow(/ISO-8601 timestamp with a zone/);
  });
});

describe('helios-testbed up pg-cluster --backup-repos', () => {
  it.each([[['--backup-repos', '2']], [['--backup', '--backup-repos', '5']], [['--backup', '--backup-repos', 'two']]])('%j → one line, nothing started', async (args) => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [resolveTestbedCli(), 'up', 'pg-cluster', ...args], { timeout: 20_000 }, (err, _stdout, stderr) => resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? -1) : 0, stderr: String(stderr) }));
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('--backup-repos must be an integer from 1 to 4, with --backup')]);
  });
});
