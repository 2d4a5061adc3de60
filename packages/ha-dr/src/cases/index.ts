import type { Case } from '@helios-conformance/core';
import type { HaDrTarget } from '../target.js';
import { backupChain, backupCorruption } from './backup/backup.js';
import { concurrentBackups } from './backup/concurrent.js';
import { dataFileCorruption } from './backup/data-corruption.js';
import { pointInTimeRecovery } from './backup/pitr.js';
import { regionReplication } from './backup/regions.js';
import { clockSkew, diskFull, primaryPause, vacuumRestartIntegrity } from './chaos/chaos.js';
import { cascadingFailures } from './failover/cascade.js';
import { leaderElection } from './failover/election.js';
import { failbackReintegration } from './failover/failback.js';
import { failoverTiming, isolatedPrimaryLost } from './failover/failover.js';
import { galeraQuorumLoss, galeraSplitBrain } from './failover/galera.js';
import { splitBrainPrevention } from './failover/split-brain.js';
import { witnessQuorum } from './failover/witness.js';

/** Every case of the suite, in run order (TC-BR-004 last: it leaves a damaged backup set in the repository). */
export const haDrCases: readonly Case<HaDrTarget>[] = Object.freeze([failoverTiming, isolatedPrimaryLost, failbackReintegration, leaderElection, splitBrainPrevention, witnessQuorum, cascadingFailures, galeraQuorumLoss, galeraSplitBrain, primaryPause, clockSkew, diskFull, vacuumRestartIntegrity, backupChain, pointInTimeRecovery, regionReplication, concurrentBackups, dataFileCorruption, backupCorruption]);
