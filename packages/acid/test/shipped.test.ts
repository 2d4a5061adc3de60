// Shipped expectations follow the endpoint, not the flag: `--dsn` at stock PostgreSQL 15 gets
// expectations/postgresql-15.json (AC-004/AC-102 are REPEATABLE READ = snapshot isolation there),
// named on the console before any case; --no-shipped-expectations judges bare and exits 1.
import { describe, expect, it } from 'vitest';
import { runCli, testServer } from '@helios-conformance/suite-kit';

const ONLY = ['--only', 'AC-001,AC-004,AC-102'];

describe('shipped expectations chosen by the endpoint (--dsn at the test PostgreSQL 15)', () => {
  it('applies postgresql-15.json: exit 0, AC-004 and AC-102 xfail, the control passes', async () => {
    const r = await runCli(['--dsn', testServer('postgres').dsn, ...ONLY], { timeoutMs: 200_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('expectations: shipped postgresql-15.json (endpoint is PostgreSQL 15.x: it reported "PostgreSQL 15.'));
    expect(at, r.stdout).toBeGreaterThanOrEqual(0);
    expect(lines[at]).toContain('turn off with --no-shipped-expectations');
    expect(at).toBeLessThan(lines.findIndex((l) => /AC-001/.test(l)));
    expect(r.stdout).toMatch(/PASS\s+1\/3 AC-001/);
    expect(r.stdout).toMatch(/XFAIL\s+2\/3 AC-004/);
    expect(r.stdout).toMatch(/XFAIL\s+3\/3 AC-102/);
  }, 240_000);

  it('--no-shipped-expectations: exit 1 on AC-004/AC-102, and the first lines say why', async () => {
    const r = await runCli(['--dsn', testServer('postgres').dsn, ...ONLY, '--no-shipped-expectations'], { timeoutMs: 200_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('expectations: none (shipped postgresql-15.json (PostgreSQL 15.x) turned off by --no-shipped-expectations)');
    expect(r.stdout).toMatch(/FAIL\s+2\/3 AC-004/);
  }, 240_000);
});
