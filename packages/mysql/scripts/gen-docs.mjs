// Regenerates docs/cases.md and registers new IDs in ids.json (append-only) from the built catalog.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registryFor } from '@helios-conformance/core';
import { mysqlCases, mysqlSuite, renderCasesMarkdown } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
writeFileSync(`${root}docs/cases.md`, renderCasesMarkdown(mysqlCases, mysqlSuite));
const idsPath = `${root}ids.json`;
const existing = existsSync(idsPath) ? JSON.parse(readFileSync(idsPath, 'utf8')) : {};
writeFileSync(idsPath, `${JSON.stringify(registryFor(mysqlCases, existing), null, 2)}\n`);
console.log(`wrote docs/cases.md and ids.json (${mysqlCases.length} cases)`);
