import { registerSuite, type RegisterOptions } from '@helios-conformance/core/vitest';
import { acidSuite } from './suite.js';

/** Options of {@link registerAcidSuite}: core's `RegisterOptions` (dsn, expectations, only, priorities, …). */
export type RegisterAcidOptions = RegisterOptions;

/**
 * Registers the acid suite in the calling vitest file: one `describe` per area, one test per
 * case. Without `dsn` it starts a throwaway PostgreSQL 15 from the testbed.
 *
 * ```ts
 * import { registerAcidSuite } from '@helios-conformance/acid/vitest';
 * registerAcidSuite({ dsn: process.env.DATABASE_URL });
 * ```
 */
export function registerAcidSuite(options: RegisterAcidOptions = {}): void {
  registerSuite(acidSuite, options);
}
