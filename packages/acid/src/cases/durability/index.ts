import type { Case } from '@helios-conformance/core';
import type { AcidTarget } from '../../target.js';
import { durabilityAfterKill } from './kill-restart.js';

/** The durability case (AC-130, destructive): acknowledged commits survive kill -9 and restart. */
export const durabilityCases: readonly Case<AcidTarget>[] = [durabilityAfterKill];
