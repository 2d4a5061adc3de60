import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { checkIds, parseExpectations, type IdRegistry } from '@helios-conformance/core';
import { postgresCases, postgresSuite, POSTGRES_SUITE_VERSION, parsePgDsn, classifyPgError } from '../src/index.js';
import { pgliteExpectations, runCli } from './helpers.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; files: string[] };
const ids = JSON.parse(readFileSync(new URL('../ids.json', import.meta.url), 'utf8')) as IdRegistry;

describe('catalog', () => {
  it('keeps the seed IDs PG-001…PG-008, all registered in ids.json', () => {
    expect(postgresCases.slice(0, 8).map((c) => c.id)).toEqual(['PG-001', 'PG-002', 'PG-003', 'PG-004', 'PG-005', 'PG-006', 'PG-007', 'PG-008']);
    expect(new Set(postgresCases.map((c) => c.id)).size).toBe(postgresCases.length);
    expect(checkIds(postgresCases, ids)).toEqual([]);
    for (const c of postgresCases) expect(ids[c.id]?.since).toBe(c.since);
    expect(postgresSuite.cases).toHaveLength(postgresCases.length);
  });

  it('is the cases of the area folders, each once, its area the folder it lives in', async () => {
    const dir = new URL('../src/cases/', import.meta.url);
    const exported: string[] = [];
    for (const area of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
      const mod = (await import(new URL(`${area}/index.ts`, dir).href)) as Record<string, { id: string; area: string }>;
      for (const c of Object.values(mod)) {
        expect(c.area, c.id).toBe(area);
        exported.push(c.id);
      }
    }
    expect(exported.sort()).toEqual(postgresCases.map((c) => c.id).sort());
  });

  it('has the seed priorities and a 20 s deadline on COPY', () => {
    const p = Object.fromEntries(postgresCases.slice(0, 8).map((c) => [c.id, c.priority]));
    expect(p).toEqual({ 'PG-001': 'p0', 'PG-002': 'p0', 'PG-003': 'p0', 'PG-004': 'p0', 'PG-005': 'p0', 'PG-006': 'p0', 'PG-007': 'p0', 'PG-008': 'p0' });
    expect(postgresCases.find((c) => c.id === 'PG-008')?.timeoutMs).toBe(20_000);
  });

  it('reports the version of package.json and ships its expectations file', () => {
    expect(POSTGRES_SUITE_VERSION).toBe(pkg.version);
    expect(postgresSuite.version).toBe(pkg.version);
    expect(pkg.files).toContain('expectations');
    const exp = parseExpectations(JSON.parse(readFileSync(pgliteExpectations, 'utf8')), pgliteExpectations);
    for (const [key, e] of Object.entries(exp.expectations)) {
      expect(postgresCases.some((c) => c.id === key), key).toBe(true);
      expect(e.reason).toMatch(/^observed: /);
    }
  });

  it('--list loads no driver (pg, postgres, kysely, pg-copy-streams) and no testbed', async () => {
    // Run the CLI with a loader hook that logs every module resolution.
    const hook = `data:text/javascript,${encodeURIComponent(
      "export async function resolve(s, c, n) { if (/^(pg|postgres|kysely|pg-copy-streams|@helios-conformance\\/(testbed|fixtures))$/.test(s)) process.stderr.write('LOADED ' + s + '\\n'); return n(s, c); }",
    )}`;
    const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;
    const r = await runCli(['--list'], 30_000, ['--import', register]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('LOADED');
  });
});

describe('parsePgDsn', () => {
  it('applies libpq defaults and reads the TLS parameters', () => {
    expect(parsePgDsn('postgres://app@db.example')).toMatchObject({ host: 'db.example', port: 5432, user: 'app', database: 'app', sslmode: 'prefer', password: undefined });
    expect(parsePgDsn('postgresql://a:p%40ss@[::1]:6543/x%20y?sslmode=verify-full&sslrootcert=/ca.pem&connect_timeout=3')).toMatchObject({
      host: '::1',
      port: 6543,
      password: 'p@ss',
      database: 'x y',
      sslmode: 'verify-full',
      sslrootcert: '/ca.pem',
      connectTimeoutMs: 3000,
    });
  });

  it('says what is wrong without echoing the password', () => {
    for (const dsn of ['nonsense hunter2', 'http://u:hunter2@h/db', 'postgres://u:hunter2@h/db?sslmode=maybe', 'postgres://u:hunter2@h/db/extra', 'postgres://u:hunter2@/db']) {
      expect(() => parsePgDsn(dsn), dsn).toThrow(/malformed --dsn/);
      try {
        parsePgDsn(dsn);
      } catch (e) {
        expect((e as Error).name).toBe('CannotRunError');
        expect((e as Error).message).not.toContain('hunter2');
      }
    }
  });
});

describe('classifyPgError (the SQL layer\'s, re-exported)', () => {
  it('turns server-rejected SQL into fail, and connection trouble into error', () => {
    expect(classifyPgError(Object.assign(new Error('x'), { code: '0A000', severity: 'ERROR' })).verdict).toBe('fail');
    expect(classifyPgError(Object.assign(new Error('x'), { code: '42P01', name: 'PostgresError' })).verdict).toBe('fail');
    expect(classifyPgError(Object.assign(new Error('x'), { code: '08006', severity: 'FATAL' })).verdict).toBe('error');
    expect(classifyPgError(Object.assign(new Error('x'), { code: '57P01', severity: 'FATAL' })).verdict).toBe('error');
    expect(classifyPgError(Object.assign(new Error('x'), { code: 'ECONNRESET' })).verdict).toBe('error');
    expect(classifyPgError(new Error('Connection terminated unexpectedly')).verdict).toBe('error');
  });
});
