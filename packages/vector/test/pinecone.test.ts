// The Pinecone adapter and the PC-*/storage cases against the FAKE Pinecone server (a local
// stand-in, not Pinecone): every result here is "contract-tested, not verified against Pinecone".
// No Pinecone can run on this machine; the fake speaks the REST endpoints the official SDK calls,
// and mutant fakes (each breaking one thing) must make named cases fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannotRunError, createConsoleReporter, defineSuite, renderHtml, renderJson, runSuite, type Report } from '@helios-conformance/core';
import { fromPinecone, scoreToDistance, type IndexedCollection, type PineconeStore } from '../src/adapters/pinecone.js';
import { startFakePinecone, type FakePinecone, type FakePineconeOptions } from '../src/_internal/fake-pinecone/index.js';
import { pineconeCases, storageCases } from '../src/index.js';
import type { VectorTarget } from '../src/target.js';

const CASES = [...pineconeCases, ...storageCases];

interface FakeRun {
  report: Report;
  /** Everything the console reporter printed (not redacted by the console itself). */
  console: string;
  fake: FakePinecone;
  indexesLeft: string[];
  failed: Record<string, string>;
}

/**
 * Runs the PC and storage cases against a fake. With `registerSecrets: false` the runner does not
 * know the API key, so nothing scrubs it: a key in the output would have come from the adapter.
 */
async function runAgainstFake(fakeOptions: FakePineconeOptions = {}, registerSecrets = true, consistencyTimeoutMs = 1500): Promise<FakeRun> {
  const fake = await startFakePinecone(fakeOptions);
  try {
    let store: PineconeStore | undefined;
    const suite = defineSuite<VectorTarget>({
      name: '@helios-conformance/vector-pinecone-test',
      version: '0.1.0',
      description: 'PC and storage cases against the fake Pinecone',
      bin: 'test',
      idPrefixes: ['PC-', 'VEC-'],
      cases: CASES,
      async open({ signal }) {
        const s = fromPinecone({ host: fake.host, apiKey: fake.apiKey, consistencyTimeoutMs, readyTimeoutMs: 10_000 });
        store = s;
        await s.connect(signal);
        const target: VectorTarget = { store: s, size: 'ci', runId: s.runId, simulated: true, sections: {} };
        return {
          target,
          capabilities: s.capabilities,
          server: 'fake Pinecone (contract-tested, not verified against Pinecone)',
          secrets: registerSecrets ? [...s.secrets] : [],
          sections: () => target.sections,
          close: () => s.close(),
        };
      },
    });
    let text = '';
    const sink = { write: (t: string) => void (text += t) };
    const reporter = createConsoleReporter({ stdout: sink, stderr: sink, isTTY: false });
    const report = await runSuite(suite, { dsn: fake.host, seed: 7, timeoutMs: 60_000, onEvent: (e) => reporter.onEvent(e) });
    reporter.printSummary(report);
    reporter.dispose();
    expect(store).toBeDefined();
    const failed = Object.fromEntries(report.results.filter((r) => r.status === 'fail').map((r) => [r.id, r.message ?? '']));
    return { report, console: text, fake, indexesLeft: fake.indexNames(), failed };
  } finally {
    await fake.stop();
  }
}

describe('Pinecone adapter against the fake Pinecone (contract-tested, not verified against Pinecone)', () => {
  let run: FakeRun;
  beforeAll(async () => {
    run = await runAgainstFake();
  }, 120_000);

  it('passes every PC and storage case', () => {
    const bad = run.report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id} ${r.status}: ${r.message}`);
    expect(bad).toEqual([]);
    expect(run.report.results.map((r) => r.id).sort()).toEqual(CASES.map((c) => c.id).sort());
  });

  it('labels every PC figure as simulated and records storage outcomes', () => {
    const pc = run.report.sections.pinecone as Record<string, { simulated: boolean; plan: string }>;
    for (const id of ['PC-001', 'PC-002', 'PC-003', 'PC-004']) {
      expect(pc[id]?.simulated, id).toBe(true);
      expect(pc[id]?.plan).toMatch(/plan not observable/);
    }
    const st = run.report.sections.storage as Record<string, Record<string, unknown>>;
    expect(st['VEC-100']).toMatchObject({ dimension: 128, mismatches: 0, signedZeroPreserved: false });
    expect(st['VEC-101']).toMatchObject({ dimension: 1536, mismatches: 0 });
    expect(st['VEC-110']).toMatchObject({ layout: 'not observable' });
    const log = run.report.results.find((r) => r.id === 'PC-002');
    expect(JSON.stringify(log)).toMatch(/not verified against Pinecone/);
  });

  it('never shows the API key on the console or in the JSON or HTML report', () => {
    const key = run.fake.apiKey;
    expect(key.length).toBeGreaterThan(10);
    expect(run.console).toMatch(/PC-002/);
    expect(run.console).not.toContain(key);
    expect(renderJson(run.report)).not.toContain(key);
    expect(renderHtml(run.report)).not.toContain(key);
    expect(JSON.stringify(run.report)).not.toContain(key);
  });

  it('spoke the SDK 8 contract: API version header on every request, the expected endpoints, and cleaned up', () => {
    const reqs = run.fake.requests();
    expect(new Set(reqs.map((r) => r.apiVersion))).toEqual(new Set(['2026-04']));
    const routes = new Set(reqs.map((r) => `${r.method} ${r.path.replace(/^\/idx\/[^/]+/, '')}`));
    for (const r of ['GET /indexes', 'POST /indexes', 'POST /vectors/upsert', 'POST /query', 'GET /vectors/fetch', 'POST /vectors/delete', 'POST /describe_index_stats']) {
      expect(routes, r).toContain(r);
    }
    expect([...routes].some((r) => /^GET \/indexes\/hc-/.test(r))).toBe(true);
    expect([...routes].some((r) => /^DELETE \/indexes\/hc-/.test(r))).toBe(true);
    expect(reqs.filter((r) => r.status >= 500)).toEqual([]);
    expect(run.indexesLeft).toEqual([]);
  });
});

describe('Pinecone adapter: authentication, distances, eventual consistency', () => {
  let fake: FakePinecone;
  beforeAll(async () => {
    fake = await startFakePinecone({ lagMs: 150, readyAfterMs: 400 });
  });
  afterAll(() => fake.stop());

  it('a wrong API key is one plain CannotRunError line that never contains the key', async () => {
    const wrong = 'pc-wrong-key-7d1f0c9a2b';
    const store = fromPinecone({ host: fake.host, apiKey: wrong });
    const err = await store.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CannotRunError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/rejected the API key \(401\)/);
    expect(msg).not.toContain('\n');
    expect(msg).not.toContain(wrong);
    expect(msg).not.toContain(fake.apiKey);
    // A data call with the wrong key fails too, and its message is scrubbed.
    const data = await store.createCollection({ name: 'x', dimension: 4, metric: 'l2', index: { kind: 'flat' } }).catch((e: Error) => e.message);
    expect(data).toMatch(/API key/);
    expect(String(data)).not.toContain(wrong);
    await store.close();
  });

  it('an unreachable host is a CannotRunError too', async () => {
    const store = fromPinecone({ host: 'http://127.0.0.1:9', apiKey: 'k-unreachable', maxRetries: 0 });
    await expect(store.connect()).rejects.toBeInstanceOf(CannotRunError);
    await store.close();
  });

  it('converts scores by Pinecone\'s definitions (cosine 1-s, dotproduct -s, euclidean sqrt of squared distance)', () => {
    expect(scoreToDistance('cosine', 0.25)).toBeCloseTo(0.75, 12);
    expect(scoreToDistance('ip', 3.5)).toBe(-3.5);
    expect(scoreToDistance('l2', 0.08)).toBeCloseTo(Math.sqrt(0.08), 12);
    expect(scoreToDistance('l2', undefined)).toBeNaN();
  });

  it('with `index` set, collections are namespaces of that existing index, which close() leaves in place', async () => {
    const owner = fromPinecone({ host: fake.host, apiKey: fake.apiKey });
    try {
      const own = (await owner.createCollection({ name: 'own', dimension: 4, metric: 'cosine', index: { kind: 'flat' } })) as IndexedCollection;
      const shared = fromPinecone({ host: fake.host, apiKey: fake.apiKey, index: own.indexName });
      const col = (await shared.createCollection({ name: 'g', dimension: 4, metric: 'cosine', index: { kind: 'flat' } })) as IndexedCollection;
      expect(col.indexName).toBe(own.indexName);
      expect(col.namespace).toBe(`hc_${shared.runId}_g`);
      await col.upsert([{ id: 'a', values: [1, 2, 3, 4], metadata: { category: 'x', price: 1 } }]);
      expect(await own.count()).toBe(0);
      await expect(shared.createCollection({ name: 'h', dimension: 8, metric: 'cosine', index: { kind: 'flat' } })).rejects.toThrow(/has dimension 4/);
      await shared.close();
      expect(fake.indexNames()).toContain(own.indexName);
    } finally {
      await owner.close();
    }
    expect(fake.indexNames()).toEqual([]);
  });

  it('waits for a not-yet-ready index and for lagging writes (eventual consistency) before returning', async () => {
    const store = fromPinecone({ host: fake.host, apiKey: fake.apiKey, consistencyTimeoutMs: 5000 });
    try {
      const col = await store.createCollection({ name: 'lag', dimension: 4, metric: 'l2', index: { kind: 'hnsw' } });
      expect(col.spec.index.kind).toBe('managed');
      const t0 = performance.now();
      await col.upsert([
        { id: 'a', values: [1, 0, 0, 0], metadata: { category: 'x', price: 1 } },
        { id: 'b', values: [0, 1, 0, 0], metadata: { category: 'y', price: 2 } },
      ]);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
      expect(await col.count()).toBe(2);
      const res = await col.query({ vector: [1, 0, 0, 0], topK: 2 });
      expect(res.map((m) => m.id)).toEqual(['a', 'b']);
      expect(res[1]!.distance).toBeCloseTo(Math.SQRT2, 6);
      await col.upsert([{ id: 'a', values: [0, 0, 1, 0], metadata: { category: 'z', price: 3 } }]);
      expect((await col.fetch(['a'])).get('a')?.metadata?.category).toBe('z');
      await col.delete(['b']);
      expect(await col.count()).toBe(1);
      expect(await col.explain({ vector: [1, 0, 0, 0], topK: 1 })).toMatchObject({ path: 'unknown' });
    } finally {
      await store.close();
    }
    expect(fake.indexNames()).toEqual([]);
  });
});

// Each mutant fake breaks one thing; the named cases must fail (and nothing else may).
// `why` must match every failure message: the case failed for the mutation's reason.
const MUTANTS: Array<{ name: keyof FakePineconeOptions; fails: string[]; why: RegExp }> = [
  { name: 'dropOneResult', fails: ['PC-002', 'PC-003', 'PC-004', 'VEC-102', 'VEC-103', 'VEC-104', 'VEC-108'], why: /number of (matches|results) .*: expected \d+, got \d+/ },
  { name: 'ignoreFilter', fails: ['PC-002', 'PC-003', 'PC-004', 'VEC-103', 'VEC-108', 'VEC-109'], why: /filter|outside price|exactly the matching records|matches nothing/ },
  { name: 'corruptValues', fails: ['VEC-100', 'VEC-101', 'VEC-102', 'VEC-103', 'VEC-110'], why: /component \d+: stored .* \(0x[0-9a-f]{8}\), got .* \(0x[0-9a-f]{8}\)/ },
  { name: 'ignoreDeletes', fails: ['VEC-104'], why: /deleted/ },
  { name: 'acceptInvalid', fails: ['VEC-105', 'VEC-106', 'VEC-107'], why: /was accepted; it must raise an error/ },
  { name: 'keepFirstWrite', fails: ['VEC-103'], why: /overwritten values not as last written/ },
];

describe('mutant fakes make named cases fail', () => {
  for (const m of MUTANTS) {
    it(`${m.name} fails exactly ${m.fails.join(', ')}`, async () => {
      // The fake has no lag, so only a mutant keeps writes from showing: waiting 300 ms instead of
      // 1.5 s for each of them (every collection drop under ignoreDeletes) changes no verdict.
      const run = await runAgainstFake({ [m.name]: true }, false, 300);
      const errors = run.report.results.filter((r) => r.status === 'error').map((r) => `${r.id}: ${r.message}`);
      expect(errors).toEqual([]);
      expect(Object.keys(run.failed).sort(), JSON.stringify(run.failed, null, 1)).toEqual([...m.fails].sort());
      for (const [id, message] of Object.entries(run.failed)) expect(message, id).toMatch(m.why);
      expect(run.report.conformant).toBe(false);
      expect(run.indexesLeft).toEqual([]);
      // The runner was not told the key: failure messages come from the adapter unscrubbed.
      expect(run.console).toMatch(/FAIL/);
      expect(run.console).not.toContain(run.fake.apiKey);
      expect(JSON.stringify(run.report)).not.toContain(run.fake.apiKey);
    }, 120_000);
  }
});
