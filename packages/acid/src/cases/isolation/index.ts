import type { Case } from '@helios-conformance/core';
import type { AcidTarget } from '../../target.js';
import {
  readCommittedPrevents,
  readUncommittedPrevents,
  repeatableReadAsNamed,
  repeatableReadPrevents,
  serializablePrevents,
  snapshotAsNamed,
  snapshotPrevents,
} from './level-promises.js';
import { readCommittedVisibility } from './read-committed-visibility.js';

/**
 * The scripted-matrix cases (AC-001…AC-008): per isolation level a P0 case (what every
 * implementation of the name must prevent) — and for repeatable read and snapshot a P1 case
 * (what the ANSI name promises beyond that) — each running the level's row of the matrix and
 * writing it to `target.sections.isolation`; plus the seed's read-committed visibility case.
 */
export const isolationCases: readonly Case<AcidTarget>[] = [
  readUncommittedPrevents,
  readCommittedPrevents,
  repeatableReadPrevents,
  repeatableReadAsNamed,
  snapshotPrevents,
  snapshotAsNamed,
  serializablePrevents,
  readCommittedVisibility,
];
