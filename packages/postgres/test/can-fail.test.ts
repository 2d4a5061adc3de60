import { describe, expect, it } from 'vitest';
import { postgresSuite } from '../src/index.js';
import { failedCases, runCampaign } from './mutants/campaign.js';

// Every case can fail: across embedded PGlite (judged with no expectations file) and every
// mutant endpoint, each case of the catalog must end fail or error at least once. A case that
// nothing can make fail asserts nothing.
describe('every case can fail', () => {
  it('each case of the catalog fails on PGlite or on at least one mutant endpoint', async () => {
    const { pglite, mutants } = await runCampaign();
    const failedBy = new Map<string, string[]>(postgresSuite.cases.map((c) => [c.id, []]));
    for (const id of Object.keys(failedCases(pglite))) failedBy.get(id)?.push('pglite');
    for (const run of mutants) for (const id of Object.keys(run.failed)) failedBy.get(id)?.push(run.mutant);
    const neverFailed = [...failedBy].filter(([, by]) => by.length === 0).map(([id]) => id);
    expect(neverFailed, `cases that neither PGlite nor any mutant made fail: ${neverFailed.join(', ')}`).toEqual([]);
  }, 170_000);
});
