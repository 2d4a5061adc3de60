// The vitest binding after a crash of the embedded PGlite (see fixtures/vitest-crash): the case
// that met the dead server fails saying the server crashed and was restarted; later cases pass.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runVitest } from '@helios-conformance/suite-kit';

describe('vitest binding: embedded PGlite crashes between cases', () => {
  it('restarts it for the next case, as the CLI does', () => {
    const r = runVitest(fileURLToPath(new URL('./fixtures/vitest-crash/', import.meta.url)), { env: { HC_DSN: '' }, timeoutMs: 150_000 });
    const by = (id: string) => r.tests.find((t) => t.meta?.caseId === id);
    const log = r.stdout + r.stderr;
    expect(by('PG-001')?.status, log).toBe('passed');
    expect(by('PG-002')?.status, log).toBe('passed');
    expect(by('PG-003')?.status, log).toBe('failed');
    expect(by('PG-003')?.failureMessages?.[0], log).toContain('embedded PGlite crashed during this case; restarted for the next case');
    expect(by('PG-004')?.status, log).toBe('passed');
    expect(by('PG-005')?.status, log).toBe('passed');
    expect(r.status).toBe(1);
  }, 160_000);
});
