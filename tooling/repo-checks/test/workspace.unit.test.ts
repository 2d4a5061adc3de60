// The package graph is what the code imports, what package.json declares and what
// docs/architecture.md draws — all three the same.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, allPackages, publicPackages, workspaceDeps, type WorkspacePackage } from '../src/workspace.js';

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|mts|mjs|js)$/.test(e.name) ? [join(dir, e.name)] : []));
}

/** Workspace packages the published code of `p` imports (static, dynamic or type-only). */
function importedBySrc(p: WorkspacePackage): string[] {
  const names = new Set<string>();
  for (const f of sourceFiles(join(p.dir, 'src'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)['"](@helios-conformance\/[a-z0-9-]+)/g)) names.add(m[1] as string);
  }
  names.delete(p.name);
  return [...names].sort();
}

/** The graph drawn in docs/architecture.md: `| @helios-conformance/x | a, b |` rows between the graph markers. */
function documentedGraph(): Map<string, string[]> {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const block = /<!-- graph:start -->([\s\S]*?)<!-- graph:end -->/.exec(doc)?.[1] ?? '';
  const graph = new Map<string, string[]>();
  for (const m of block.matchAll(/^\|\s*`?([\w@/-]+)`?\s*\|\s*([^|]*)\|/gm)) {
    const name = m[1] as string;
    if (!name.startsWith('@helios-conformance/')) continue;
    const deps = (m[2] as string).split(',').map((s) => s.replace(/`/g, '').trim()).filter((s) => s && s !== '—');
    graph.set(name, deps.map((d) => (d.startsWith('@') ? d : `@helios-conformance/${d}`)).sort());
  }
  return graph;
}

const published = publicPackages();

describe('the package graph', () => {
  it.each(published.map((p) => [p.name, p] as const))('%s declares exactly the workspace packages its src imports', (_n, p) => {
    expect(workspaceDeps(p).sort()).toEqual(importedBySrc(p));
  });

  it('docs/architecture.md draws every published package with the dependencies it declares', () => {
    const drawn = documentedGraph();
    expect([...drawn.keys()].sort()).toEqual(published.map((p) => p.name).sort());
    for (const p of published) expect(drawn.get(p.name), `${p.name} in docs/architecture.md`).toEqual(workspaceDeps(p).sort());
  });

  it('repo-checks depends on every published package, so turbo builds them all before the pack smoke test', () => {
    const self = allPackages().find((p) => p.name === '@helios-conformance/repo-checks') as WorkspacePackage;
    const declared = new Set(Object.keys({ ...self.json.dependencies, ...self.json.devDependencies }));
    expect(published.map((p) => p.name).filter((n) => !declared.has(n))).toEqual([]);
  });
});

describe('package metadata of every published package', () => {
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  it('the root LICENSE is the Apache-2.0 text', () => expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/));
  it.each(published.map((p) => [p.name, p] as const))('%s: license, links, module format, engines, files', (_n, p) => {
    const j = p.json;
    const short = p.name.split('/')[1] as string;
    expect(j.license).toBe('Apache-2.0');
    expect(readFileSync(join(p.dir, 'LICENSE'), 'utf8'), `${p.name}/LICENSE`).toBe(license);
    expect(j.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']));
    expect(typeof j.description === 'string' && j.description.length > 20).toBe(true);
    expect(Array.isArray(j.keywords) && j.keywords.length >= 3 && j.keywords.includes('conformance')).toBe(true);
    expect(j.homepage).toBe(`https://github.com/helios-conformance/helios-conformance/tree/main/packages/${short}#readme`);
    expect(j.bugs).toEqual({ url: 'https://github.com/helios-conformance/helios-conformance/issues' });
    expect(j.repository).toEqual({ type: 'git', url: 'git+https://github.com/helios-conformance/helios-conformance.git', directory: `packages/${short}` });
    expect(j.type).toBe('module');
    expect(j.engines).toEqual({ node: '>=20.19' });
    // Every code entry names its types first and a "default" target (so require(esm) resolves too).
    for (const [sub, target] of Object.entries(j.exports as Record<string, unknown>)) {
      if (typeof target === 'string') continue;
      expect(Object.keys(target as object), `${p.name} exports ${sub}`).toEqual(['types', 'default']);
    }
    expect(readFileSync(join(p.dir, 'README.md'), 'utf8'), `${p.name} README states the module format`).toMatch(/ESM only/);
  });

  it('a suite that depends on an optional peer of testbed or sql declares the same version', () => {
    const byName = new Map(published.map((p) => [p.name, p]));
    for (const p of published) {
      for (const dep of workspaceDeps(p, ['dependencies'])) {
        const peers: Record<string, string> = byName.get(dep)?.json.peerDependencies ?? {};
        for (const [name, range] of Object.entries(p.json.dependencies as Record<string, string>)) {
          if (name in peers) expect(range, `${p.name} ${name} vs ${dep}'s peer range`).toBe(peers[name]);
        }
      }
    }
  });
});
