// Way 2 of running the suite: inside a vendor's own vitest run. This file *is* such a run, through
// the binding hc-kit generates (dist/vitest.js), against the shared PGlite + pgvector, on a handful
// of recall and storage cases. (The embedded default is the CLI test's whole-catalog run.)
import type { RegisterOptions } from '@helios-conformance/core/vitest';
import { testServer } from '@helios-conformance/suite-kit';

// Not a static import: the binding exists only after `npm run build`, and typecheck runs before it.
const binding = new URL('../dist/vitest.js', import.meta.url).href;
const { registerVectorSuite } = (await import(binding)) as { registerVectorSuite(o: RegisterOptions): void };

registerVectorSuite({
  dsn: testServer('pglite').dsn,
  only: ['VEC-005', 'VEC-100', 'VEC-103', 'VEC-104', 'VEC-105', 'VEC-109'],
  openTimeoutMs: 60_000,
});
