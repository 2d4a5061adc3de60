#!/usr/bin/env node
// Adds every case of the built catalog that ids.json does not know yet (append-only: existing
// entries, retired ones included, are never changed or removed). Run `npm run build` first.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { acidSuite } from '../dist/index.js';

const file = fileURLToPath(new URL('../ids.json', import.meta.url));
const registry = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
let added = 0;
for (const c of acidSuite.cases) {
  if (registry[c.id]) continue;
  registry[c.id] = { title: c.title, since: c.since };
  added++;
}
const sorted = Object.fromEntries(Object.entries(registry).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(file, JSON.stringify(sorted, null, 2) + '\n');
console.log(`ids.json: ${added} added, ${Object.keys(sorted).length} registered`);
