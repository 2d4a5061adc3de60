import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { matchShipped, parseExpectations } from '@helios-conformance/core';
import { runCli } from '@helios-conformance/suite-kit';
import * as postgres from '../src/index.js';
import { postgresCases, postgresSuite } from '../src/index.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] };

describe('catalog', () => {
  it('keeps the seed IDs PG-001…PG-008 first, every ID once', () => {
    expect(postgresCases.slice(0, 8).map((c) => c.id)).toEqual(['PG-001', 'PG-002', 'PG-003', 'PG-004', 'PG-005', 'PG-006', 'PG-007', 'PG-008']);
    expect(new Set(postgresCases.map((c) => c.id)).size).toBe(postgresCases.length);
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

  it('ships its expectations files, naming only its own cases with what was observed', () => {
    expect(pkg.files).toContain('expectations');
    // They follow the endpoint: what PGlite's version() reports (embedded, or reached by --dsn), or
    // the PgBouncer capabilities the adapter observed; never a plain PostgreSQL.
    const files = postgresSuite.shippedExpectations?.map((x) => x.file) ?? [];
    expect(files.map((f) => path.basename(f))).toEqual(['pglite.json', 'pgbouncer-transaction.json', 'pgbouncer-session.json']);
    const fp = (server: string, capabilities: string[] = []) => ({ server, capabilities, embedded: false });
    expect(matchShipped(postgresSuite.shippedExpectations, fp('PostgreSQL 18.6 (PGlite 0.5.14)'))?.describes).toBe('PGlite');
    expect(matchShipped(postgresSuite.shippedExpectations, fp('PostgreSQL 18.6 (PGlite 0.5.14) (PGlite, embedded)'))?.describes).toBe('PGlite');
    expect(matchShipped(postgresSuite.shippedExpectations, fp('PostgreSQL 15.14'))).toBeUndefined();
    expect(matchShipped(postgresSuite.shippedExpectations, fp('PostgreSQL 15.14', ['ssl']))).toBeUndefined();
    expect(matchShipped(postgresSuite.shippedExpectations, fp('PostgreSQL 15.14', ['pooler:pgbouncer']))).toBeUndefined();
    for (const mode of ['session', 'transaction']) {
      expect(matchShipped(postgresSuite.shippedExpectations, fp('PostgreSQL 15.14 via PgBouncer', ['pool-mode:' + mode, 'pooler:pgbouncer']))?.describes).toBe(`PgBouncer in ${mode} pooling`);
    }
    for (const file of files) {
      const exp = parseExpectations(JSON.parse(readFileSync(file, 'utf8')), file);
      for (const [key, e] of Object.entries(exp.expectations)) {
        expect(postgresCases.some((c) => c.id === key), key).toBe(true);
        expect(e.reason).toMatch(/^observed: /);
      }
    }
  });

  it('--list loads no driver (pg, postgres, kysely, pg-copy-streams) and no testbed', async () => {
    // Run the CLI with a loader hook that logs every module resolution.
    const hook = `data:text/javascript,${encodeURIComponent(
      "export async function resolve(s, c, n) { if (/^(pg|postgres|kysely|pg-copy-streams|mysql2|@helios-conformance\\/(testbed|fixtures))$/.test(s)) process.stderr.write('LOADED ' + s + '\\n'); return n(s, c); }",
    )}`;
    const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;
    const r = await runCli(['--list'], { timeoutMs: 30_000, nodeArgs: ['--import', register] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('LOADED');
  });

  it("re-exports the SQL layer's adapter, as earlier versions exported it", async () => {
    const sql = (await import('@helios-conformance/sql/postgres')) as Record<string, unknown>;
    for (const name of ['fromDsn', 'parsePgDsn', 'closeClient', 'destroyClient', 'loginError', 'classifyPgError']) {
      expect((postgres as Record<string, unknown>)[name], name).toBe(sql[name]);
    }
    expect(postgres.classifyPgError(Object.assign(new Error('x'), { code: '23505', severity: 'ERROR' }))).toMatchObject({ kind: 'refused', verdict: 'fail' });
  });
});
