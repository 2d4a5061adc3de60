// Mutant endpoints in front of the shared PGlite + pgvector: each breaks one thing and must make
// named cases fail. A mutant runs only the cases it must fail plus one control that it must leave
// passing (the proxy itself breaks nothing), so no mutant pays for the whole catalog. The last test
// checks that every search case failed under at least one mutant (VEC-041 needs real concurrency,
// which PGlite does not have: it stays n/a here).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, testServer } from '@helios-conformance/suite-kit';
import { searchCases } from '../src/index.js';
import { dropNearest, efSearchOne, noIndex, startMutant, type Mutant } from './mutants/proxy.js';

const RECALL = ['VEC-001', 'VEC-002', 'VEC-003', 'VEC-004', 'VEC-005', 'VEC-006', 'VEC-007', 'VEC-008', 'VEC-009'];
const FILTERED = ['VEC-010', 'VEC-011', 'VEC-012', 'VEC-013', 'VEC-014', 'VEC-015', 'VEC-016', 'VEC-017', 'VEC-018', 'VEC-019', 'VEC-020', 'VEC-021', 'VEC-022'];

const EXPECT: Array<{ mutant: Mutant; mustFail: string[]; control: string }> = [
  // One row dropped of 100 leaves recall@100 at 0.99 and of 10 leaves IVFFlat exactly at its 0.9
  // threshold: VEC-003/006/009 and VEC-050 are failed by ef-search-one / no-index instead.
  // Control: the build case reads a plan, no (id, distance) rows, from the same filtered dataset.
  { mutant: dropNearest, mustFail: [...RECALL.filter((id) => !['VEC-003', 'VEC-006', 'VEC-009'].includes(id)), ...FILTERED, 'VEC-030', 'VEC-040'], control: 'VEC-042' },
  // Control: IVFFlat search has no ef_search.
  { mutant: efSearchOne, mustFail: ['VEC-003', 'VEC-006', 'VEC-009', 'VEC-030'], control: 'VEC-050' },
  // Control: latency queries answer completely from an exact scan.
  { mutant: noIndex, mustFail: [...RECALL, 'VEC-010', 'VEC-030', 'VEC-042', 'VEC-050'], control: 'VEC-040' },
];

describe('mutant endpoints fail the vector cases', () => {
  let dir: string;
  const failedBy = new Map<string, string[]>();
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hc-vector-mutants-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const { mutant, mustFail, control } of EXPECT) {
    it(`${mutant.name}: fails ${mustFail.join(', ')}; ${control} still passes`, async () => {
      const pglite = testServer('pglite');
      const proxy = await startMutant(pglite, mutant);
      try {
        const json = path.join(dir, `${mutant.name}.json`);
        const r = await runCli(['--dsn', proxy.dsnVia(pglite.dsn), '--only', [...mustFail, control].join(','), '--json', json], { timeoutMs: 280_000 });
        expect(r.code, r.stderr).toBe(1);
        expect(proxy.mutations()).toBeGreaterThan(0);
        const report = JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ id: string; status: string; message?: string }> };
        const status = Object.fromEntries(report.results.map((x) => [x.id, `${x.status}${x.message ? `: ${x.message}` : ''}`]));
        const failed = report.results.filter((x) => x.status === 'fail').map((x) => x.id);
        for (const id of failed) failedBy.set(id, [...(failedBy.get(id) ?? []), mutant.name]);
        expect(failed.sort(), JSON.stringify(status, null, 1)).toEqual([...mustFail].sort());
        expect(status[control]).toBe('pass');
      } finally {
        await proxy.stop();
      }
    });
  }

  it('can fail: every search case except VEC-041 failed under at least one mutant', () => {
    const never = searchCases.map((c) => c.id).filter((id) => id !== 'VEC-041' && !failedBy.has(id));
    expect(never).toEqual([]);
  });
});
