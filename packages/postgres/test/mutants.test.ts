import { beforeAll, describe, expect, it } from 'vitest';
import { leftoverNamespaces, testServer } from '@helios-conformance/suite-kit';
import { casesOf, mutants, runMutants, type MutantRun } from './mutants/campaign.js';

// A case that no broken endpoint can fail proves nothing: each mutant endpoint (the test server's
// PostgreSQL 15 behind the kit's proxy with a hook that changes one thing in the backend's
// messages) must be caught by the cases it names, each failing for the mutation's reason (its
// message carries the fingerprint), while its control case, untouched by the mutation, passes.
describe('mutant endpoints', () => {
  const server = testServer('postgres');
  let runs: Map<string, MutantRun>;
  beforeAll(async () => {
    runs = await runMutants(server);
  }, 300_000);

  for (const mutant of mutants) {
    const names = Object.keys(mutant.mustFail).sort();
    const control = casesOf(mutant).at(-1) ?? '';
    it(`${mutant.name} (${mutant.description}) fails ${names.join(', ')}; ${control} passes`, () => {
      const run = runs.get(mutant.name);
      expect(run, 'mutant was run').toBeDefined();
      if (!run) return;
      expect(run.mutations, 'the proxy changed at least one message').toBeGreaterThan(0);
      expect(Object.keys(run.failed).sort(), JSON.stringify(run.failed, null, 1)).toEqual(names);
      for (const id of names) expect(run.failed[id], id).toMatch(mutant.mustFail[id]!);
      if (mutant.status) for (const id of names) expect(run.report.results.find((r) => r.id === id)?.status, id).toBe(mutant.status);
      expect(run.report.results.find((r) => r.id === control)?.status, `control ${control}`).toBe('pass');
      expect(run.report.conformant).toBe(false);
    });
  }

  it('leaves no run namespace behind', async () => {
    expect(await leftoverNamespaces(server.dsn)).toEqual([]);
  });
});
