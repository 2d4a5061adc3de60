import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkIds, type IdRegistry } from '@helios-conformance/core';
import { ROOT, publicPackages } from '../src/workspace.js';

/** Every ID any committed version of the registry ever held: the registry is append-only over all history. */
function everRegistered(file: string): IdRegistry {
  const rel = relative(ROOT, file);
  let revs: string[] = [];
  try {
    revs = execFileSync('git', ['log', '--format=%H', '--', rel], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return {};
  }
  const all: IdRegistry = {};
  for (const rev of revs) {
    try {
      Object.assign(all, JSON.parse(execFileSync('git', ['show', `${rev}:${rel}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
    } catch {
      // the file was deleted in that revision: nothing to collect
    }
  }
  return all;
}

const suites = publicPackages().filter((p) => existsSync(join(p.dir, 'ids.json')));

describe('case IDs are registered, unique and never removed or reused', () => {
  it('at least one suite registers its IDs', () => {
    expect(suites.length).toBeGreaterThan(0);
  });
  it.each(suites.map((p) => [p.name, p] as const))('%s', async (_name, p) => {
    const registry = JSON.parse(readFileSync(join(p.dir, 'ids.json'), 'utf8')) as IdRegistry;
    const mod = (await import(pathToFileURL(join(p.dir, 'dist', 'index.js')).href)) as Record<string, unknown>;
    const found = Object.values(mod).filter((v): v is { cases: { id: string }[]; idPrefixes: string[] } => !!v && typeof v === 'object' && 'cases' in v && 'idPrefixes' in v);
    expect(found.length, `${p.name} exports no suite`).toBeGreaterThan(0);
    const cases = found.flatMap((s) => s.cases);
    expect(checkIds(cases, registry, everRegistered(join(p.dir, 'ids.json')))).toEqual([]);
  });
});
