import { registerSuite, type RegisterOptions } from '@helios-conformance/core/vitest';
import { vectorSuite } from './suite.js';

/** Options of {@link registerVectorSuite}: core's `RegisterOptions` (dsn, expectations, only, priorities, …). */
export type RegisterVectorOptions = RegisterOptions;

/**
 * Registers the vector suite in the calling vitest file: one `describe` per area, one test per
 * case. Without `dsn` it runs against an embedded PGlite + pgvector in a child process.
 *
 * ```ts
 * import { registerVectorSuite } from '@helios-conformance/vector/vitest';
 * registerVectorSuite({ dsn: process.env.PGVECTOR_URL });
 * ```
 */
export function registerVectorSuite(options: RegisterVectorOptions = {}): void {
  registerSuite(vectorSuite, options);
}
