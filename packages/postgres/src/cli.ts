#!/usr/bin/env node
import { main } from '@helios-conformance/core';
import { postgresSuite } from './suite.js';

await main(postgresSuite);
