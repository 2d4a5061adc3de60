import { defineCase, type Case, type CaseContext } from '@helios-conformance/core';
import { selectivityFilters, type VectorFilter } from '@helios-conformance/fixtures';
import type { QueryPlan, SearchParams } from '../adapter.js';
import type { VectorTarget } from '../target.js';
import { sharedDataset, type LoadedDataset } from './_internal/datasets.js';
import { applyParams, groundTruth, planOf, r4, recallOf, record, runQueries, latencyOf } from './_internal/measure.js';

/** Required filtered recall@10 of what the endpoint returns by default, and the seed's threshold. */
export const FILTERED_THRESHOLD = 0.95;
const K = 10;

/** One measured execution path of a filtered query batch. */
export interface PathFigure {
  path: 'planner' | 'planner+iterative' | 'forced-index' | 'iterative-scan';
  params: SearchParams;
  plan: QueryPlan;
  recallById: number;
  recallTieSafe: number;
  shortAnswers: number;
  qps: number;
  p50: number;
}

async function measurePath(ctx: CaseContext<VectorTarget>, d: LoadedDataset, filter: VectorFilter, path: PathFigure['path'], p: SearchParams, gt: Awaited<ReturnType<typeof groundTruth>>): Promise<PathFigure> {
  const params = await applyParams(ctx, d.collection, p);
  const plan = await planOf(ctx, d.collection, d, K, filter);
  const t0 = performance.now();
  const answers = await runQueries(ctx, d.collection, d, K, filter);
  const lat = latencyOf(answers.map((a) => a.ms), performance.now() - t0);
  const fig = recallOf(d, answers, gt, filter);
  return { path, params, plan, recallById: r4(fig.recallById), recallTieSafe: r4(fig.recallTieSafe), shortAnswers: fig.shortAnswers, qps: lat.qps, p50: lat.p50 };
}

/**
 * Measures every path the endpoint allows: what its planner picks, the ANN index forced (exact
 * scans disabled), and the index with iterative scanning. Search params are restored afterwards.
 */
async function measureAll(ctx: CaseContext<VectorTarget>, d: LoadedDataset, filter: VectorFilter, efSearch: number): Promise<PathFigure[]> {
  const gt = await groundTruth(d, K, filter, ctx.signal);
  const caps = ctx.target.store.capabilities;
  const out: PathFigure[] = [];
  try {
    out.push(await measurePath(ctx, d, filter, 'planner', { efSearch, forceIndex: false, iterativeScan: 'off' }, gt));
    // pgvector ≥ 0.8's answer to filtered ANN: the planner still chooses, the index keeps scanning until k rows pass.
    if (caps.has('iterative-scan')) out.push(await measurePath(ctx, d, filter, 'planner+iterative', { efSearch, forceIndex: false, iterativeScan: 'relaxed_order' }, gt));
    if (caps.has('search-params') && caps.has('explain')) {
      out.push(await measurePath(ctx, d, filter, 'forced-index', { efSearch, forceIndex: true, iterativeScan: 'off' }, gt));
      if (caps.has('iterative-scan')) out.push(await measurePath(ctx, d, filter, 'iterative-scan', { efSearch, forceIndex: true, iterativeScan: 'relaxed_order' }, gt));
    }
  } finally {
    if (caps.has('search-params')) await applyParams(ctx, d.collection, { forceIndex: false, iterativeScan: 'off' }).catch(() => undefined);
  }
  return out;
}

const describePath = (f: PathFigure): string => `${f.path}: recall ${f.recallTieSafe} (by id ${f.recallById}), plan ${f.plan.path}${f.shortAnswers ? `, ${f.shortAnswers} short answers` : ''}`;

type Kind = 'category' | 'price' | 'combined';
const KIND_TITLE: Record<Kind, string> = { category: 'category equality', price: 'price range', combined: 'category AND price' };

function filterSql(f: VectorFilter): string {
  if ('and' in f) return f.and.map(filterSql).join(' AND ');
  return f.field === 'price' ? `price < ${f.value}` : `category ${f.op === 'eq' ? '=' : '<>'} '${f.value}'`;
}

function selectivityCase(set: (typeof selectivityFilters)[number], kind: Kind, id: string): Case<VectorTarget> {
  const { filter, expected } = set[kind];
  return defineCase<VectorTarget>({
    id,
    title: `filtered recall@${K} ≥ ${FILTERED_THRESHOLD} at ${set.label} selectivity (${KIND_TITLE[kind]}) on the endpoint's plan (iterative scans on where offered); index path measured`,
    priority: 'p1',
    area: 'filtered',
    requires: ['filter'],
    spec: 'https://github.com/pgvector/pgvector#filtering',
    since: '0.1.0',
    timeoutMs: 600_000,
    async run(ctx) {
      const d = await sharedDataset(ctx, 'filtered', 'l2');
      const paths = await measureAll(ctx, d, filter, 40);
      // Judged: what the endpoint returns with its filtered-search facility on (iterative scans) when it has one,
      // else with its defaults. The default-settings figure and the index's own figure are reported next to it.
      const planner = paths.find((p) => p.path === 'planner+iterative') ?? paths[0]!;
      const index = paths.find((p) => p.path === 'iterative-scan') ?? paths.find((p) => p.path === 'forced-index');
      const exactFallback = planner.plan.path === 'exact';
      const passing = d.ds.metadata.filter((m) => filterMatches(m, filter)).length;
      record(ctx.target, 'filtered', `${set.label}:${kind}`, {
        selectivity: set.label,
        kind,
        filter: filterSql(filter),
        expectedShare: expected,
        matchingRecords: passing,
        records: d.shape.count,
        k: K,
        judgedPath: planner.path,
        paths,
        note: exactFallback
          ? `the planner ran an exact scan for this filter, so its recall is trivially exact; ${index ? `the index's own filtered recall is the ${index.path} figure` : 'the endpoint offers no way to force the index path'}`
          : undefined,
      });
      ctx.metric('paths', paths.map((p) => ({ path: p.path, plan: p.plan.path, recall: p.recallTieSafe })));
      for (const p of paths) ctx.log(describePath(p));
      if (planner.recallTieSafe < FILTERED_THRESHOLD) {
        ctx.fail(`filtered recall@${K} at ${set.label} (${filterSql(filter)}) is ${planner.recallTieSafe} < ${FILTERED_THRESHOLD} on the endpoint's own plan (${planner.path}, ${planner.plan.path}: ${planner.plan.detail ?? ''})`);
      }
    },
  });
}

function filterMatches(m: { category: string; price: number }, f: VectorFilter): boolean {
  if ('and' in f) return f.and.every((x) => filterMatches(m, x));
  if (f.field === 'price') return m.price < f.value;
  return f.op === 'eq' ? m.category === f.value : m.category !== f.value;
}

/** The seed's filter: category = and price <, about 10 % of the rows. */
const SEED_FILTER = selectivityFilters[1]!.combined.filter;

/** VEC-010: the seed's case, kept on its own. */
export const seedFilteredCase: Case<VectorTarget> = defineCase<VectorTarget>({
  id: 'VEC-010',
  title: `filtered HNSW recall > ${FILTERED_THRESHOLD} vs brute force (M=16, ef_construction=200, category = AND price <; 100k × 384 with --size full)`,
  priority: 'p0',
  area: 'filtered',
  requires: ['filter'],
  spec: 'https://github.com/pgvector/pgvector#iterative-index-scans',
  since: '0.1.0',
  timeoutMs: 900_000,
  async run(ctx) {
    const d = await sharedDataset(ctx, 'filtered', 'l2');
    const efSearch = 100;
    const paths = await measureAll(ctx, d, SEED_FILTER, efSearch);
    // The index's own recall when the endpoint lets us reach it; otherwise what it returns.
    const judged = paths.find((p) => p.path === 'iterative-scan') ?? paths.find((p) => p.path === 'forced-index') ?? paths[0]!;
    record(ctx.target, 'filtered', 'seed', {
      selectivity: '10%',
      kind: 'combined',
      filter: filterSql(SEED_FILTER),
      records: d.shape.count,
      dim: d.shape.dim,
      index: d.spec.index,
      k: K,
      efSearch,
      judgedPath: judged.path,
      paths,
    });
    ctx.metric('recall', judged.recallTieSafe);
    ctx.metric('judgedPath', judged.path);
    ctx.metric('plan', judged.plan.path);
    for (const p of paths) ctx.log(describePath(p));
    if (judged.plan.path === 'exact') {
      ctx.fail(`no path reached the HNSW index (${judged.plan.detail ?? ''}): recall ${judged.recallTieSafe} comes from an exact scan and says nothing about the index`);
    }
    if (!(judged.recallTieSafe > FILTERED_THRESHOLD)) {
      ctx.fail(`filtered HNSW recall@${K} (${judged.path}, ${filterSql(SEED_FILTER)}) is ${judged.recallTieSafe}, not > ${FILTERED_THRESHOLD} (by id ${judged.recallById}; ${judged.shortAnswers} short answers)`);
    }
  },
});

/** VEC-011…VEC-022: 1 / 10 / 50 / 99 % × category, price, both. */
export const selectivityCases: readonly Case<VectorTarget>[] = selectivityFilters.flatMap((set, si) =>
  (['category', 'price', 'combined'] as const).map((kind, ki) => selectivityCase(set, kind, `VEC-${String(11 + si * 3 + ki).padStart(3, '0')}`)),
);
