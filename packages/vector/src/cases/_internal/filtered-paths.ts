// Filtered search measured on every path an endpoint allows: what its planner picks, with iterative
// scans, and the ANN index forced. The filtered cases judge one of these paths and report them all.
import type { VectorFilter } from '@helios-conformance/fixtures';
import type { QueryPlan, SearchParams } from '../../adapter.js';
import type { VectorContext } from '../../_internal/case-kit.js';
import type { LoadedDataset } from './datasets.js';
import { applyParams, groundTruth, latencyOf, planOf, r4, recallOf, runQueries } from './measure.js';

/** Required filtered recall@10 of what the endpoint returns by default, and the seed's threshold. */
export const FILTERED_THRESHOLD = 0.95;

/** Neighbours per filtered query. */
export const FILTERED_K = 10;

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

async function measurePath(ctx: VectorContext, d: LoadedDataset, filter: VectorFilter, path: PathFigure['path'], p: SearchParams, gt: Awaited<ReturnType<typeof groundTruth>>): Promise<PathFigure> {
  const params = await applyParams(ctx, d.collection, p);
  const plan = await planOf(ctx, d.collection, d, FILTERED_K, filter);
  const t0 = performance.now();
  const answers = await runQueries(ctx, d.collection, d, FILTERED_K, filter);
  const lat = latencyOf(answers.map((a) => a.ms), performance.now() - t0);
  const fig = recallOf(d, answers, gt, filter);
  return { path, params, plan, recallById: r4(fig.recallById), recallTieSafe: r4(fig.recallTieSafe), shortAnswers: fig.shortAnswers, qps: lat.qps, p50: lat.p50 };
}

/**
 * Measures every path the endpoint allows: what its planner picks, the ANN index forced (exact
 * scans disabled), and the index with iterative scanning. Search params are restored afterwards.
 */
export async function measureAllPaths(ctx: VectorContext, d: LoadedDataset, filter: VectorFilter, efSearch: number): Promise<PathFigure[]> {
  const gt = await groundTruth(d, FILTERED_K, filter, ctx.signal);
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

/** One line per path for the case log. */
export const describePath = (f: PathFigure): string => `${f.path}: recall ${f.recallTieSafe} (by id ${f.recallById}), plan ${f.plan.path}${f.shortAnswers ? `, ${f.shortAnswers} short answers` : ''}`;

/** The filter as SQL, for reports and messages. */
export function filterSql(f: VectorFilter): string {
  if ('and' in f) return f.and.map(filterSql).join(' AND ');
  return f.field === 'price' ? `price < ${f.value}` : `category ${f.op === 'eq' ? '=' : '<>'} '${f.value}'`;
}

/** Whether a record's metadata passes the filter. */
export function filterMatches(m: { category: string; price: number }, f: VectorFilter): boolean {
  if ('and' in f) return f.and.every((x) => filterMatches(m, x));
  if (f.field === 'price') return m.price < f.value;
  return f.op === 'eq' ? m.category === f.value : m.category !== f.value;
}
