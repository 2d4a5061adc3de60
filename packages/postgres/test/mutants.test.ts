import { beforeAll, describe, expect, it } from 'vitest';
import { mutants, runCampaign, type MutantRun } from './mutants/campaign.js';

// A case that no broken endpoint can fail proves nothing: each mutant endpoint (PostgreSQL 15
// behind a proxy that changes one thing in the backend's messages) must be caught by name, and
// each named case must fail for the mutation's reason (its message carries the fingerprint).
describe('mutant endpoints', () => {
  let runs: Map<string, MutantRun>;
  beforeAll(async () => {
    runs = new Map((await runCampaign()).mutants.map((r) => [r.mutant, r]));
  }, 170_000);

  for (const mutant of mutants) {
    const names = Object.keys(mutant.expected).sort();
    const what =
      mutant.mode === 'exact'
        ? `fails exactly ${names.length ? names.join(', ') : 'nothing'}`
        : `fails at least ${mutant.atLeast ?? names.length} cases, among them ${names.join(', ')}`;
    it(`${mutant.name} (${mutant.description}) ${what}`, () => {
      const run = runs.get(mutant.name);
      expect(run, 'mutant was run').toBeDefined();
      if (!run) return;
      expect(run.mutations, 'the proxy changed at least one message').toBeGreaterThan(0);
      const failed = Object.keys(run.failed).sort();
      if (mutant.mode === 'exact') expect(failed, JSON.stringify(run.failed, null, 1)).toEqual(names);
      else {
        expect(failed).toEqual(expect.arrayContaining(names));
        expect(failed.length).toBeGreaterThanOrEqual(mutant.atLeast ?? names.length);
      }
      for (const id of names) expect(run.failed[id], id).toMatch(mutant.expected[id]!);
      if (names.length) expect(run.report.conformant).toBe(false);
      expect(run.leftovers).toEqual([]);
    });
  }
});
