// Mutant endpoints in front of PGlite + pgvector: each breaks one thing and must make named cases
// fail. The last test checks that every recall/filtered/sweep/latency/build case failed under at
// least one mutant (VEC-041 needs real concurrency, which PGlite does not have: it stays n/a here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPglite, type Endpoint } from '@helios-conformance/testbed';
import { searchCases } from '../src/index.js';
import { cliPath, runCli } from './helpers.js';
import { dropNearest, efSearchOne, noIndex, startProxy, type Mutant } from './mutants/proxy.js';

const RECALL = ['VEC-001', 'VEC-002', 'VEC-003', 'VEC-004', 'VEC-005', 'VEC-006', 'VEC-007', 'VEC-008', 'VEC-009'];
const FILTERED = ['VEC-010', ...Array.from({ length: 12 }, (_, i) => `VEC-0${11 + i}`)];

const EXPECT: Array<{ mutant: Mutant; mustFail: string[] }> = [
  // One row dropped of 100 leaves recall@100 at 0.99 and of 10 leaves IVFFlat exactly at its 0.9
  // threshold: VEC-003/006/009 and VEC-050 are failed by ef-search-one / no-index instead.
  { mutant: dropNearest, mustFail: [...RECALL.filter((id) => !['VEC-003', 'VEC-006', 'VEC-009'].includes(id)), ...FILTERED, 'VEC-030', 'VEC-040'] },
  { mutant: efSearchOne, mustFail: ['VEC-003', 'VEC-006', 'VEC-009', 'VEC-030'] },
  { mutant: noIndex, mustFail: [...RECALL, 'VEC-010', 'VEC-030', 'VEC-042', 'VEC-050'] },
];

describe('mutant endpoints fail the vector cases', () => {
  let pglite: Endpoint;
  let dir: string;
  const failedBy = new Map<string, string[]>();
  beforeAll(async () => {
    if (!existsSync(cliPath)) throw new Error('build the package first: npm run build -w @helios-conformance/vector');
    pglite = await startPglite({ extensions: ['vector'], maxConnections: 8 });
    dir = mkdtempSync(path.join(tmpdir(), 'hc-vector-mutants-'));
  });
  afterAll(async () => {
    await pglite?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const { mutant, mustFail } of EXPECT) {
    it(`${mutant.name}: fails ${mustFail.join(', ')}`, async () => {
      const proxy = await startProxy(pglite.port, mutant);
      try {
        const json = path.join(dir, `${mutant.name}.json`);
        const r = await runCli(['--dsn', proxy.dsnVia(pglite.dsn), '--json', json]);
        expect(r.code, r.stderr).toBe(1);
        expect(proxy.mutations()).toBeGreaterThan(0);
        const report = JSON.parse(readFileSync(json, 'utf8'));
        const failed = report.results.filter((x: any) => x.status === 'fail').map((x: any) => x.id as string);
        for (const id of failed) failedBy.set(id, [...(failedBy.get(id) ?? []), mutant.name]);
        expect(failed).toEqual(expect.arrayContaining(mustFail));
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
