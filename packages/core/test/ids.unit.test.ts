import { describe, it, expect } from 'vitest';
import { checkIds, registryFor } from '../src/index.js';

describe('ids.json registry', () => {
  const cases = [{ id: 'PG-001', title: 'a', since: '0.1.0' }, { id: 'PG-002', title: 'b', since: '0.1.0' }];
  it('accepts a catalog that matches its registry', () => {
    expect(checkIds(cases, registryFor(cases))).toEqual([]);
  });
  it('fails on an unregistered, removed, reused or deleted ID', () => {
    const reg = registryFor(cases);
    expect(checkIds([...cases, { id: 'PG-003' }], reg)).toEqual(['PG-003 is in the catalog but not registered in ids.json']);
    expect(checkIds(cases.slice(0, 1), reg)[0]).toMatch(/PG-002 was removed from the catalog/);
    expect(checkIds(cases, { ...reg, 'PG-002': { title: 'b', since: '0.1.0', retired: '0.2.0' } })[0]).toMatch(/PG-002 was retired in 0.2.0/);
    expect(checkIds(cases, reg, { ...reg, 'PG-000': { title: 'z', since: '0.0.1' } })).toEqual(['PG-000 was deleted from ids.json; the registry is append-only']);
  });
});
