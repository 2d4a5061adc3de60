import type { Case } from '@helios-conformance/core';
import type { VectorTarget } from '../../target.js';
import { indexBuildTime } from './index-build.js';

/** VEC-042: index build time. */
export const buildCases: readonly Case<VectorTarget>[] = [indexBuildTime];
