// Recall, plan and latency measurement shared by the vector cases.
import { distance, matchesFilter, type VectorFilter } from '@helios-conformance/fixtures';
import type { CaseContext } from '@helios-conformance/core';
import type { Collection, MetadataFilter, QueryMatch, QueryPlan, SearchParams } from '../../adapter.js';
import { exactGroundTruth, maskFrom, type GroundTruth } from '../../ground-truth.js';
import type { VectorTarget } from '../../target.js';
import type { LoadedDataset } from './datasets.js';

/** Relative slack of the tie-safe recall: a hit within this of the k-th true distance counts. */
export const TIE_EPSILON = 1e-5;

/** One query's answer and how long it took. */
export interface Answer {
  matches: QueryMatch[];
  ms: number;
}

/** Recall figures of a batch of queries. */
export interface RecallFigures {
  /** Mean over queries of |returned ∩ true top-k| / |true top-k| (by ID). */
  recallById: number;
  /** Same, counting a returned neighbour whose exact distance is ≤ the k-th true distance (+ε) as a hit. */
  recallTieSafe: number;
  /** Queries that returned fewer rows than the true top-k holds. */
  shortAnswers: number;
  /** Largest |reported − exact| distance of a returned neighbour (the endpoint's arithmetic). */
  maxDistanceError: number;
  queries: number;
}

/** The kit's exact ground truth for the dataset's queries (optionally restricted by `filter`). */
export function groundTruth(d: LoadedDataset, k: number, filter: VectorFilter | undefined, signal: AbortSignal): Promise<GroundTruth> {
  return exactGroundTruth({
    base: d.ds.vectors,
    queries: d.ds.queries,
    dim: d.shape.dim,
    k,
    metric: d.spec.metric,
    mask: filter ? maskFrom(d.ds.metadata, (m) => matchesFilter(m, filter)) : undefined,
    signal,
  });
}

/** Runs every query of the dataset one after another (closed loop) and times each. */
export async function runQueries(ctx: CaseContext<VectorTarget>, col: Collection, d: LoadedDataset, k: number, filter?: VectorFilter): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const q of d.ds.queries) {
    const t0 = performance.now();
    const matches = await col.query({ vector: q, topK: k, ...(filter ? { filter: filter as MetadataFilter } : {}) }, ctx.signal);
    out.push({ matches, ms: performance.now() - t0 });
  }
  return out;
}

/** Compares answers with the ground truth, by ID and tie-safe by distance (exact distances recomputed by the kit). */
export function recallOf(d: LoadedDataset, answers: readonly Answer[], gt: GroundTruth, filter?: VectorFilter): RecallFigures {
  let byId = 0;
  let tieSafe = 0;
  let short = 0;
  let maxErr = 0;
  let counted = 0;
  answers.forEach((a, qi) => {
    const truth = gt.ids[qi]!;
    if (truth.length === 0) return;
    counted++;
    const want = new Set(Array.from(truth, String));
    const kth = gt.distances[qi]![truth.length - 1]!;
    const slack = TIE_EPSILON * Math.max(1, Math.abs(kth));
    const seen = new Set<string>();
    let hits = 0;
    let safeHits = 0;
    for (const m of a.matches.slice(0, truth.length)) {
      if (seen.has(m.id)) continue; // a duplicate row is no second hit
      seen.add(m.id);
      const idx = Number(m.id);
      if (!Number.isInteger(idx) || idx < 0 || idx >= d.ds.vectors.length) continue;
      // A row outside the filter is no hit, however close it is.
      if (filter && !matchesFilter(d.ds.metadata[idx]!, filter)) continue;
      if (want.has(m.id)) hits++;
      const exact = distance(d.ds.vectors[idx]!, d.ds.queries[qi]!, d.spec.metric);
      if (exact <= kth + slack) safeHits++;
      if (Number.isFinite(m.distance)) maxErr = Math.max(maxErr, Math.abs(m.distance - exact));
    }
    if (a.matches.length < truth.length) short++;
    byId += hits / truth.length;
    tieSafe += safeHits / truth.length;
  });
  return {
    recallById: counted ? byId / counted : 1,
    recallTieSafe: counted ? tieSafe / counted : 1,
    shortAnswers: short,
    maxDistanceError: maxErr,
    queries: counted,
  };
}

/** Exact percentiles (nearest rank) of recorded samples, QPS from the wall-clock time. */
export function latencyOf(samplesMs: readonly number[], wallMs: number): { n: number; p50: number; p95: number; p99: number; max: number; mean: number; qps: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const pct = (p: number): number => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : NaN);
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    n: s.length,
    p50: r(pct(50)),
    p95: r(pct(95)),
    p99: r(pct(99)),
    max: r(s[s.length - 1] ?? NaN),
    mean: r(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)),
    qps: r((s.length / wallMs) * 1000),
  };
}

/** Applies search params the store understands (none on stores without `search-params`). */
export async function applyParams(ctx: CaseContext<VectorTarget>, col: Collection, p: SearchParams): Promise<SearchParams> {
  const caps = ctx.target.store.capabilities;
  if (!caps.has('search-params')) return {};
  const q: SearchParams = { ...p };
  if (!caps.has('iterative-scan')) delete q.iterativeScan;
  await col.setSearchParams(q, ctx.signal);
  return q;
}

/** The plan of the first query (EXPLAIN) or `unknown` on stores without `explain`. */
export async function planOf(ctx: CaseContext<VectorTarget>, col: Collection, d: LoadedDataset, k: number, filter?: VectorFilter): Promise<QueryPlan> {
  if (!ctx.target.store.capabilities.has('explain')) return { path: 'unknown', detail: 'the endpoint does not expose query plans' };
  return col.explain({ vector: d.ds.queries[0]!, topK: k, ...(filter ? { filter: filter as MetadataFilter } : {}) }, ctx.signal);
}

/** 0.9876 → 0.988 (figures for humans; the JSON keeps 4 decimals). */
export const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
