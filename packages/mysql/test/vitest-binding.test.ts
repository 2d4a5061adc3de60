// The second way to run the suite: registered in someone else's vitest run.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runVitest, testServer } from '@helios-conformance/suite-kit';
import { verifiedDsn } from './full-run.js';

const fixture = fileURLToPath(new URL('./fixtures/vitest-binding/', import.meta.url));

describe('@helios-conformance/mysql/vitest', () => {
  it('registers one test per case, named by ID, with expectations applied', () => {
    const r = runVitest(fixture, { env: { HC_BINDING_DSN: verifiedDsn() } });
    expect(r.status, r.stderr).toBe(0);
    const byId = Object.fromEntries(r.tests.map((t) => [t.title.split(' ')[0], t.status]));
    expect(byId).toEqual({ 'MY-001': 'passed', 'MY-005': 'passed', 'MY-019': 'skipped', 'MY-036': 'passed' });
    expect(r.stdout + r.stderr + r.json).not.toContain(testServer('mariadb').password);
  });
});
