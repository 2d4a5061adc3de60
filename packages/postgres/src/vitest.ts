import { registerSuite, type RegisterOptions } from '@helios-conformance/core/vitest';
import { postgresSuite } from './suite.js';

/** Options of {@link registerPostgresSuite}: core's `RegisterOptions` (dsn, expectations, only, priorities, …). */
export type RegisterPostgresOptions = RegisterOptions;

/**
 * Registers the PostgreSQL suite in the calling vitest file: one `describe` per area, one
 * test per case. Without `dsn` it runs against an embedded PGlite in a child process.
 *
 * ```ts
 * import { registerPostgresSuite } from '@helios-conformance/postgres/vitest';
 * registerPostgresSuite({ dsn: process.env.DATABASE_URL, expectations: './pg-expectations.json' });
 * ```
 */
export function registerPostgresSuite(options: RegisterPostgresOptions = {}): void {
  registerSuite(postgresSuite, options);
}
