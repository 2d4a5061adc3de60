import { memoryUnderWriteLoad } from './t220-memory-growth.js';
import { cpuUnderInsertLoad } from './t222-cpu.js';
import { memoryReleaseAfterStress } from './t224-memory-release.js';
import { flushDuringStress } from './t226-checkpoint.js';

/** The seed's resource cases (memory, CPU, flushes under load), in the seed's order. */
export const resourceCases = [memoryUnderWriteLoad, cpuUnderInsertLoad, memoryReleaseAfterStress, flushDuringStress] as const;
export { memoryUnderWriteLoad, cpuUnderInsertLoad, memoryReleaseAfterStress, flushDuringStress };
