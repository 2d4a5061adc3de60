// The CLI without --topology, the way a user first tries it (as root on Debian): it starts the
// testbed's reference cluster, says so in its first lines, judges that cluster, then stops it and
// removes its directory. One cheap case (HA-033, about 8 s) keeps this to about 20 s.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '@helios-conformance/core';
import { runCacheDir, runCli } from '@helios-conformance/suite-kit';
import { result } from './helpers.js';

describe('no --topology: the reference cluster the run starts itself', () => {
  it('says so first, judges it, stops it and leaves no directory or process behind', async () => {
    const json = path.join(mkdtempSync(path.join(runCacheDir(), 'ha-dr-default-')), 'r.json');
    const r = await runCli(['--allow-destructive', '--only', 'HA-033', '--json', json, '--seed', '7'], { timeoutMs: 180_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [first, second] = r.stdout.split('\n');
    expect(first).toMatch(/target: the testbed reference cluster: PostgreSQL 15 streaming replication, 1 primary \+ 2 standbys .*\(embedded default\)/);
    expect(second).toMatch(/no --topology: starting the reference cluster \(PostgreSQL 15 streaming replication, 1 primary \+ 2 standbys, sync, behind a router\)/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(result(report, 'HA-033')?.status, result(report, 'HA-033')?.message ?? '').toBe('pass');
    // The cluster the run judged is the one it started, and it is gone with its directory.
    const source = (report.sections as { topology: { source: string; name: string } }).topology;
    expect(source.name).toBe('testbed: PostgreSQL 15 streaming replication, 1 primary + 2 standbys (sync)');
    const stateDir = path.dirname(source.source);
    expect(path.basename(stateDir)).toMatch(/^hc-testbed-pg-cluster-/);
    expect(existsSync(stateDir)).toBe(false);
    const left = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(stateDir));
    expect(left).toEqual([]);
    // A DSN's password shows as *** or not at all.
    expect(r.stdout + r.stderr).not.toMatch(/:\/\/[^:\s/]+:(?!\*\*\*@)[^@\s]+@/);
  }, 200_000);
});
