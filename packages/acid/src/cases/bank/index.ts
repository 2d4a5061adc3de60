import type { Case } from '@helios-conformance/core';
import type { AcidTarget } from '../../target.js';
import { bankRepeatableRead, bankSerializable } from './transfers.js';

/** The bank cases (AC-110, AC-111): concurrent transfers and whole-table reads; money is never made or lost. */
export const bankCases: readonly Case<AcidTarget>[] = [bankSerializable, bankRepeatableRead];
