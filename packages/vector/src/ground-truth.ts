import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { VectorMetric } from './adapter.js';
import { GROUND_TRUTH_WORKER_SOURCE } from './_internal/ground-truth-worker.js';
import { DOT_QUERIES_PER_PASS, dotKernel, sharedMemory } from './_internal/dot-kernel.js';

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
 * WebAssembly SIMD kernel (16 queries per pass, see `_internal/dot-kernel.ts`) and keeps a
 * bounded heap per query.
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
  if (nq === 0 || n === 0) return { k, metric, ids: Array.from({ length: nq }, () => new Int32Array(0)), distances: Array.from({ length: nq }, () => new Float64Array(0)), ms: 0, threads: 0 };

  // A mask is applied once, here: the workers scan only the allowed rows (kept in their original
  // order, so "ties go to the smaller index" still holds once `rows` maps them back).
  let rows: Int32Array | undefined;
  let m = n;
  if (input.mask) {
    rows = new Int32Array(n);
    m = 0;
    for (let j = 0; j < n; j++) if (input.mask[j] !== 0) rows[m++] = j;
    rows = rows.slice(0, m);
  }
  if (m === 0) return { k, metric, ids: Array.from({ length: nq }, () => new Int32Array(0)), distances: Array.from({ length: nq }, () => new Float64Array(0)), ms: performance.now() - t0, threads: 0 };
  const kk = Math.min(k, m);

  const blocks = Math.ceil(nq / DOT_QUERIES_PER_PASS);
  const threads = Math.max(1, Math.min(input.threads ?? availableParallelism(), blocks));
  // One shared WebAssembly memory: the (allowed) base once, then per worker its interleaved
  // query block and a chunk of dot products. Chunks of 1,024 rows keep the output in L2 cache.
  const chunk = Math.min(1024, m);
  const align = (x: number): number => Math.ceil(x / 16) * 16;
  const baseBytes = align(m * dim * 4);
  const qBytes = dim * DOT_QUERIES_PER_PASS * 8;
  const outBytes = chunk * DOT_QUERIES_PER_PASS * 8;
  const totalBytes = baseBytes + threads * (qBytes + outBytes);
  const pages = Math.ceil(totalBytes / 65536);
  if (pages > 65536) throw new RangeError(`ground truth: a base of ${m} × ${dim} does not fit the 4 GiB a WebAssembly memory can address`);
  const memory = sharedMemory(pages);
  const heap = new Float32Array(memory.buffer, 0, m * dim);
  if (rows) rows.forEach((j, i) => heap.set(base.subarray(j * dim, (j + 1) * dim), i * dim));
  else heap.set(base);

  let normsSab: SharedArrayBuffer | undefined;
  if (metric === 'cosine' || metric === 'l2') {
    // Squared norms: the workers' L2 ranking key, and the cosine denominators (summed in the same
    // order as fixtures' distance() so cosine distances match it bit for bit).
    const norms = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let s = 0;
      const o = j * dim;
      for (let d = 0; d < dim; d++) s += heap[o + d]! * heap[o + d]!;
      norms[j] = s;
    }
    normsSab = shared(norms, Float64Array);
  }

  // Contiguous chunks of whole 16-query blocks, so only the last block has idle lanes.
  const perThread = Math.ceil(blocks / threads) * DOT_QUERIES_PER_PASS;
  const jobs: Array<Promise<{ start: number; idx: Int32Array; dist: Float64Array; sizes: Int32Array }>> = [];
  const workers: Worker[] = [];
  for (let start = 0, w = 0; start < nq; start += perThread, w++) {
    const end = Math.min(nq, start + perThread);
    const q = queries.slice(start * dim, end * dim);
    const qPtr = baseBytes + w * (qBytes + outBytes);
    const worker = new Worker(GROUND_TRUTH_WORKER_SOURCE, {
      eval: true,
      workerData: { memory, kernel: dotKernel(), norms: normsSab, n: m, dim, queries: q.buffer, k: kk, metric, qPtr, outPtr: qPtr + qBytes, chunk },
      transferList: [q.buffer],
    });
    workers.push(worker);
    jobs.push(
      new Promise((resolve, reject) => {
        worker.once('message', (msg: { idx: Int32Array; dist: Float64Array; sizes: Int32Array }) => resolve({ start, ...msg }));
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
      if (rows) for (let j = 0; j < size; j++) part.idx[o + j] = rows[part.idx[o + j]!]!;
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
