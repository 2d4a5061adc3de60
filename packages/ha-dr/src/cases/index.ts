import type { Case } from '@helios-conformance/core';
import type { HaDrTarget } from '../target.js';
import { backupChain, backupCorruption } from './backup/backup.js';
import { leaderElection } from './failover/election.js';
import { failbackReintegration } from './failover/failback.js';
import { failoverTiming, isolatedPrimaryLost } from './failover/failover.js';

/** Every case of the suite, in run order (TC-BR-004 last: it leaves a damaged backup set in the repository). */
export const haDrCases: readonly Case<HaDrTarget>[] = Object.freeze([failoverTiming, isolatedPrimaryLost, failbackReintegration, leaderElection, backupChain, backupCorruption]);
