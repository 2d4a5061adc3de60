import type { Case } from '@helios-conformance/core';
import type { AcidTarget } from '../target.js';
import { atomicityCases } from './atomicity.js';
import { bankCases } from './bank.js';
import { durabilityCases } from './durability.js';
import { listAppendCases } from './list-append.js';

export { listAppendCases, listAppendVerdict, forbiddenAnomalies, LEVEL_MODEL, type ListAppendVerdict } from './list-append.js';
export { bankCases, type BankVerdict } from './bank.js';
export { atomicityCases, type AtomicityObservation, type Vanish } from './atomicity.js';
export { durabilityCases, type DurabilityObservation } from './durability.js';
export { SIZES, type WorkloadSizes } from './_internal/sizes.js';

/** The randomized and crash cases (AC-100…AC-199): list-append per level, bank, atomicity, durability. */
export const workloadCases: readonly Case<AcidTarget>[] = [...listAppendCases, ...bankCases, ...atomicityCases, ...durabilityCases];
