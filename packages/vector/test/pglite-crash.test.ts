// The embedded PGlite + pgvector child dies mid-run (SIGKILL of its PID while VEC-001 loads its
// dataset): that case is `error` saying so, the child is restarted, the later cases load their
// datasets again on the new child and pass, and the figures they record reach the report.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-vector-crash-'));
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

describe('embedded PGlite + pgvector crashes mid-run', () => {
  it('reports the running case as error, restarts the child and runs the later cases normally', async () => {
    const json = path.join(dir, 'r.json');
    const child = spawn(process.execPath, ['dist/cli.js', '--no-color', '--json', json, '--only', 'VEC-001,VEC-005,VEC-100,VEC-103'], {
      env: { ...process.env, HC_DSN: '', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    try {
      const t0 = Date.now();
      while (!/^server: /m.test(out)) {
        if (Date.now() - t0 > 90_000 || child.exitCode !== null) throw new Error(`the endpoint never opened:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // VEC-001 loads and indexes 5,000 vectors first (seconds): it is running now.
      await new Promise((r) => setTimeout(r, 800));
      expect(out).not.toMatch(/VEC-001 recall/);
      const pglite = childrenMentioning(child.pid!, 'pglite-child.js');
      expect(pglite).toHaveLength(1);
      process.kill(pglite[0]!, 'SIGKILL');
      const code = await exited;
      const report = JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ id: string; status: string; message: string | null }>; sections: { recall?: Record<string, unknown> } };
      const by = Object.fromEntries(report.results.map((r) => [r.id, r]));
      expect(by['VEC-001'], out).toMatchObject({ status: 'error', message: 'embedded PGlite crashed during this case; restarted for the next case' });
      for (const id of ['VEC-005', 'VEC-100', 'VEC-103']) expect(by[id]?.status, `${id}\n${out}`).toBe('pass');
      // VEC-005's figures, measured on the new child, are in the report.
      expect(Object.keys(report.sections.recall ?? {}), out).toContain('l2@10');
      expect(code).toBe(1);
      expect(childrenMentioning(child.pid!, 'pglite-child.js')).toEqual([]);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 160_000);
});
