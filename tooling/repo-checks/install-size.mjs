#!/usr/bin/env node
// What a user's `npm install @helios-conformance/<pkg>` weighs: every published package is packed,
// and each one is installed alone into an empty project, with the tarballs of the workspace
// packages it depends on (never the registry's copy of our own names) and third-party packages
// from the registry (--prefer-offline: a warm npm cache answers without the network).
//
//   node tooling/repo-checks/install-size.mjs            # the table, as the README prints it
//   node tooling/repo-checks/install-size.mjs --json     # the figures as JSON
//
// The pack smoke test imports the same functions, so the README table, the budgets and this
// script measure the same thing.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** The published packages (packages/* without "private"), as { name, dir, json }. */
export function publishedPackages() {
  const base = join(ROOT, 'packages');
  return readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'package.json')))
    .map((d) => ({ dir: join(base, d), json: JSON.parse(readFileSync(join(base, d, 'package.json'), 'utf8')) }))
    .filter((p) => !p.json.private)
    .map((p) => ({ name: p.json.name, dir: p.dir, json: p.json }));
}

const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const npm = (args, cwd, timeout = 300_000) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: npmEnv, timeout });

/** Packs every published package into `dir`; returns name → tarball path. */
export function packAll(dir, pkgs = publishedPackages()) {
  mkdirSync(dir, { recursive: true });
  const out = new Map();
  for (const p of pkgs) {
    const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], p.dir));
    out.set(p.name, join(dir, info.filename));
  }
  return out;
}

/** The workspace packages `name` installs with it (itself included): dependencies and optionalDependencies, transitively. */
export function workspaceClosure(name, pkgs = publishedPackages()) {
  const byName = new Map(pkgs.map((p) => [p.name, p]));
  const seen = new Set();
  const visit = (n) => {
    if (seen.has(n)) return;
    const p = byName.get(n);
    if (!p) throw new Error(`${n} is not a published workspace package`);
    seen.add(n);
    for (const kind of ['dependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(p.json[kind] ?? {})) if (dep.startsWith('@helios-conformance/')) visit(dep);
    }
  };
  visit(name);
  return [...seen];
}

/** Apparent size in bytes of everything under `dir` (what `du -sb` prints), symlinks not followed. */
export function apparentSize(dir) {
  let total = 0;
  const walk = (d) => {
    total += lstatSync(d).size;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else total += lstatSync(p).size;
    }
  };
  walk(dir);
  return total;
}

/** The installed packages in a node_modules tree (nested copies counted), as "name@version". */
export function installedPackages(nodeModules) {
  const found = [];
  const visit = (nm) => {
    if (!existsSync(nm)) return;
    for (const e of readdirSync(nm, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const dirs = e.name.startsWith('@') ? readdirSync(join(nm, e.name), { withFileTypes: true }).filter((s) => s.isDirectory()).map((s) => join(nm, e.name, s.name)) : [join(nm, e.name)];
      for (const d of dirs) {
        const pj = join(d, 'package.json');
        if (!existsSync(pj)) continue;
        const j = JSON.parse(readFileSync(pj, 'utf8'));
        found.push(`${j.name}@${j.version}`);
        visit(join(d, 'node_modules'));
      }
    }
  };
  visit(nodeModules);
  return found.sort();
}

/**
 * Installs `name` (with the tarballs of its workspace closure) into a fresh project under `workDir`
 * and measures node_modules: { name, bytes, packages, installed }.
 */
export function measureInstall(name, tarballs, workDir, pkgs = publishedPackages()) {
  const dir = mkdtempSync(join(workDir, `${name.split('/')[1]}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'install-size-probe', private: true, type: 'module' }));
  const specs = workspaceClosure(name, pkgs).map((n) => {
    const t = tarballs.get(n);
    if (!t) throw new Error(`no tarball for ${n}`);
    return t;
  });
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...specs], dir);
  const nm = join(dir, 'node_modules');
  const installed = installedPackages(nm);
  return { name, bytes: apparentSize(nm), packages: installed.length, installed };
}

/** Measures every published package; `workDir` is created and removed unless `keep`. */
export function measureAll({ workDir = mkdtempSync(join(tmpdir(), 'hc-install-size-')), keep = false, only } = {}) {
  const pkgs = publishedPackages();
  try {
    const tarballs = packAll(join(workDir, 'tarballs'), pkgs);
    return pkgs.filter((p) => !only || only.includes(p.name)).map((p) => measureInstall(p.name, tarballs, workDir, pkgs));
  } finally {
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  }
}

/** Megabytes with two decimals, as the README states them (10^6 bytes, like `du -sb` / 1e6). */
export const mb = (bytes) => (bytes / 1e6).toFixed(2);

/** The README table rows: `| \`name\` | 12.34 MB | 45 |`. */
export function table(results) {
  return ['| package | install size | packages |', '|---|---|---|', ...results.map((r) => `| \`${r.name}\` | ${mb(r.bytes)} MB | ${r.packages} |`)].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const results = measureAll();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results.map(({ installed: _i, ...r }) => r), null, 2));
  else console.log(table(results));
}
