import type { Case } from '@helios-conformance/core';
import type { HaDrTarget } from '../target.js';
import { failbackReintegration } from './failover/failback.js';
import { failoverTiming, isolatedPrimaryLost } from './failover/failover.js';

/** Every case of the suite, in run order. */
export const haDrCases: readonly Case<HaDrTarget>[] = Object.freeze([failoverTiming, isolatedPrimaryLost, failbackReintegration]);
