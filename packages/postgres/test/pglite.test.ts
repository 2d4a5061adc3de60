import { describe, expect, it } from 'vitest';
import { loadExpectations, runSuite } from '@helios-conformance/core';
import { liveEndpoints } from '@helios-conformance/testbed';
import { postgresSuite } from '../src/index.js';
import { pgliteExpectations } from './helpers.js';

// The embedded default: no DSN → PGlite in a child process, judged with its expectations file.
describe('against embedded PGlite (no DSN)', () => {
  it('is conformant with expectations/pglite.json, in bounded time, and stops the child', async () => {
    const expectations = await loadExpectations(pgliteExpectations);
    const notes: string[] = [];
    const t0 = performance.now();
    const report = await runSuite(postgresSuite, {
      expectations,
      expectationsFile: pgliteExpectations,
      onEvent: (e) => {
        if (e.type === 'note') notes.push(e.message);
      },
    });
    const ms = performance.now() - t0;
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    expect(notes[0]).toBe('no --dsn: running against embedded PGlite (in a child process)');
    expect(report.target.embedded).toBe(true);
    expect(report.target.server).toMatch(/PGlite/);
    expect(report.conformant).toBe(true);
    expect(report.expectations.unmatched).toEqual([]);
    expect(report.summary.xpass).toBe(0);
    // What was observed when the expectations were written, still observed: every case passed,
    // failed as expected (xfail), was skipped as the file says, or was not applicable (no TLS);
    // nothing failed unexpectedly.
    const unexpected = report.results.filter((r) => !['pass', 'xfail', 'skip', 'n/a'].includes(r.status)).map((r) => `${r.id} ${r.status}: ${r.message ?? ''}`);
    expect(unexpected).toEqual([]);
    expect(byId['PG-001']?.status).toBe('pass');
    expect(byId['PG-003']?.message).toMatch(/got no answer within 5000 ms/);
    expect(ms).toBeLessThan(90_000);
    expect(liveEndpoints()).toEqual([]);
  });
});
