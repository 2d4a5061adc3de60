import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkIds, renderCatalogMarkdown, type IdRegistry } from '@helios-conformance/core';
import { acidSuite } from '../src/index.js';
import pkg from '../package.json' with { type: 'json' };
import { ACID_SUITE_VERSION } from '../src/suite.js';

describe('docs/cases.md', () => {
  it('is generated from the current catalog (regenerate with `npm run build && npm run docs`)', () => {
    const committed = readFileSync(new URL('../docs/cases.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderCatalogMarkdown(acidSuite));
  });
});

describe('catalog', () => {
  it('registers every case in ids.json (add new ones with `node scripts/gen-ids.mjs`)', () => {
    const registry = JSON.parse(readFileSync(new URL('../ids.json', import.meta.url), 'utf8')) as IdRegistry;
    expect(checkIds(acidSuite.cases, registry, registry)).toEqual([]);
  });
  it('has the matrix (AC-001…) and the workload cases (AC-100…AC-199)', () => {
    const ids = acidSuite.cases.map((c) => c.id);
    expect(ids.filter((id) => /^AC-0\d\d$/.test(id)).length).toBeGreaterThan(0);
    expect(ids.filter((id) => /^AC-1\d\d$/.test(id)).sort()).toEqual(['AC-100', 'AC-101', 'AC-102', 'AC-103', 'AC-104', 'AC-110', 'AC-111', 'AC-120', 'AC-121', 'AC-130']);
    expect(acidSuite.cases.find((c) => c.id === 'AC-130')!.destructive).toBe(true);
  });
  it('keeps the suite version equal to package.json', () => {
    expect(ACID_SUITE_VERSION).toBe(pkg.version);
  });
});
