#!/usr/bin/env node
import { main } from '@helios-conformance/core';
import { mysqlSuite } from './suite.js';

await main(mysqlSuite);
