// The second way to run the suite: registered in someone else's vitest run, with the suite's
// options (short loads) and an expectations file (ST-001 expected to fail its impossible limit).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runVitest, testServer } from '@helios-conformance/suite-kit';

const fixture = fileURLToPath(new URL('./fixtures/vitest-binding/', import.meta.url));

describe('@helios-conformance/stress/vitest', () => {
  it('registers one test per case, named by ID, with the suite options and expectations applied', () => {
    const server = testServer('postgres');
    const r = runVitest(fixture, { env: { HC_BINDING_DSN: server.dsn } });
    expect(r.status, r.stderr).toBe(0);
    const byId = Object.fromEntries(r.tests.map((t) => [t.title.split(' ')[0], t.status]));
    expect(byId).toEqual({ T225: 'passed', 'ST-001': 'passed' });
    // ST-001 passed as an expected failure: the limit was applied and missed.
    expect(r.json).toMatch(/"caseId":"ST-001"[^}]*"conformance":"xfail"/);
    expect(r.json).toMatch(/"caseId":"T225"[^}]*"conformance":"pass"/);
    expect(r.stdout + r.stderr + r.json).not.toContain(server.password);
  });
});
