// The judging arithmetic of TC-BR-002 (which markers a restore to T must and must not hold), TC-BR-003
// (quantiles) and TC-BR-005 (what a clean refusal says), without a server.
import { describe, expect, it } from 'vitest';
import { CLEAN_REFUSAL, concurrentKinds } from '../src/cases/backup/concurrent.js';
import { judgePitr } from '../src/cases/backup/pitr.js';
import { quantile } from '../src/cases/backup/regions.js';
import type { LedgerEntry } from '../src/ledger.js';
import { commandLine } from '../src/actions.js';
import { parseTopology } from '../src/topology.js';

const m = (id: number, start: number, end: number, outcome: LedgerEntry['outcome'] = 'ack'): LedgerEntry => ({ id, client: 0, start, end, outcome });

describe('judgePitr', () => {
  // Markers 10 ms apart, each acknowledged 4 ms after it was sent; T = 1050, u = 2.
  const entries = [m(1, 1000, 1004), m(2, 1010, 1014), m(3, 1020, 1024), m(4, 1030, 1034), m(5, 1040, 1044), m(6, 1048, 1053), m(7, 1060, 1064), m(8, 1070, 1074), m(9, 1080, 1084, 'failed'), m(10, 1090, 1094, 'in-doubt')];

  it('a cut exactly at T: nothing missing, nothing extra; the marker straddling T is in doubt, not judged', () => {
    const v = judgePitr(entries, new Set([1, 2, 3, 4, 5, 6]), 1050, 2);
    expect(v).toMatchObject({ before: 5, missing: [], after: 2, extra: [], phantoms: [] });
    // marker 6 (1048-1053) meets [1048, 1052]; marker 10 is the ledger's own in-doubt.
    expect(v.inDoubt).toBe(2);
    expect(v.inDoubtPresent).toBe(1);
    expect(v.lastPresentBeforeMs).toBe(6);
    expect(v.firstAbsentAfterMs).toBe(10);
  });

  it('a restore to the end of WAL holds markers sent after T', () => {
    const v = judgePitr(entries, new Set([1, 2, 3, 4, 5, 6, 7, 8]), 1050, 2);
    expect(v.extra).toEqual([7, 8]);
  });

  it('a restore that stops early lacks markers acknowledged before T', () => {
    const v = judgePitr(entries, new Set([1, 2, 3]), 1050, 2);
    expect(v.missing).toEqual([4, 5]);
  });

  it('a failed marker present is a phantom', () => {
    expect(judgePitr(entries, new Set([1, 2, 3, 4, 5, 9]), 1050, 2).phantoms).toEqual([9]);
  });

  it('the clock uncertainty widens the band of markers not judged', () => {
    const v = judgePitr(entries, new Set([1, 2, 3, 4, 5, 6]), 1050, 12);
    expect(v.before).toBe(4);
    expect(v.after).toBe(1);
  });
});

describe('quantile', () => {
  it('nearest rank', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([5], 0.5)).toBe(5);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4, 100], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 100], 1)).toBe(100);
  });
});

describe('TC-BR-005 batch', () => {
  it('starts with a full, then incr and diff alternate', () => {
    expect(concurrentKinds(3)).toEqual(['full', 'incr', 'diff']);
    expect(concurrentKinds(4)).toEqual(['full', 'incr', 'diff', 'incr']);
  });
  it("takes pgBackRest's lock error as a clean refusal, a bare failure not", () => {
    expect(CLEAN_REFUSAL.test("ERROR: [050]: unable to acquire lock on file '/x/lock/hc-backup.lock': Resource temporarily unavailable")).toBe(true);
    expect(CLEAN_REFUSAL.test('backup failed')).toBe(false);
    expect(CLEAN_REFUSAL.test('ERROR: [029]: lz4 error')).toBe(false);
  });
});

describe('SLA table rows of the backup cases', () => {
  it('PITR accuracy and the slowest restore against TC-BR-002 SLAs, region lag (never reached: missed) against TC-BR-003, TC-BR-001 restores without SLA', async () => {
    const { slaRows } = await import('../src/report.js');
    const report = {
      sections: {
        hadr: {
          'TC-BR-001': { timings: { restoreMsMax: 3_000 } },
          'TC-BR-002': { sla: { pitrAccuracyMs: 1_000, pitrRestoreMs: 60_000 }, timings: { pitrAccuracyMs: 27, restoreMsMax: 70_000 } },
          'TC-BR-003': { sla: { regionLagMs: 300_000 }, timings: { regionLagMsMax: null } },
        },
      },
    } as unknown as Parameters<typeof slaRows>[0];
    const rows = slaRows(report);
    const row = (id: string, f: string) => rows.find((r) => r.id === id && r.figure === f);
    expect(row('TC-BR-002', 'PITR accuracy')).toMatchObject({ measured: '0.03 s', within: true });
    expect(row('TC-BR-002', 'slowest restore')).toMatchObject({ measured: '70.00 s', within: false });
    expect(row('TC-BR-003', 'region lag (max)')).toMatchObject({ measured: 'not reached', within: false });
    expect(row('TC-BR-001', 'slowest restore')).toMatchObject({ sla: '—', within: null });
  });
});

describe('topology "repos" (backup repositories as regions, TC-BR-003)', () => {
  const doc = (extra: Record<string, unknown>, actions: Record<string, string> = {}) => ({
    name: 't',
    family: 'postgres',
    clientDsn: 'postgres://u@h:1/d',
    nodes: [
      { name: 'a', dsn: 'postgres://u@h:2/d' },
      { name: 'b', dsn: 'postgres://u@h:3/d' },
    ],
    actions: { backup: 'b {kind} {repo}', restore: 'r {target} {repo}', 'wal-archived': 'w {repo} {segment}', ...actions },
    ...extra,
  });

  it('keeps the names; an old topology (no repos, no {repo}) still parses', () => {
    expect(parseTopology(doc({ repos: ['eu', 'us'] }), 'f').repos).toEqual(['eu', 'us']);
    const old = parseTopology(doc({}, { backup: 'b {kind}', restore: 'r {target}' }), 'f');
    expect(old.repos).toBeUndefined();
    // An action run without a repo leaves {repo} an empty word: the default repository.
    expect(commandLine(parseTopology(doc({ repos: ['1', '2'] }), 'f'), 'backup', { kind: 'incr' })).toBe("b incr ''");
    expect(commandLine(parseTopology(doc({ repos: ['1', '2'] }), 'f'), 'wal-archived', { repo: '2', segment: '000000010000000000000005' })).toBe('w 2 000000010000000000000005');
  });

  it('rejects in one line: several repos with a backup or restore that cannot name one, bad or repeated names', () => {
    expect(() => parseTopology(doc({ repos: ['1', '2'] }, { backup: 'b {kind}' }), 'f')).toThrow('topology f: actions.backup must use {repo}: "repos" lists 2 repositories');
    expect(() => parseTopology(doc({ repos: ['1', '2'] }, { restore: 'r {target}' }), 'f')).toThrow(/actions\.restore must use \{repo\}/);
    expect(() => parseTopology(doc({ repos: [] }), 'f')).toThrow(/"repos" must list backup repository names/);
    expect(() => parseTopology(doc({ repos: ['a b'] }), 'f')).toThrow(/"repos" must list/);
    expect(() => parseTopology(doc({ repos: ['1', '1'] }), 'f')).toThrow(/must be unique/);
    expect(() => parseTopology(doc({}, { backup: 'b {kind} {segment}' }), 'f')).toThrow(/actions\.backup: unknown placeholder \{segment\}/);
  });
});
