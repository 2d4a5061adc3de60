// The SLA table and the timeline read what the cases recorded: a figure over its SLA is marked
// missed, one not reached is missed too, fault windows run from the fault action to its heal.
import { describe, expect, it } from 'vitest';
import type { Report } from '@helios-conformance/core';
import { renderHaDrConsole, slaRows, timelineSvg } from '../src/report.js';

const sla = { rtoMs: 60_000, electionMs: 5_000, detectionMs: 10_000, rpoWrites: 0, failbackMs: 300_000 };
const reportWith = (hadr: Record<string, unknown>): Report => ({ sections: { topology: { nodes: ['n1', 'n2', 'n3'] }, hadr } }) as unknown as Report;

describe('ha-dr report', () => {
  it('marks a figure over its SLA, or never reached, as missed; RPO from the ledger', () => {
    const r = reportWith({
      X: { sla, timings: { detectionMs: 300, electionMs: 7_000, rtoMs: null, redirectMs: 40 }, ledger: { acked: 10, lostCount: 2, resurrectedCount: 0, staleCount: 1 } },
    });
    const rows = slaRows(r);
    const by = (f: string) => rows.find((x) => x.figure.startsWith(f));
    expect(by('detection')?.within).toBe(true);
    expect(by('election')?.within).toBe(false);
    expect(by('RTO')).toMatchObject({ measured: 'not reached', within: false });
    expect(by('RPO')).toMatchObject({ measured: '2 of 10', within: false });
    expect(by('deleted rows back')).toMatchObject({ measured: '1', within: false });
    expect(by('redirect')).toMatchObject({ sla: '—', within: null });
    expect(renderHaDrConsole(r)).toMatch(/X election\s+7\.00 s\s+< 5\.00 s\s+MISSED/);
  });

  it('shades each fault from its action to the action that heals it, and marks the fault and the RTO', () => {
    const svg = timelineSvg(
      'X',
      {
        timings: { rtoMs: 2_000 },
        faultAt: 3_000,
        actions: [
          { action: 'partition', ok: true, at: 1_000, ms: 100 },
          { action: 'kill', ok: true, at: 3_000, ms: 100 },
          { action: 'heal', ok: true, at: 4_000, ms: 100 },
          { action: 'promote', ok: true, at: 4_500, ms: 100 },
        ],
        timeline: [
          { t: 0, counts: { 'ack@n1': 5 } },
          { t: 5_000, counts: { 'ack@n2': 4, 'in-doubt': 1 } },
        ],
      },
      ['n1', 'n2', 'n3'],
    );
    expect(svg).toContain('<title>partitioned: 1.00 s → 4.10 s</title>');
    // The kill is never healed by a start here: its window runs to the end of the chart.
    expect(svg).toMatch(/<title>node down: 3\.00 s → 5\.\d\d s<\/title>/);
    expect(svg).toContain('>fault<');
    expect(svg).toContain('>RTO 2.00 s<');
    expect(svg).toContain('5 acknowledged by n1');
    expect(svg).toContain('1 in-doubt');
  });
});
