import { describe, it, expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runVitest } from '@helios-conformance/suite-kit';

const fixture = fileURLToPath(new URL('./fixtures/vitest-binding/', import.meta.url));

describe('@helios-conformance/core/vitest', () => {
  it('registers one describe per area and one test per case, with fails / skip / meta', () => {
    const r = runVitest(fixture, { timeoutMs: 60_000 });
    expect(r.status).toBe(1); // TOY-003 errors: the vendor's run must go red
    const get = (id: string) => r.tests.find((a) => a.meta?.caseId === id);
    expect(r.tests).toHaveLength(6);
    expect(get('TOY-001')?.status).toBe('passed');
    expect(get('TOY-001')?.ancestorTitles).toEqual(['@helios-conformance/toy 0.0.1', 'basic']);
    expect(get('TOY-001')?.title).toBe('TOY-001 passes');
    expect(get('TOY-002')?.status).toBe('passed'); // test.fails: the expected failure happened
    expect(get('TOY-003')?.status).toBe('failed');
    expect(get('TOY-003')?.failureMessages?.[0]).toContain('TOY-003 error: ECONNRESET: connection reset');
    expect(get('TOY-005')?.status).toBe('skipped'); // n/a
    expect(get('TOY-006')?.status).toBe('skipped');
    expect(get('TOY-010')?.status).toBe('skipped'); // expectations: skip
    expect(get('TOY-002')?.meta?.priority).toBe('p1');
    expect(r.stdout + r.stderr + r.json).not.toContain('binding-secret');
  });

  it('names the test during which the endpoint stopped answering, fails the next ones as not run (never xfail), and runs the rest once it is back', () => {
    const r = runVitest(fileURLToPath(new URL('./fixtures/vitest-liveness/', import.meta.url)), { timeoutMs: 60_000 });
    expect(r.status).toBe(1);
    const get = (id: string) => r.tests.find((a) => a.meta?.caseId === id);
    expect(get('LV-001')?.status).toBe('passed');
    expect(get('LV-002')?.status).toBe('failed');
    expect(get('LV-002')?.failureMessages?.[0]).toMatch(/^LV-002 error: .*; the endpoint stopped answering during this case \(probe: .*ECONNREFUSED/);
    const down = ['LV-003', 'LV-004', 'LV-005'].filter((id) => get(id)?.status === 'failed');
    expect(down.length).toBeGreaterThanOrEqual(1);
    for (const id of down) {
      expect(get(id)?.failureMessages?.[0]).toMatch(new RegExp(`^${id} error: not run: endpoint down since LV-002 \\(probe: `));
      expect(get(id)?.meta?.conformance).toBe('error');
    }
    for (const id of ['LV-006', 'LV-007']) expect(get(id)?.status, id).toBe('passed');
  });
});
