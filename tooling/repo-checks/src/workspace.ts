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
}

/** Every package under packages/. */
export function publicPackages(): WorkspacePackage[] {
  const base = join(ROOT, 'packages');
  return readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'package.json')))
    .map((d) => {
      const json = JSON.parse(readFileSync(join(base, d, 'package.json'), 'utf8'));
      const bin = typeof json.bin === 'string' ? { [json.name.split('/').pop()]: json.bin } : (json.bin ?? {});
      return { dir: join(base, d), name: json.name, version: json.version, private: !!json.private, bin, json };
    })
    .filter((p) => !p.private);
}
