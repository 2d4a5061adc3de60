import type { Case } from '@helios-conformance/core';
import type { AcidTarget } from '../target.js';
import { atomicityCases } from './atomicity/index.js';
import { bankCases } from './bank/index.js';
import { durabilityCases } from './durability/index.js';
import { isolationCases } from './isolation/index.js';
import { listAppendCases } from './list-append/index.js';

export { isolationCases, listAppendCases, bankCases, atomicityCases, durabilityCases };
export type { AtomicityObservation, Vanish } from './atomicity/vanishing-writer.js';
export type { DurabilityObservation } from './durability/kill-restart.js';

/** The acid catalog, area by area in catalog order. */
export const acidCases: readonly Case<AcidTarget>[] = [...isolationCases, ...listAppendCases, ...bankCases, ...atomicityCases, ...durabilityCases];

/** The scripted-matrix cases (AC-001…AC-008), under their earlier name. */
export const matrixCases: readonly Case<AcidTarget>[] = isolationCases;

/** The randomized and crash cases (AC-100…AC-199), under their earlier name. */
export const workloadCases: readonly Case<AcidTarget>[] = [...listAppendCases, ...bankCases, ...atomicityCases, ...durabilityCases];
