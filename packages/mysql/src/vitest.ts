import { registerSuite, type RegisterOptions } from '@helios-conformance/core/vitest';
import { mysqlSuite } from './suite.js';

/** Options of {@link registerMysqlSuite}: core's `RegisterOptions` (dsn, expectations, only, priorities, …). */
export type RegisterMysqlOptions = RegisterOptions;

/**
 * Registers the MySQL suite in the calling vitest file: one `describe` per area, one test
 * per case. A `dsn` is required (there is no embedded MySQL-compatible server on npm).
 *
 * ```ts
 * import { registerMysqlSuite } from '@helios-conformance/mysql/vitest';
 * registerMysqlSuite({ dsn: process.env.MYSQL_URL, expectations: './mysql-expectations.json' });
 * ```
 */
export function registerMysqlSuite(options: RegisterMysqlOptions = {}): void {
  registerSuite(mysqlSuite, options);
}

export { mysqlSuite } from './suite.js';
