#!/usr/bin/env node
import { main } from '@helios-conformance/core';
import { acidSuite } from './suite.js';

await main(acidSuite);
