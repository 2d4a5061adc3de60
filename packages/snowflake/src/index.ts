/**
 * @helios-conformance/snowflake — Snowflake REST/JSON protocol conformance suite (Silver), driven
 * by the official snowflake-sdk.
 *
 * Three ways to run it: the `helios-snowflake` CLI, `registerSnowflakeSuite()` from
 * `@helios-conformance/snowflake/vitest`, or the plain data in {@link snowflakeCases}.
 * {@link startReferenceEndpoint} is the protocol reference endpoint the suite runs against by
 * default (a local stand-in: not Snowflake).
 */
export { snowflakeSuite, openSnowflake, SNOWFLAKE_SUITE_VERSION } from './suite.js';
export { snowflakeCases } from './cases/index.js';
export { parseSnowflakeDsn, SNOWFLAKE_DSN_EXAMPLE, type SnowflakeDsn } from './_internal/dsn.js';
export type { SnowflakeTarget } from './target.js';
export {
  startReferenceEndpoint,
  REFERENCE_LABEL,
  REFERENCE_VERSION,
  REFERENCE_MUTANTS,
  type ReferenceEndpoint,
  type ReferenceEndpointOptions,
  type ReferenceMutant,
  type ReferenceTls,
} from './reference/endpoint.js';
