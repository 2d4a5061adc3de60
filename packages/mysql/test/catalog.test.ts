import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkIds, parseExpectations, type IdRegistry } from '@helios-conformance/core';
import { mysqlCases, mysqlSuite, renderCasesMarkdown, MYSQL_SUITE_VERSION, parseMysqlDsn } from '../src/index.js';
import { CLI, ROOT, runCli } from './helpers.js';

describe('catalog', () => {
  it('has at least 60 cases with the seed IDs kept', () => {
    expect(mysqlCases.length).toBeGreaterThanOrEqual(60);
    for (const id of ['MY-001', 'MY-002', 'MY-003', 'MY-004', 'MY-005', 'MY-006']) expect(mysqlCases.map((c) => c.id)).toContain(id);
    for (const c of mysqlCases) {
      expect(c.timeoutMs, `${c.id} has its own deadline`).toBeGreaterThan(0);
      expect(['p0', 'p1', 'p2']).toContain(c.priority);
    }
  });

  it('registers every ID in ids.json (append-only)', () => {
    const registry = JSON.parse(readFileSync(`${ROOT}ids.json`, 'utf8')) as IdRegistry;
    expect(checkIds(mysqlCases, registry)).toEqual([]);
  });

  it('keeps docs/cases.md in sync with the catalog (run `npm run docs -w @helios-conformance/mysql`)', () => {
    const page = readFileSync(`${ROOT}docs/cases.md`, 'utf8');
    expect(page).toBe(renderCasesMarkdown(mysqlCases, mysqlSuite));
    for (const c of mysqlCases) expect(page).toContain(`| ${c.id} |`);
  });

  it('keeps the suite version equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    expect(MYSQL_SUITE_VERSION).toBe(pkg.version);
    expect(mysqlSuite.version).toBe(pkg.version);
  });

  it('ships a valid MariaDB expectations file whose entries name catalog cases and carry reasons', () => {
    const raw = JSON.parse(readFileSync(`${ROOT}expectations/mariadb-10.11.json`, 'utf8')) as unknown;
    const exp = parseExpectations(raw, 'mariadb-10.11.json');
    for (const [id, e] of Object.entries(exp.expectations)) {
      expect(mysqlCases.map((c) => c.id)).toContain(id);
      expect(e.reason).toMatch(/observed/);
    }
  });

  it('parses DSNs and refuses malformed ones with one line', () => {
    expect(parseMysqlDsn('mysql://u:p%40ss@db.example:3307/app?ssl-mode=verify_identity&ssl-ca=/x.pem')).toMatchObject({
      host: 'db.example', port: 3307, user: 'u', password: 'p@ss', database: 'app', sslMode: 'VERIFY_IDENTITY', sslCa: '/x.pem',
    });
    expect(parseMysqlDsn('mariadb://u@h').sslMode).toBe('PREFERRED');
    expect(() => parseMysqlDsn('postgres://u:p@h/db')).toThrow(/scheme must be mysql/);
    expect(() => parseMysqlDsn('mysql://u:p@h/db?ssl-mode=sometimes')).toThrow(/ssl-mode must be one of/);
    expect(() => parseMysqlDsn('mysql://:p@h/db')).toThrow(/no user name/);
  });

  it('--list prints the catalog without a database, fast', async () => {
    expect(existsSync(CLI), 'build the package first (npm run build -w @helios-conformance/mysql)').toBe(true);
    await runCli(['--list']); // warm the file cache
    const runs = [await runCli(['--list']), await runCli(['--list']), await runCli(['--list'])];
    const r = runs[0]!;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MY-001');
    expect(r.stdout).toContain(`${mysqlCases.length} cases`);
    // The whole process, Node's own start included; no driver is loaded for --list.
    expect(Math.min(...runs.map((x) => x.ms))).toBeLessThan(400);
    const inProcess = await runCli(['--list', '--only', 'MY-001']);
    expect(inProcess.stdout.trim().split('\n')).toHaveLength(2);
  });
});
