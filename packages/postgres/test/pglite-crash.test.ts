// The embedded PGlite child dies mid-run (SIGKILL of its PID, found as the CLI's child running
// pglite-child.js): the case running then is `error` saying so, the child is restarted with the
// run's namespace re-created, and the later cases run normally.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-pglite-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** PIDs of live children of `ppid` whose command line mentions `needle`. */
function childrenMentioning(ppid: number, needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const rest = readFileSync(`/proc/${e}/stat`, 'utf8').split(') ').pop()!.split(' ');
      if (Number(rest[1]) === ppid && rest[0] !== 'Z' && readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle)) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('embedded PGlite crashes mid-run', () => {
  it('reports the running case as error, restarts PGlite and runs the later cases normally', async () => {
    const json = path.join(dir, 'r.json');
    const only = ['PG-001', 'PG-002', 'PG-003', 'PG-004', 'PG-005', 'PG-009'];
    const child = spawn(process.execPath, ['dist/cli.js', '--no-color', '--json', json, ...only.flatMap((id) => ['--only', id])], {
      env: { ...process.env, HC_DSN: '', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    try {
      // PG-002 done: PG-003 (which holds a transaction open for seconds) is running now.
      const t0 = Date.now();
      while (!/PG-002/.test(out)) {
        if (Date.now() - t0 > 90_000 || child.exitCode !== null) throw new Error(`PG-002 never reported:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const pglite = childrenMentioning(child.pid!, 'pglite-child.js');
      expect(pglite).toHaveLength(1);
      process.kill(pglite[0]!, 'SIGKILL');
      const code = await exited;
      const report = JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ id: string; status: string; message: string | null }> };
      const by = Object.fromEntries(report.results.map((r) => [r.id, r]));
      expect(by['PG-003'], out).toMatchObject({ status: 'error', message: 'embedded PGlite crashed during this case; restarted for the next case' });
      for (const id of ['PG-001', 'PG-002', 'PG-004', 'PG-005', 'PG-009']) expect(by[id]?.status, `${id}\n${out}`).toBe('pass');
      expect(code).toBe(1); // an error is not conformant
      // A new child served the rest; it is gone with the run.
      expect(childrenMentioning(child.pid!, 'pglite-child.js')).toEqual([]);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 160_000);
});
