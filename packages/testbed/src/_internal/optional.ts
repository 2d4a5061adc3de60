import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// PGlite (27 MB) and the X.509 generator are optional peer dependencies of the testbed: a suite
// whose embedded default does not need them (acid starts PostgreSQL without TLS) does not install
// them, and the suites that do (postgres, vector) declare them. A missing one is a one-line error
// that names the packages and how to add them, instead of ERR_MODULE_NOT_FOUND from a child.

/** The peer packages a testbed feature needs, with the versions package.json accepts. */
export const OPTIONAL_PEERS = {
  pglite: { '@electric-sql/pglite': '0.5.14', '@electric-sql/pglite-socket': '0.2.17' },
  pgvector: { '@electric-sql/pglite-pgvector': '0.0.15' },
  tls: { '@peculiar/x509': '^2.2.0', 'reflect-metadata': '^0.2.2' },
} as const satisfies Record<string, Record<string, string>>;

/**
 * True when `name` resolves from the testbed's own location the way Node resolves a bare
 * specifier: a `node_modules/<name>/package.json` in this directory or one above it.
 */
export function resolvable(name: string, from: string = fileURLToPath(import.meta.url)): boolean {
  let dir = path.dirname(realpathSync(from));
  for (;;) {
    if (existsSync(path.join(dir, 'node_modules', name, 'package.json'))) return true;
    const up = path.dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

/** Throws one line naming the missing peers of `what` and the command that installs them. */
export function requirePeers(what: string, peers: Record<string, string>, alternative?: string): void {
  const missing = Object.entries(peers).filter(([name]) => !resolvable(name));
  if (!missing.length) return;
  const specs = missing.map(([name, range]) => `${name}@${range}`).join(' ');
  throw new Error(
    `${what} needs ${missing.map(([n]) => n).join(' and ')}, optional peer dependencies of @helios-conformance/testbed that are not installed: npm install ${specs}${alternative ? `, or ${alternative}` : ''}`,
  );
}
