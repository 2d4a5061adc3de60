// The catalog as data: its shape, the shipped expectations, and --list without a database.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExpectations } from '@helios-conformance/core';
import { runCli } from '@helios-conformance/suite-kit';
import { mysqlCases } from '../src/index.js';

describe('catalog', () => {
  it('has at least 60 cases with the seed IDs kept', () => {
    expect(mysqlCases.length).toBeGreaterThanOrEqual(60);
    for (const id of ['MY-001', 'MY-002', 'MY-003', 'MY-004', 'MY-005', 'MY-006']) expect(mysqlCases.map((c) => c.id)).toContain(id);
    for (const c of mysqlCases) {
      expect(c.timeoutMs, `${c.id} has its own deadline`).toBeGreaterThan(0);
      expect(['p0', 'p1', 'p2']).toContain(c.priority);
    }
  });

  it('ships a valid MariaDB expectations file whose entries name catalog cases and carry reasons', () => {
    const raw = JSON.parse(readFileSync('expectations/mariadb-10.11.json', 'utf8')) as unknown;
    const exp = parseExpectations(raw, 'mariadb-10.11.json');
    for (const [id, e] of Object.entries(exp.expectations)) {
      expect(mysqlCases.map((c) => c.id)).toContain(id);
      expect(e.reason).toMatch(/observed/);
    }
  });

  it('--list prints the catalog without a database, fast', async () => {
    await runCli(['--list']); // warm the file cache
    const runs = [await runCli(['--list']), await runCli(['--list']), await runCli(['--list'])];
    const r = runs[0]!;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MY-001');
    expect(r.stdout).toContain(`${mysqlCases.length} cases`);
    // The whole process, Node's own start included; no driver is loaded for --list.
    expect(Math.min(...runs.map((x) => x.ms))).toBeLessThan(400);
    const one = await runCli(['--list', '--only', 'MY-001']);
    expect(one.stdout.trim().split('\n')).toHaveLength(2);
  });
});
