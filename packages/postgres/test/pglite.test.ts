import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadExpectations, runSuite, type Report } from '@helios-conformance/core';
import { liveEndpoints } from '@helios-conformance/testbed';
import { postgresSuite } from '../src/index.js';
import { failedCases, mutants } from './mutants/campaign.js';

const pgliteExpectations = fileURLToPath(new URL('../expectations/pglite.json', import.meta.url));

// The embedded default: no DSN → PGlite in a child process, judged with its expectations file.
// The package's one full-catalog PGlite run.
describe('against embedded PGlite (no DSN)', () => {
  let report: Report;
  let ms: number;
  const notes: string[] = [];
  beforeAll(async () => {
    const t0 = performance.now();
    report = await runSuite(postgresSuite, {
      expectations: await loadExpectations(pgliteExpectations),
      expectationsFile: pgliteExpectations,
      onEvent: (e) => {
        if (e.type === 'note') notes.push(e.message);
      },
    });
    ms = performance.now() - t0;
  }, 150_000);

  it('is conformant with expectations/pglite.json, in bounded time, and stops the child', () => {
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

  // A case that nothing can make fail asserts nothing. PGlite's failures (xfail) and the cases each
  // mutant endpoint must fail (mutants.test.ts checks that they do) must cover the catalog.
  it('every case can fail: on PGlite, or as a case a mutant endpoint must fail', () => {
    const failedBy = new Map<string, string[]>(postgresSuite.cases.map((c) => [c.id, []]));
    for (const id of Object.keys(failedCases(report))) failedBy.get(id)?.push('pglite');
    for (const m of mutants) for (const id of Object.keys(m.mustFail)) failedBy.get(id)?.push(m.name);
    const neverFailed = [...failedBy].filter(([, by]) => by.length === 0).map(([id]) => id);
    expect(neverFailed, `cases that neither PGlite nor any mutant fails: ${neverFailed.join(', ')}`).toEqual([]);
  });
});
