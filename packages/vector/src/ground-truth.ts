import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { VectorMetric } from './adapter.js';
import { GROUND_TRUTH_WORKER_SOURCE } from './_internal/ground-truth-worker.js';

/** Input of {@link exactGroundTruth}. */
export interface GroundTruthInput {
  /** Base vectors: one Float32Array per vector, or all of them back to back (`n × dim`). */
  base: readonly Float32Array[] | Float32Array;
  /** Query vectors, in the same two shapes. */
  queries: readonly Float32Array[] | Float32Array;
  dim: number;
  k: number;
  metric: VectorMetric;
  /**
   * Candidates allowed per base index (1 = allowed); one mask for every query, e.g. built with
   * `maskFrom(metadata, (m) => matchesFilter(m, filter))`. Omit for unfiltered ground truth.
   */
  mask?: Uint8Array;
  /** Worker threads (default `os.availableParallelism()`, never more than the query blocks). */
  threads?: number;
  signal?: AbortSignal;
}

/** Exact neighbours of each query: nearest first, ties by smaller index. */
export interface GroundTruth {
  k: number;
  metric: VectorMetric;
  /** Per query, base indices of its neighbours (fewer than k when fewer candidates pass the mask). */
  ids: Int32Array[];
  /**
   * Per query, the distances in pgvector's conventions (`l2` Euclidean, `cosine` 1 − cos,
   * `ip` −dot), computed in double precision exactly like fixtures' `distance()`.
   */
  distances: Float64Array[];
  /** Wall-clock time of the computation, ms. */
  ms: number;
  threads: number;
}

function flatten(v: readonly Float32Array[] | Float32Array, dim: number, what: string): Float32Array {
  if (v instanceof Float32Array) {
    if (v.length % dim !== 0) throw new RangeError(`${what}: length ${v.length} is not a multiple of dim ${dim}`);
    return v;
  }
  const out = new Float32Array(v.length * dim);
  v.forEach((x, i) => {
    if (x.length !== dim) throw new RangeError(`${what}[${i}] has ${x.length} dimensions, expected ${dim}`);
    out.set(x, i * dim);
  });
  return out;
}

function shared(src: ArrayLike<number>, Ctor: Float32ArrayConstructor | Float64ArrayConstructor | Uint8ArrayConstructor): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(src.length * Ctor.BYTES_PER_ELEMENT);
  new Ctor(sab as unknown as ArrayBuffer).set(src);
  return sab;
}

/** A filter mask over `metadata` (1 where `keep` is true), for {@link GroundTruthInput.mask}. */
export function maskFrom<M>(metadata: readonly M[], keep: (m: M, index: number) => boolean): Uint8Array {
  const mask = new Uint8Array(metadata.length);
  metadata.forEach((m, i) => {
    if (keep(m, i)) mask[i] = 1;
  });
  return mask;
}

/**
 * Exact top-k by brute force, computed by the kit itself: the base goes once into a
 * SharedArrayBuffer, queries are split across worker threads, each worker scans the base with a
 * tight Float32Array loop (8 queries per pass) and keeps a bounded heap per query.
 * `npm run bench -w @helios-conformance/vector` times 100k × 384, 1,000 queries, k = 100.
 */
export async function exactGroundTruth(input: GroundTruthInput): Promise<GroundTruth> {
  const t0 = performance.now();
  const { dim, k, metric, signal } = input;
  if (!Number.isSafeInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (metric !== 'l2' && metric !== 'cosine' && metric !== 'ip') throw new TypeError(`unknown metric ${JSON.stringify(metric)}`);
  const base = flatten(input.base, dim, 'base');
  const queries = flatten(input.queries, dim, 'queries');
  const n = base.length / dim;
  const nq = queries.length / dim;
  if (input.mask && input.mask.length !== n) throw new RangeError(`mask has ${input.mask.length} entries for ${n} base vectors`);
  const kk = Math.min(k, n);
  if (nq === 0 || kk === 0) return { k, metric, ids: Array.from({ length: nq }, () => new Int32Array(0)), distances: Array.from({ length: nq }, () => new Float64Array(0)), ms: 0, threads: 0 };

  const baseSab = shared(base, Float32Array);
  let normsSab: SharedArrayBuffer | undefined;
  if (metric === 'cosine' || metric === 'l2') {
    // Squared norms: the workers' L2 ranking key, and the cosine denominators (summed in the same
    // order as fixtures' distance() so cosine distances match it bit for bit).
    const norms = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      const o = j * dim;
      for (let d = 0; d < dim; d++) s += base[o + d]! * base[o + d]!;
      norms[j] = s;
    }
    normsSab = shared(norms, Float64Array);
  }
  const maskSab = input.mask ? shared(input.mask, Uint8Array) : undefined;

  const blocks = Math.ceil(nq / 8);
  const threads = Math.max(1, Math.min(input.threads ?? availableParallelism(), blocks));
  // Contiguous chunks, whole blocks of 8 so the workers' unrolled path runs.
  const perThread = Math.ceil(blocks / threads) * 8;
  const jobs: Array<Promise<{ start: number; idx: Int32Array; dist: Float64Array; sizes: Int32Array }>> = [];
  const workers: Worker[] = [];
  for (let start = 0; start < nq; start += perThread) {
    const end = Math.min(nq, start + perThread);
    const q = queries.slice(start * dim, end * dim);
    const worker = new Worker(GROUND_TRUTH_WORKER_SOURCE, {
      eval: true,
      workerData: { base: baseSab, norms: normsSab, mask: maskSab, n, dim, queries: q.buffer, k: kk, metric },
      transferList: [q.buffer],
    });
    workers.push(worker);
    jobs.push(
      new Promise((resolve, reject) => {
        worker.once('message', (m: { idx: Int32Array; dist: Float64Array; sizes: Int32Array }) => resolve({ start, ...m }));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`ground-truth worker exited with code ${code} before answering`)));
      }),
    );
  }
  const onAbort = (): void => {
    for (const w of workers) void w.terminate();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let parts: Awaited<(typeof jobs)[number]>[];
  try {
    parts = await Promise.all(jobs);
  } catch (e) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    onAbort();
  }

  const ids: Int32Array[] = new Array<Int32Array>(nq);
  const distances: Float64Array[] = new Array<Float64Array>(nq);
  for (const part of parts) {
    for (let i = 0; i < part.sizes.length; i++) {
      const size = part.sizes[i]!;
      const order = Array.from({ length: size }, (_, j) => j);
      const o = i * kk;
      if (metric === 'l2') {
        // The workers ranked by |x|² − 2x·q; the kept neighbours get their exact Euclidean
        // distance, summed like fixtures' distance() so the figures match it bit for bit.
        const qo = (part.start + i) * dim;
        for (let j = 0; j < size; j++) {
          const xo = part.idx[o + j]! * dim;
          let sq = 0;
          for (let d = 0; d < dim; d++) {
            const t = base[xo + d]! - queries[qo + d]!;
            sq += t * t;
          }
          part.dist[o + j] = Math.sqrt(sq);
        }
      }
      order.sort((a, b) => {
        const da = part.dist[o + a]!;
        const db = part.dist[o + b]!;
        const an = Number.isNaN(da);
        const bn = Number.isNaN(db);
        if (an !== bn) return an ? 1 : -1;
        if (!an && da !== db) return da - db;
        return part.idx[o + a]! - part.idx[o + b]!;
      });
      ids[part.start + i] = Int32Array.from(order, (j) => part.idx[o + j]!);
      distances[part.start + i] = Float64Array.from(order, (j) => part.dist[o + j]!);
    }
  }
  return { k, metric, ids, distances, ms: performance.now() - t0, threads };
}
