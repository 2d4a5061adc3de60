// The scripted matrix and the list-append checker must agree. For each server and level below,
// the matrix outcomes of the anomalies list-append can express (P4 lost update, G-single read
// skew, G2-item write skew, and G0/G1 for the prevented side) come from the run's one matrix
// of that server (helpers' reported()); then a contended list-append run (few keys, many
// clients) at the same level on the same server is checked:
//   - an anomaly the matrix observed as allowed must show up as one of the checker classes it
//     implies (runs are repeated, up to ATTEMPTS times, until it does);
//   - an anomaly the matrix observed as prevented must not show up at all.
// OTV, PMP and G2 (predicate) have no list-append counterpart (list-append has no predicate
// reads) and are not compared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@helios-conformance/core';
import { openSqlEndpoint, type IsolationLevel, type SqlEndpoint } from '@helios-conformance/sql';
import { testServer } from '@helios-conformance/suite-kit';
import type { AnomalyId, IsolationSection } from '../src/matrix/index.js';
import { listAppendVerdict } from '../src/workload/list-append-verdict.js';
import { runListAppend } from '../src/workload/list-append.js';
import { reported } from './helpers.js';

/** Checker classes (as the list-append verdict names them) that each matrix anomaly implies. */
const IMPLIES: Partial<Record<AnomalyId, readonly string[]>> = {
  G0: ['G0'],
  G1a: ['G1a'],
  G1b: ['G1b'],
  G1c: ['G1c'],
  P4: ['lost-update'],
  'G-single': ['G-single', 'nonrepeatable-read'],
  // Adya's G2-item is any cycle with an item anti-dependency: a G-single cycle is one too.
  'G2-item': ['G2-item', 'G-single'],
};
const COMPARED = Object.keys(IMPLIES) as AnomalyId[];
const ATTEMPTS = 4;

interface Agreement {
  matrix: Partial<Record<AnomalyId, string>>;
  found: Record<string, number>;
  runs: number;
}

type ServerName = 'postgres' | 'mariadb' | 'mariadbSnapshot';

async function agreement(server: ServerName, ep: SqlEndpoint, level: IsolationLevel, seed: number): Promise<Agreement> {
  const row = ((await reported(server)).report.sections.isolation as IsolationSection).matrix[level] ?? {};
  const matrix: Partial<Record<AnomalyId, string>> = {};
  for (const id of COMPARED) matrix[id] = row[id]?.outcome;
  const wanted = COMPARED.filter((id) => matrix[id] === 'allowed');
  const found: Record<string, number> = {};
  let runs = 0;
  const satisfied = (): boolean => wanted.every((id) => IMPLIES[id]!.some((c) => (found[c] ?? 0) > 0));
  while (runs < ATTEMPTS && (runs === 0 || !satisfied())) {
    const run = await runListAppend({
      endpoint: ep,
      level,
      clients: 10,
      keys: 2,
      txns: 500,
      readRatio: 0.5,
      maxOpsPerTxn: 4,
      rng: createRng(seed + runs),
      durationMs: 6_000,
      signal: AbortSignal.timeout(60_000),
    });
    runs++;
    for (const [c, n] of Object.entries(listAppendVerdict(run).anomalies)) found[c] = (found[c] ?? 0) + n;
  }
  return { matrix, found, runs };
}

function expectAgreement(a: Agreement): void {
  const report = JSON.stringify(a);
  for (const id of COMPARED) {
    const classes = IMPLIES[id]!;
    const seen = classes.filter((c) => (a.found[c] ?? 0) > 0);
    expect(['allowed', 'prevented'], `matrix: ${id} must have been carried out: ${report}`).toContain(a.matrix[id]);
    if (a.matrix[id] === 'allowed') expect(seen.length, `matrix: ${id} allowed, checker should find one of ${classes.join('/')}: ${report}`).toBeGreaterThan(0);
    if (a.matrix[id] === 'prevented') expect(seen, `matrix: ${id} prevented, checker must find none of ${classes.join('/')}: ${report}`).toEqual([]);
  }
}

function onServer(name: ServerName): () => SqlEndpoint {
  let ep: SqlEndpoint | undefined;
  beforeAll(async () => {
    await reported(name);
    ep = await openSqlEndpoint(testServer(name).dsn);
  }, 400_000);
  afterAll(async () => {
    await ep?.close();
  });
  return () => ep!;
}

describe('PostgreSQL 15: matrix and checker agree', () => {
  const ep = onServer('postgres');

  it('at read committed: read skew and lost update allowed by both', async () => {
    const a = await agreement('postgres', ep(), 'read committed', 11);
    console.log('PG read committed', JSON.stringify(a));
    expect(a.matrix['G-single']).toBe('allowed');
    expectAgreement(a);
  }, 120_000);

  it('at repeatable read: write skew (G2-item) allowed by both; lost update and read skew prevented by both', async () => {
    const a = await agreement('postgres', ep(), 'repeatable read', 21);
    console.log('PG repeatable read', JSON.stringify(a));
    expect(a.matrix['G2-item']).toBe('allowed');
    expectAgreement(a);
  }, 120_000);

  it('at serializable: the matrix prevents everything and the checker finds nothing', async () => {
    const a = await agreement('postgres', ep(), 'serializable', 31);
    console.log('PG serializable', JSON.stringify(a));
    expect(Object.values(a.matrix).every((o) => o === 'prevented')).toBe(true);
    expect(a.found).toEqual({});
  }, 120_000);
});

describe('MariaDB 10.11: matrix and checker agree', () => {
  const ep = onServer('mariadb');

  it('at repeatable read: lost update (P4) allowed by both', async () => {
    const a = await agreement('mariadb', ep(), 'repeatable read', 41);
    console.log('MariaDB repeatable read', JSON.stringify(a));
    expect(a.matrix.P4).toBe('allowed');
    expectAgreement(a);
  }, 120_000);

  it('at serializable: the matrix prevents everything and the checker finds nothing', async () => {
    const a = await agreement('mariadb', ep(), 'serializable', 51);
    console.log('MariaDB serializable', JSON.stringify(a));
    expect(Object.values(a.matrix).every((o) => o === 'prevented')).toBe(true);
    expect(a.found).toEqual({});
  }, 120_000);
});

describe('MariaDB 10.11 with innodb_snapshot_isolation=ON: matrix and checker agree', () => {
  const ep = onServer('mariadbSnapshot');

  it('at repeatable read: write skew allowed by both; lost update and read skew prevented (1020) by both', async () => {
    const a = await agreement('mariadbSnapshot', ep(), 'repeatable read', 61);
    console.log('MariaDB snapshot repeatable read', JSON.stringify(a));
    expect(a.matrix).toMatchObject({ P4: 'prevented', 'G-single': 'prevented', 'G2-item': 'allowed' });
    expectAgreement(a);
  }, 120_000);

  it('at serializable: the matrix prevents everything and the checker finds nothing', async () => {
    const a = await agreement('mariadbSnapshot', ep(), 'serializable', 71);
    console.log('MariaDB snapshot serializable', JSON.stringify(a));
    expect(Object.values(a.matrix).every((o) => o === 'prevented')).toBe(true);
    expect(a.found).toEqual({});
  }, 120_000);
});
