import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export interface WorkspacePackage {
  dir: string;
  name: string;
  version: string;
  private: boolean;
  bin: Record<string, string>;
  json: Record<string, any>;
  /** The name of the Suite export of dist/index.js when the package is a suite (heliosConformance.suite). */
  suiteExport: string | undefined;
}

function readPackages(group: string): WorkspacePackage[] {
  const base = join(ROOT, group);
  return readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'package.json')))
    .map((d) => {
      const json = JSON.parse(readFileSync(join(base, d, 'package.json'), 'utf8'));
      const bin = typeof json.bin === 'string' ? { [json.name.split('/').pop()]: json.bin } : (json.bin ?? {});
      return { dir: join(base, d), name: json.name, version: json.version, private: !!json.private, bin, json, suiteExport: json.heliosConformance?.suite };
    });
}

/** Every published package under packages/. */
export function publicPackages(): WorkspacePackage[] {
  return readPackages('packages').filter((p) => !p.private);
}

/** Every workspace package (packages/ and tooling/). */
export function allPackages(): WorkspacePackage[] {
  return [...readPackages('packages'), ...readPackages('tooling')];
}

/** The suites: packages that name their Suite export in package.json (heliosConformance.suite). */
export function suitePackages(): WorkspacePackage[] {
  return publicPackages().filter((p) => p.suiteExport !== undefined);
}

/** Workspace packages a package declares, by kind of dependency. */
export function workspaceDeps(p: WorkspacePackage, kinds: readonly string[] = ['dependencies', 'peerDependencies', 'optionalDependencies']): string[] {
  return kinds.flatMap((k) => Object.keys(p.json[k] ?? {})).filter((n) => n.startsWith('@helios-conformance/'));
}
