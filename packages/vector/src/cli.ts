#!/usr/bin/env node
import { main } from '@helios-conformance/core';
import { vectorSuite } from './suite.js';

await main(vectorSuite);
