import type { SfCase } from '../_internal/case-kit.js';
import { sf007, sf008 } from './errors.js';
import { sf009, sf010, sf011 } from './results.js';
import { sf001, sf002, sf003, sf004 } from './seed.js';
import { sf012, sf015 } from './session.js';
import { sf013 } from './tls.js';
import { sf014 } from './transactions.js';
import { sf005, sf006 } from './types.js';

/** Every Snowflake case, in ID order. */
export const snowflakeCases: readonly SfCase[] = [sf001, sf002, sf003, sf004, sf005, sf006, sf007, sf008, sf009, sf010, sf011, sf012, sf013, sf014, sf015];
