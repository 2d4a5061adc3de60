import type { Case } from '@helios-conformance/core';
import type { PgTarget } from '@helios-conformance/sql/postgres';
import { simpleQuery } from './connection/simple-query.js';
import { preparedStatements } from './extended-query/prepared-statements.js';
import { twoSessionVisibility } from './transactions/two-session-visibility.js';
import { serverSideCursor } from './cursors/server-side-cursor.js';
import { sqlstateCodes } from './errors/sqlstate.js';
import { postgresJsRoundTrip } from './drivers/postgres-js.js';
import { kyselyRoundTrip } from './drivers/kysely.js';
import { copyFromStdin } from './copy/copy-from-stdin.js';
import { protocolCases } from './batch-protocol.js';
import { dataCases } from './batch-data.js';
import { behaviourCases } from './batch-behaviour.js';

/** Every case of the suite, in catalog (and run) order. */
export const postgresCases: readonly Case<PgTarget>[] = Object.freeze([
  simpleQuery,
  preparedStatements,
  twoSessionVisibility,
  serverSideCursor,
  sqlstateCodes,
  postgresJsRoundTrip,
  kyselyRoundTrip,
  copyFromStdin,
  ...protocolCases,
  ...dataCases,
  ...behaviourCases,
]);
