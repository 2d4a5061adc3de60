/**
 * @helios-conformance/vector — vector search conformance: recall@k, filtered ANN, ef_search
 * sweep, latency and build time, for pgvector (and Pinecone-compatible endpoints).
 *
 * Three ways to run it: the `helios-vector` CLI, `registerVectorSuite()` from
 * `@helios-conformance/vector/vitest`, or the plain data in {@link vectorCases}.
 */
export { vectorSuite, openVector, VECTOR_SUITE_VERSION } from './suite.js';
export { vectorCases, searchCases } from './cases/index.js';
export { RECALL_THRESHOLD, efSearchFor, IVF_THRESHOLD, IVF_PROBES } from './cases/recall/index.js';
export { FILTERED_THRESHOLD } from './cases/filtered/index.js';
export { SWEEP_EF } from './cases/sweep/index.js';
export { pineconeCases } from './cases/pinecone/index.js';
export { storageCases, type StorageIntrospection } from './cases/storage/index.js';
export { fromPgvector, classifyPlan, toVectorLiteral, parseVectorLiteral, type PgvectorStore, type PgvectorOptions } from './adapters/pgvector.js';
export { exactGroundTruth, maskFrom, type GroundTruth, type GroundTruthInput } from './ground-truth.js';
export { renderVectorConsole, renderVectorHtml, SIMULATED_LABEL } from './report.js';
export type * from './adapter.js';
export type { VectorTarget, VectorSize } from './target.js';
