#!/usr/bin/env node
// Times the kit's exact ground truth: 100k × 384 base, 1,000 queries, k = 100 (goal ≤ 10 s on 2 cores).
// Usage: npm run build -w @helios-conformance/vector && npm run bench -w @helios-conformance/vector
//        [-- --count N --dim D --queries Q --k K --metric l2|cosine|ip --threads T]
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { exactGroundTruth } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '384' },
    queries: { type: 'string', default: '1000' },
    k: { type: 'string', default: '100' },
    metric: { type: 'string', default: 'l2' },
    threads: { type: 'string' },
  },
});
const n = Number(values.count);
const dim = Number(values.dim);
const nq = Number(values.queries);
const k = Number(values.k);
// A cheap deterministic generator: the figure is about arithmetic, not about the data's shape.
let s = 42;
const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const base = new Float32Array(n * dim).map(rnd);
const queries = new Float32Array(nq * dim).map(rnd);
const threads = values.threads ? Number(values.threads) : availableParallelism();
const gt = await exactGroundTruth({ base, queries, dim, k, metric: values.metric, threads });
const secs = gt.ms / 1000;
console.log(`ground truth: ${n} × ${dim} base, ${nq} queries, k=${k}, metric=${values.metric}, ${gt.threads} worker threads: ${secs.toFixed(2)} s (goal ≤ 10 s on 2 cores: ${secs <= 10 ? 'met' : 'NOT met'})`);
console.log(`reproduce: npm run build -w @helios-conformance/vector && npm run bench -w @helios-conformance/vector`);
