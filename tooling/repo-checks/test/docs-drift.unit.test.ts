// Numbers about a catalog that a README states must be the catalog's: the case count, the count
// per priority and per area, the default per-case deadline. Every suite README states at least its
// case count, so this check is never vacuous.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Suite } from '@helios-conformance/core';
import { ROOT, suitePackages, type WorkspacePackage } from '../src/workspace.js';

async function loadSuite(p: WorkspacePackage): Promise<Suite<unknown>> {
  const mod = (await import(pathToFileURL(join(p.dir, 'dist', 'index.js')).href)) as Record<string, Suite<unknown>>;
  return mod[p.suiteExport as string] as Suite<unknown>;
}

const count = (s: Suite<unknown>, f: (c: Suite<unknown>['cases'][number]) => boolean): number => s.cases.filter(f).length;

describe('READMEs state the catalogs as they are', () => {
  it.each(suitePackages().map((p) => [p.name, p] as const))('%s README', async (_n, p) => {
    const suite = await loadSuite(p);
    const text = readFileSync(join(p.dir, 'README.md'), 'utf8');
    const claims: string[] = [];
    for (const m of text.matchAll(/\b(\d+) cases\b/g)) {
      claims.push(m[0]);
      expect(Number(m[1]), `"${m[0]}" in ${p.name}/README.md`).toBe(suite.cases.length);
    }
    for (const m of text.matchAll(/\b(\d+) P0, (\d+) P1, (\d+) P2\b/g)) {
      claims.push(m[0]);
      expect([Number(m[1]), Number(m[2]), Number(m[3])], `"${m[0]}"`).toEqual(['p0', 'p1', 'p2'].map((pr) => count(suite, (c) => c.priority === pr)));
    }
    for (const m of text.matchAll(/^\| *`?([a-z][a-z0-9-]*)`? *\| *(\d+) *\| *(\d+) *\/ *(\d+) *\/ *(\d+) *\|/gm)) {
      const area = m[1] as string;
      claims.push(m[0]);
      expect([Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])], `area ${area} in ${p.name}/README.md`).toEqual([
        count(suite, (c) => c.area === area),
        ...['p0', 'p1', 'p2'].map((pr) => count(suite, (c) => c.area === area && c.priority === pr)),
      ]);
    }
    for (const m of text.matchAll(/--timeout-ms N`?[^\n]*?default (\d+)/g)) {
      claims.push(m[0]);
      expect(Number(m[1]), `default deadline in ${p.name}/README.md`).toBe(suite.defaultTimeoutMs ?? 30_000);
    }
    expect(text.match(/\b\d+ cases\b/), `${p.name}/README.md states no case count`).not.toBeNull();
    expect(claims.length).toBeGreaterThan(0);
  });

  it('the root README table counts each suite as it is', async () => {
    const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const p of suitePackages()) {
      const short = p.name.split('/')[1] as string;
      const row = new RegExp(`^\\| \\[\`${short}\`\\]\\(packages/${short}\\) \\|.*\\b(?:ready|in progress): (\\d+) cases`, 'm').exec(text);
      expect(row, `root README has no "ready: N cases" (or "in progress: N cases") row for ${short}`).not.toBeNull();
      expect(Number(row?.[1]), `root README count for ${short}`).toBe((await loadSuite(p)).cases.length);
    }
  });
});
