import type { Case } from '@helios-conformance/core';
import type { AcidTarget } from '../../target.js';
import { listAppendReadCommitted, listAppendReadUncommitted, listAppendRepeatableRead, listAppendSerializable, listAppendSnapshot } from './histories.js';

/** The list-append (Elle-style history checking) cases, one per isolation level (AC-100…AC-104). */
export const listAppendCases: readonly Case<AcidTarget>[] = [
  listAppendReadUncommitted,
  listAppendReadCommitted,
  listAppendRepeatableRead,
  listAppendSnapshot,
  listAppendSerializable,
];
