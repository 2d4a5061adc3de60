#!/usr/bin/env node
// Writes docs/cases.md from the case catalog of the built package (run `npm run build` first).
// test/docs.test.ts fails when the committed page differs from what this script would write.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCatalogMarkdown } from '@helios-conformance/core';
import { acidSuite } from '../dist/index.js';

const out = fileURLToPath(new URL('../docs/cases.md', import.meta.url));
writeFileSync(out, renderCatalogMarkdown(acidSuite));
console.log(`wrote ${out} (${acidSuite.cases.length} cases)`);
