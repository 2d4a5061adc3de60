import { readFile } from 'node:fs/promises';
import type { Case } from './model.js';

/** One registered ID in a package's append-only `ids.json`. */
export interface IdEntry {
  title: string;
  since: string;
  /** Set when the case was removed; the ID is never reused. */
  retired?: string;
  retiredReason?: string;
}

/** `ids.json`: every ID the package has ever shipped. */
export type IdRegistry = Record<string, IdEntry>;

/**
 * Compares a catalog with its registry (and, optionally, the registry's previous version)
 * and returns every problem: an unregistered ID, a removed ID not marked retired, a retired
 * ID reused, or a registry entry deleted since the previous version.
 */
export function checkIds(cases: readonly Pick<Case, 'id'>[], registry: IdRegistry, previous?: IdRegistry): string[] {
  const problems: string[] = [];
  const inCatalog = new Set(cases.map((c) => c.id));
  for (const id of inCatalog) {
    const e = registry[id];
    if (!e) problems.push(`${id} is in the catalog but not registered in ids.json`);
    else if (e.retired) problems.push(`${id} was retired in ${e.retired} and must not be reused`);
  }
  for (const [id, e] of Object.entries(registry)) {
    if (!inCatalog.has(id) && !e.retired) problems.push(`${id} was removed from the catalog: mark it "retired" in ids.json instead of deleting it`);
  }
  for (const id of Object.keys(previous ?? {})) {
    if (!(id in registry)) problems.push(`${id} was deleted from ids.json; the registry is append-only`);
  }
  return problems;
}

/** The registry entries a catalog needs (for registering new cases). */
export function registryFor(cases: readonly Pick<Case, 'id' | 'title' | 'since'>[], existing: IdRegistry = {}): IdRegistry {
  const out: IdRegistry = { ...existing };
  for (const c of cases) out[c.id] ??= { title: c.title, since: c.since };
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
}

/** Reads an `ids.json`. */
export async function loadIdRegistry(path: string): Promise<IdRegistry> {
  return JSON.parse(await readFile(path, 'utf8')) as IdRegistry;
}
