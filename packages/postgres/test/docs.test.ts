import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { renderCatalogMarkdown } from '@helios-conformance/core';
import { postgresSuite } from '../src/index.js';

describe('docs/cases.md', () => {
  it('is generated from the current catalog (regenerate with `npm run build && npm run docs`)', () => {
    const committed = readFileSync(new URL('../docs/cases.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderCatalogMarkdown(postgresSuite));
  });
});
