#!/usr/bin/env node
// Appends the IDs of the built catalog that ids.json does not hold yet (append-only: existing
// entries are never changed or removed; tooling/repo-checks enforces it).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vectorSuite } from '../dist/index.js';

const file = fileURLToPath(new URL('../ids.json', import.meta.url));
const ids = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
let added = 0;
for (const c of vectorSuite.cases) {
  if (ids[c.id]) continue;
  ids[c.id] = { title: c.title, since: c.since };
  added++;
}
const sorted = Object.fromEntries(Object.entries(ids).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`ids.json: ${added} added, ${Object.keys(sorted).length} registered`);
