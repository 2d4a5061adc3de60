import type { Case } from '@helios-conformance/core';
import type { AcidTarget } from '../../target.js';
import { atomicityDisconnected, atomicityKilled } from './vanishing-writer.js';

/** The atomicity cases (AC-120, AC-121): a transaction whose session vanishes before COMMIT leaves nothing behind. */
export const atomicityCases: readonly Case<AcidTarget>[] = [atomicityKilled, atomicityDisconnected];
