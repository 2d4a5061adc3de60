// The brute-force kernel run inside each worker thread. It is kept as a plain JavaScript string
// and started with `new Worker(source, { eval: true })` so the same code runs from `src/` (vitest,
// where a .ts worker file could not be loaded by Node) and from the bundled `dist/` (where tsup
// would otherwise have to emit and locate a second entry).
//
// Why it looks the way it does:
// - The dot products come from the WebAssembly kernel (`dot-kernel.ts`): 16 queries per pass
//   over the base, in chunks of rows, over one shared memory that holds the base once for all
//   workers; this worker owns its own query and output regions of that memory.
// - Each query's sum runs sequentially over the dimensions in double precision, in the same order
//   as fixtures' `distance()`, so distances are bit-identical to `exactTopK`.
// - A bounded max-heap of typed arrays per query (worst kept neighbour at the root); ties go to
//   the smaller index, like `exactTopK`. NaN (cosine of a zero vector) sorts last.

/** @internal JavaScript source of the worker. */
export const GROUND_TRUTH_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { memory, kernel, norms, n, dim, queries, k, metric, qPtr, outPtr, chunk } = workerData;
const dots = new WebAssembly.Instance(kernel, { env: { mem: memory } }).exports.dots;
const NX = norms ? new Float64Array(norms) : null;
const Q = new Float32Array(queries);
const nq = Q.length / dim;
const outIdx = new Int32Array(nq * k).fill(-1);
const outDist = new Float64Array(nq * k).fill(Infinity);
const sizes = new Int32Array(nq);
// Worst kept key per query once its heap is full: most candidates are rejected with one compare.
const thresh = new Float64Array(nq).fill(Infinity);
const B = 16;
const QI = new Float64Array(memory.buffer, qPtr, dim * B);
const OUT = new Float64Array(memory.buffer, outPtr, chunk * B);
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
for (let q0 = 0; q0 < nq; q0 += B) {
  const nb = Math.min(B, nq - q0);
  // Interleave this block's queries (element d of query b at d * 16 + b); missing lanes stay 0.
  QI.fill(0);
  for (let b = 0; b < nb; b++) { const o = (q0 + b) * dim; for (let d = 0; d < dim; d++) QI[d * B + b] = Q[o + d]; }
  for (let j0 = 0; j0 < n; j0 += chunk) {
    const rows = Math.min(chunk, n - j0);
    dots(j0 * dim * 4, rows, dim, qPtr, outPtr);
    for (let r = 0; r < rows; r++) {
      const j = j0 + r, so = r * B;
      if (metric === 'l2') {
        // Ranking key only: |x|^2 - 2 x.q (|q|^2 is the same for every candidate); the caller
        // recomputes exact distances of the kept neighbours.
        const nx = NX[j];
        for (let b = 0; b < nb; b++) { const v = nx - 2 * OUT[so + b]; if (v <= thresh[q0 + b]) offer(q0 + b, v, j); }
      } else if (metric === 'ip') {
        for (let b = 0; b < nb; b++) { const v = -OUT[so + b]; if (v <= thresh[q0 + b]) offer(q0 + b, v, j); }
      } else {
        const nx = NX[j];
        for (let b = 0; b < nb; b++) {
          const nq2 = qn[q0 + b];
          offer(q0 + b, nx === 0 || nq2 === 0 ? NaN : 1 - OUT[so + b] / Math.sqrt(nx * nq2), j);
        }
      }
    }
  }
}
parentPort.postMessage({ idx: outIdx, dist: outDist, sizes }, [outIdx.buffer, outDist.buffer, sizes.buffer]);
`;
