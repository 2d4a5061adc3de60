// The storage cases (VEC-100…VEC-110) against a real endpoint: the shared PGlite + pgvector,
// through fromPgvector. Mutant proxies in front of it (one flips a digit of every vector the
// server sends, one turns DELETE into SELECT) must make named storage cases fail.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { defineSuite, runSuite, type Report } from '@helios-conformance/core';
import { leftoverNamespaces, testServer, type Proxy } from '@helios-conformance/suite-kit';
import type { Collection, CollectionSpec, VectorStore } from '../src/adapter.js';
import { fromPgvector, type PgvectorStore } from '../src/adapters/pgvector.js';
import { pineconeCases, storageCases, type StorageIntrospection } from '../src/index.js';
import type { VectorTarget } from '../src/target.js';
import { flipVectorDigit, neuterDelete, startMutant, type Mutant } from './mutants/proxy.js';

const CASES = [...storageCases, ...pineconeCases];

async function sql<R>(dsn: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: dsn });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/**
 * Adds {@link StorageIntrospection} to pgvector collections from outside the adapter (fromPgvector
 * does not offer it yet): counts distinct TOAST chunk ids in the collection table's TOAST relation.
 */
function withToastProbe(store: PgvectorStore, dsn: string): VectorStore {
  const probe = (col: Collection): Collection & StorageIntrospection =>
    Object.assign(Object.create(col) as Collection, {
      async storageInfo() {
        const [rel] = await sql<{ toast: string | null }>(
          dsn,
          `SELECT c.reltoastrelid::regclass::text AS toast FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.reltoastrelid <> 0`,
          [store.namespace, col.spec.name],
        );
        if (!rel?.toast) return { outOfLineValues: 0, detail: 'table has no TOAST relation' };
        const [n] = await sql<{ n: number }>(dsn, `SELECT count(DISTINCT chunk_id)::int AS n FROM ${rel.toast}`);
        return { outOfLineValues: n?.n ?? 0, detail: `${n?.n ?? 0} values in ${rel.toast}` };
      },
    });
  return Object.assign(Object.create(store) as VectorStore, {
    createCollection: async (spec: CollectionSpec, signal?: AbortSignal) => probe(await store.createCollection(spec, signal)),
  });
}

async function runStorage(dsn: string, opts: { only?: string[]; toastProbe?: boolean } = {}): Promise<{ report: Report; failed: Record<string, string> }> {
  const suite = defineSuite<VectorTarget>({
    name: '@helios-conformance/vector-storage-test',
    version: '0.1.0',
    description: 'storage cases against pgvector',
    bin: 'test',
    idPrefixes: ['PC-', 'VEC-'],
    cases: CASES,
    async open({ signal }) {
      const s = await fromPgvector(dsn, { signal });
      const store = opts.toastProbe ? withToastProbe(s, dsn) : s;
      const target: VectorTarget = { store, size: 'ci', runId: s.namespace.replace(/^hc_/, ''), simulated: false, sections: {} };
      return { target, capabilities: s.capabilities, server: s.server, sections: () => target.sections, close: () => s.close() };
    },
  });
  const report = await runSuite(suite, { dsn, seed: 11, timeoutMs: 60_000, only: opts.only });
  const failed = Object.fromEntries(report.results.filter((r) => r.status === 'fail').map((r) => [r.id, r.message ?? '']));
  return { report, failed };
}

describe('storage cases on PGlite + pgvector', () => {
  const ep = testServer('pglite');

  it('every storage case passes; PC cases are n/a (no pinecone-api); nothing is left behind', async () => {
    const { report } = await runStorage(ep.dsn);
    const byId = Object.fromEntries(report.results.map((r) => [r.id, `${r.status}${r.message ? `: ${r.message}` : ''}`]));
    for (const c of storageCases) expect(byId[c.id], c.id).toBe('pass');
    for (const c of pineconeCases) expect(byId[c.id], c.id).toMatch(/^n\/a/);
    const st = report.sections.storage as Record<string, Record<string, unknown>>;
    expect(st['VEC-100']).toMatchObject({ dimension: 128, mismatches: 0, returned: 50 });
    expect(st['VEC-101']).toMatchObject({ dimension: 1536, mismatches: 0, returned: 20 });
    expect(st['VEC-110']).toMatchObject({ layout: 'not observable' });
    const errors = st['VEC-105']!.errors as Record<string, string>;
    expect(errors.short).toMatch(/dimension/i);
    expect(await sql(ep.dsn, 'SELECT 1')).toHaveLength(1);
    expect(await leftoverNamespaces(ep.dsn)).toEqual([]);
  });

  it('VEC-110 observes TOAST where the store exposes it: 128 dims inline, 1536 dims out of line', async () => {
    const { report } = await runStorage(ep.dsn, { only: ['VEC-110'], toastProbe: true });
    const r = report.results.find((x) => x.id === 'VEC-110');
    const layout = (report.sections.storage as Record<string, { layout: { small: { outOfLineValues: number }; large: { outOfLineValues: number } } }>)['VEC-110']?.layout;
    expect(r?.status, r?.message ?? '').toBe('pass');
    expect(layout?.small.outOfLineValues).toBe(0);
    expect(layout?.large.outOfLineValues).toBeGreaterThanOrEqual(1);
  });

  describe('mutant proxies make named storage cases fail', () => {
    const MUTANTS: Array<{ mutant: Mutant; fails: string[]; why: RegExp }> = [
      { mutant: flipVectorDigit, fails: ['VEC-100', 'VEC-101', 'VEC-102', 'VEC-103', 'VEC-110'], why: /component \d+: stored|did not read back|values of v\d+ differ|not as last written/ },
      { mutant: neuterDelete, fails: ['VEC-104'], why: /deleted/ },
    ];
    for (const { mutant, fails, why } of MUTANTS) {
      it(`${mutant.name} fails exactly ${fails.join(', ')}`, async () => {
        let proxy: Proxy | undefined;
        try {
          proxy = await startMutant(ep, mutant);
          const { report, failed } = await runStorage(proxy.dsnVia(ep.dsn), { only: ['VEC-1*'] });
          expect(proxy.mutations()).toBeGreaterThan(0);
          const errors = report.results.filter((r) => r.status === 'error').map((r) => `${r.id}: ${r.message}`);
          expect(errors).toEqual([]);
          expect(Object.keys(failed).sort(), JSON.stringify(failed, null, 1)).toEqual([...fails].sort());
          for (const [id, message] of Object.entries(failed)) expect(message, id).toMatch(why);
        } finally {
          await proxy?.stop();
        }
      });
    }
  });
});
