import type { SfConnection } from './_internal/driver.js';
import type { SnowflakeDsn } from './_internal/dsn.js';

/** What a Snowflake case receives as `ctx.target`. */
export interface SnowflakeTarget {
  /** The run's id; its schema is `HC_<RUNID>`. */
  readonly runId: string;
  /** The run's schema (created at open, dropped at close); every case connection uses it. */
  readonly schema: string;
  /** The endpoint as the DSN gave it (the password is in here: never log it). */
  readonly dsn: SnowflakeDsn;
  /** True when the endpoint is the package's protocol reference endpoint (the run is labelled). */
  readonly reference: boolean;
  /** SF-015's patience: the longest session token validity (seconds) it waits out, `--max-token-wait-s`. */
  readonly maxTokenWaitS: number;
  /** A new snowflake-sdk connection (logged in) in the run's schema; `overrides` replace connection options. */
  connect(overrides?: Record<string, unknown>): Promise<SfConnection>;
}
