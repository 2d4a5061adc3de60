// The brute-force kernel run inside each worker thread. It is kept as a plain JavaScript string
// and started with `new Worker(source, { eval: true })` so the same code runs from `src/` (vitest,
// where a .ts worker file could not be loaded by Node) and from the bundled `dist/` (where tsup
// would otherwise have to emit and locate a second entry).
//
// Why it looks the way it does:
// - Queries are processed in blocks of 8 against each base vector: one pass over the base
//   (150 MB at 100k × 384) serves 8 queries, so the run is compute-bound, not memory-bound.
// - Each query's sum runs sequentially over the dimensions in double precision, in the same order
//   as fixtures' `distance()`, so distances are bit-identical to `exactTopK`.
// - A bounded max-heap of typed arrays per query (worst kept neighbour at the root); ties go to
//   the smaller index, like `exactTopK`. NaN (cosine of a zero vector) sorts last.

/** @internal JavaScript source of the worker. */
export const GROUND_TRUTH_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { base, norms, mask, n, dim, queries, k, metric } = workerData;
const X = new Float32Array(base);
const NX = norms ? new Float64Array(norms) : null;
const M = mask ? new Uint8Array(mask) : null;
const Q = new Float32Array(queries);
const nq = Q.length / dim;
const outIdx = new Int32Array(nq * k).fill(-1);
const outDist = new Float64Array(nq * k).fill(Infinity);
const sizes = new Int32Array(nq);
// Worst kept key per query once its heap is full: most candidates are rejected with one compare.
const thresh = new Float64Array(nq).fill(Infinity);
const B = 8;
const sums = new Float64Array(B);
const qn = new Float64Array(nq);
if (metric === 'cosine') {
  for (let q = 0; q < nq; q++) { let s = 0; const o = q * dim; for (let d = 0; d < dim; d++) s += Q[o + d] * Q[o + d]; qn[q] = s; }
}
function worse(da, ia, db, ib) {
  // true when (da, ia) ranks after (db, ib)
  const an = da !== da, bn = db !== db;
  if (an !== bn) return an;
  if (!an && da !== db) return da > db;
  return ia > ib;
}
function offer(q, dist, idx) {
  const o = q * k;
  let size = sizes[q];
  if (size < k) {
    let i = size++;
    sizes[q] = size;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(dist, idx, outDist[o + p], outIdx[o + p])) break;
      outDist[o + i] = outDist[o + p]; outIdx[o + i] = outIdx[o + p];
      i = p;
    }
    outDist[o + i] = dist; outIdx[o + i] = idx;
    if (size === k && outDist[o] === outDist[o]) thresh[q] = outDist[o];
    return;
  }
  if (!worse(outDist[o], outIdx[o], dist, idx)) return;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1, r = l + 1;
    let w = -1, wd = dist, wi = idx;
    if (l < k && worse(outDist[o + l], outIdx[o + l], wd, wi)) { w = l; wd = outDist[o + l]; wi = outIdx[o + l]; }
    if (r < k && worse(outDist[o + r], outIdx[o + r], wd, wi)) { w = r; wd = outDist[o + r]; wi = outIdx[o + r]; }
    if (w < 0) break;
    outDist[o + i] = wd; outIdx[o + i] = wi;
    i = w;
  }
  outDist[o + i] = dist; outIdx[o + i] = idx;
  if (outDist[o] === outDist[o]) thresh[q] = outDist[o];
}
// Queries widened to float64 once, so the hot loop converts only the base element.
const Q64 = Float64Array.from(Q);
for (let q0 = 0; q0 < nq; q0 += B) {
  const nb = Math.min(B, nq - q0);
  const o0 = q0 * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim, o4 = o3 + dim, o5 = o4 + dim, o6 = o5 + dim, o7 = o6 + dim;
  for (let j = 0; j < n; j++) {
    if (M !== null && M[j] === 0) continue;
    const xo = j * dim;
    if (nb === 8) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let d = 0; d < dim; d++) {
        const x = X[xo + d];
        s0 += x * Q64[o0 + d]; s1 += x * Q64[o1 + d]; s2 += x * Q64[o2 + d]; s3 += x * Q64[o3 + d];
        s4 += x * Q64[o4 + d]; s5 += x * Q64[o5 + d]; s6 += x * Q64[o6 + d]; s7 += x * Q64[o7 + d];
      }
      sums[0] = s0; sums[1] = s1; sums[2] = s2; sums[3] = s3; sums[4] = s4; sums[5] = s5; sums[6] = s6; sums[7] = s7;
    } else {
      for (let b = 0; b < nb; b++) { let s = 0; const qo = o0 + b * dim; for (let d = 0; d < dim; d++) s += X[xo + d] * Q64[qo + d]; sums[b] = s; }
    }
    if (metric === 'l2') {
      // Ranking key only: |x|^2 - 2 x.q (|q|^2 is the same for every candidate); the caller
      // recomputes exact distances of the kept neighbours.
      const nx = NX[j];
      for (let b = 0; b < nb; b++) { const v = nx - 2 * sums[b]; if (v <= thresh[q0 + b]) offer(q0 + b, v, j); }
    } else if (metric === 'ip') {
      for (let b = 0; b < nb; b++) { const v = -sums[b]; if (v <= thresh[q0 + b]) offer(q0 + b, v, j); }
    } else {
      const nx = NX[j];
      for (let b = 0; b < nb; b++) {
        const nq2 = qn[q0 + b];
        offer(q0 + b, nx === 0 || nq2 === 0 ? NaN : 1 - sums[b] / Math.sqrt(nx * nq2), j);
      }
    }
  }
}
parentPort.postMessage({ idx: outIdx, dist: outDist, sizes }, [outIdx.buffer, outDist.buffer, sizes.buffer]);
`;
