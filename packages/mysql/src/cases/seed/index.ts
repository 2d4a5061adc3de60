import type { MyCase } from '../../_internal/case-kit.js';
import { kyselyRoundTrip, mariadbConnector } from './drivers.js';
import { errorNumbers } from './errors.js';
import { preparedStatements, selectOne } from './queries.js';
import { autocommit } from './transactions.js';

/** The seed cases MY-001…MY-006, ported to Node clients (each in the area it judges). */
export const seedCases: readonly MyCase[] = [selectOne, preparedStatements, autocommit, mariadbConnector, errorNumbers, kyselyRoundTrip];
