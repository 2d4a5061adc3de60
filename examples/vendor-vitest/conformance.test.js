// A vendor's own test file: the Helios PostgreSQL suite, pinned by version, inside their vitest run.
// HC_DSN points at the vendor's endpoint; without it the suite starts its embedded PGlite.
import { registerSuite } from '@helios-conformance/core/vitest';
import { postgresSuite } from '@helios-conformance/postgres';

registerSuite(postgresSuite, {
  dsn: process.env.HC_DSN || undefined,
  // The known gaps of *your* endpoint, each with the reason that was observed (optional). Without
  // it, the suite applies the expectations it ships for the endpoint it reached (PGlite's, for
  // the embedded default) and a real PostgreSQL is judged bare; shippedExpectations: false turns that off.
  expectations: process.env.HC_EXPECTATIONS || undefined,
  only: (process.env.HC_ONLY ?? 'PG-001,PG-002,PG-003,PG-005,PG-008').split(','),
  seed: 42,
});
